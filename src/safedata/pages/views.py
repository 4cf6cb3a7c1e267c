"""Static-ish pages: the home page and the Acceptable Use Policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safedata.documents.models import Document
from safedata.voting.models import Vote


def home(request: HttpRequest) -> HttpResponse:
    """What the project is and what to do first, with the dataset's size so far."""
    context = {
        "document_count": Document.objects.public().count(),
        "vote_count": Vote.objects.count(),
    }
    return render(request, "pages/home.html", context)


def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/policy.html")
