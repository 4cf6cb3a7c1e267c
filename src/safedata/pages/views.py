"""Pages that bring the apps together: home, the Acceptable Use Policy, a member's profile."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safedata.accounts.models import User
from safedata.documents.models import Document
from safedata.voting.models import Vote

PER_PAGE = 25


def home(request: HttpRequest) -> HttpResponse:
    """What the project is and what to do first, with the dataset's size so far."""
    context = {
        "document_count": Document.objects.public().count(),
        "vote_count": Vote.objects.count(),
    }
    return render(request, "pages/home.html", context)


def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/policy.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in member's uploads (every visibility: they are theirs) and votes."""
    user = cast(User, request.user)  # login_required
    uploads = Document.objects.filter(uploader_id=user.pk).order_by("-created_at", "-id")
    votes = (
        Vote.objects.filter(voter_key=user.voter_key)
        .select_related("document")
        .order_by("-updated_at", "-id")
    )
    context = {
        "uploads": Paginator(uploads, PER_PAGE).get_page(request.GET.get("uploads_page")),
        "votes": Paginator(votes, PER_PAGE).get_page(request.GET.get("votes_page")),
    }
    return render(request, "pages/profile.html", context)
