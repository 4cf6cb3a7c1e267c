"""Account pages: the member's profile with their uploads and votes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safedata.documents.models import Document
from safedata.voting.models import Vote

PER_PAGE = 25


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in member's uploads (every visibility: they are theirs) and votes."""
    user = request.user
    uploads = Document.objects.filter(uploader_id=user.pk).order_by("-created_at", "-id")
    votes = (
        Vote.objects.filter(voter_key=f"u:{user.pk}")
        .select_related("document")
        .order_by("-updated_at", "-id")
    )
    context = {
        "uploads": Paginator(uploads, PER_PAGE).get_page(request.GET.get("uploads_page")),
        "votes": Paginator(votes, PER_PAGE).get_page(request.GET.get("votes_page")),
    }
    return render(request, "accounts/profile.html", context)
