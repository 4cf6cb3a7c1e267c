"""Static-ish pages: the home page and the Acceptable Use Policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html")


def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/policy.html")
