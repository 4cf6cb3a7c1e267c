"""Browsing documents and reading one. (Upload pages live in ``upload_views``.)"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safedata.documents.access import REMOVED_MESSAGE, DocumentGone, viewable_document
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
    """One document with its consensus: 404 when held or hidden (except to its uploader and
    the moderators), 410 when removed.

    The vote panel comes from ``voting`` (``{% vote_panel %}``) and the moderation
    notice and report link from ``moderation`` (``{% moderation_box %}``), the layers above.
    """
    try:
        document = viewable_document(pk, request.user)
    except Document.DoesNotExist as exc:
        raise Http404("No such document.") from exc
    except DocumentGone:
        context = {"message": REMOVED_MESSAGE, "document_id": pk}
        return render(request, "documents/gone.html", context, status=410)
    return render(request, "documents/detail.html", {"document": document})
