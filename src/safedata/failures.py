"""A database or cache outage answers 503, in one log line, and the next request retries.

Django opens a fresh connection on the next request once a connection has
failed (``CONN_HEALTH_CHECKS``), so the site recovers by itself when the
database is back; until then clients get a clear 503 with ``Retry-After`` —
the API's JSON error shape under ``/api/``, a short page elsewhere — and the
log gets one line per failed request instead of a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.views import defaults

from safedata.apierrors import error_response
from safedata.filecache import CacheUnavailable

OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    CacheUnavailable,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
"""Errors that mean a backing service is down, not that the code is wrong."""

RETRY_AFTER_SECONDS = 5
logger = logging.getLogger("safedata.failures")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _summary(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]


def unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer to ``request`` while a backing service is down; logs one line."""
    logger.error("service unavailable: %s %s: %s", request.method, request.path, _summary(exc))
    message = "The service is briefly unavailable; try again in a few seconds."
    if _is_api(request):
        response: HttpResponse = error_response(503, "unavailable", message)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django logs it otherwise
    return response


class ServiceUnavailableMiddleware:
    """Turns an outage raised by a view into :func:`unavailable`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return unavailable(request, exc) if isinstance(exc, OUTAGES) else None


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: under /api/ a URL that matches no operation gets the JSON error shape."""
    if _is_api(request):
        return error_response(404, "not_found", f"No API operation at {request.path!r}.")
    response = defaults.page_not_found(request, exception)
    return response if isinstance(response, HttpResponse) else HttpResponseNotFound()


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: outages raised outside a view (sessions, middleware) are 503 too."""
    exc = sys.exc_info()[1]
    if exc is not None and isinstance(exc, OUTAGES):
        return unavailable(request, exc)
    if _is_api(request):
        return error_response(500, "server_error", "Something went wrong on our side.")
    response = defaults.server_error(request)
    return response if isinstance(response, HttpResponse) else HttpResponseServerError()
