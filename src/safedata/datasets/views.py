"""Dataset pages (placeholder, replaced by the dataset work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def dataset(request: HttpRequest) -> HttpResponse:
    return HttpResponse("dataset")
