"""Document pages (placeholder views, replaced by the documents work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def browse(request: HttpRequest) -> HttpResponse:
    return HttpResponse("browse")


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("detail")


def upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse("upload")
