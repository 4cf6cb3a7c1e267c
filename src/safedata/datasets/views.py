"""Dataset pages: view a filtered dataset, download it, list snapshots and read their cards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from safedata.datasets import services, viewer
from safedata.datasets.markdown import render_card
from safedata.datasets.models import Snapshot
from safedata.documents.filters import DocumentFilter, FilterError
from safedata.documents.models import ConsensusLabel, ConsensusStatus

DOWNLOAD_FORMATS = ("jsonl", "parquet", "csv")


@require_GET
def dataset(request: HttpRequest) -> HttpResponse:
    """The data viewer: filters, column summaries and charts, keyset pages, download links."""
    error = ""
    try:
        view = services.parse_filter(request.GET)
        after = viewer.parse_cursor(request.GET, "after")
        before = viewer.parse_cursor(request.GET, "before")
    except (FilterError, viewer.CursorError) as problem:
        error, view, after, before = str(problem), DocumentFilter(), None, None
    query = view.as_params()
    rows = viewer.page(view, after=after, before=before)
    context = {
        "view": view,
        "error": error,
        "page": rows,
        "summary": viewer.summarize(view),
        "query": query,
        "downloads": [
            (fmt, "/api/v1/dataset?" + urlencode({"format": fmt, **query}))
            for fmt in DOWNLOAD_FORMATS
        ],
        "sft": viewer.sft_counts() if request.user.is_authenticated else {},
        "preview_json": "/api/v1/dataset/preview?" + urlencode(query),
        "labels": ConsensusLabel.choices,
        "statuses": ConsensusStatus.choices,
        "latest": Snapshot.objects.published().first(),
    }
    return render(request, "datasets/dataset.html", context, status=400 if error else 200)


@require_GET
def card(request: HttpRequest, version: str) -> HttpResponse:
    """A published snapshot's dataset card (its ``README.md``) as a page."""
    try:
        snapshot = services.published(version)
        path, _ = services.snapshot_file(snapshot, "README.md")
    except services.SnapshotNotFoundError as error:
        raise Http404(str(error)) from None
    card = render_card(path.read_text(encoding="utf-8"))
    return render(request, "datasets/card.html", {"snapshot": snapshot, "card": card})


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
