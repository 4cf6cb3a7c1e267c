"""Dataset pages: browse and preview a filtered view, download it, list snapshots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from safedata.datasets import services
from safedata.datasets.models import Snapshot
from safedata.documents.filters import LABELS, STATUSES, DocumentFilter, FilterError
from safedata.records import FIELD_NAMES

DOWNLOAD_FORMATS = ("jsonl", "parquet", "csv")


def dataset(request: HttpRequest) -> HttpResponse:
    """The browse page: filters, a preview of the first rows, download links."""
    error = ""
    try:
        view = services.parse_filter(request.GET)
    except FilterError as problem:
        error, view = str(problem), DocumentFilter()
    total, rows = services.preview(view)
    query = view.as_params()
    downloads = [
        (fmt, "/api/v1/dataset?" + urlencode({"format": fmt, **query})) for fmt in DOWNLOAD_FORMATS
    ]
    context = {
        "view": view,
        "error": error,
        "total": total,
        "rows": rows,
        "downloads": downloads,
        "preview_json": "/api/v1/dataset/preview?" + urlencode(query),
        "labels": LABELS,
        "statuses": STATUSES,
        "fields": FIELD_NAMES,
        "latest": Snapshot.objects.published().first(),
    }
    return render(request, "datasets/dataset.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def snapshots(request: HttpRequest) -> HttpResponse:
    """Published releases; staff may publish a new one (POST)."""
    if request.method == "POST":
        return _publish(request)
    return render(request, "datasets/snapshots.html", {"snapshots": Snapshot.objects.published()})


def _publish(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        return HttpResponseForbidden("Only staff can publish snapshots.")
    try:
        built = services.build_snapshot(actor=request.user)
    except services.DatasetError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published snapshot {built.version} ({built.row_count:,} rows).")
    return redirect("datasets:snapshots")
