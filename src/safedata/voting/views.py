"""Review page (placeholder, replaced by the review work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def review(request: HttpRequest) -> HttpResponse:
    return HttpResponse("review")
