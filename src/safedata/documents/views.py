"""Browsing documents and reading one. (Upload pages live in ``upload_views``.)"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from safedata.documents.browse import SORTS, BrowseQuery, InvalidFilterError
from safedata.documents.models import ConsensusLabel, ConsensusStatus, Document

PAGE_SIZE = 25


@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    """Visible documents, searched and filtered (``DocumentFilter``), sorted, 25 a page."""
    choices = {
        "labels": ConsensusLabel.choices,
        "statuses": ConsensusStatus.choices,
        "sorts": list(SORTS),
    }
    try:
        query = BrowseQuery.parse(request.GET)
    except InvalidFilterError as exc:
        context = {"error": str(exc), **choices}
        return render(request, "documents/browse.html", context, status=400)
    page = Paginator(query.documents(), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "query": query,
        "results": query.results(page.object_list),
        "querystring": params.urlencode(),
        **choices,
    }
    return render(request, "documents/browse.html", context)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One visible document with its consensus; hidden or removed ones are 404.

    The vote panel comes from ``voting`` (``{% vote_panel %}``), the layer above.
    """
    document = get_object_or_404(Document.objects.public().select_related("uploader"), pk=pk)
    return render(request, "documents/detail.html", {"document": document})
