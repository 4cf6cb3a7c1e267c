"""Probes for load balancers and orchestrators.

``/healthz``: the process answers (touches nothing else, so a database outage
never gets healthy servers restarted). ``/readyz``: the database and the cache
answer; 503 otherwise, so traffic goes elsewhere until they are back.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from safedata.failures import OUTAGES

_PROBE_ERRORS: tuple[type[Exception], ...] = (*OUTAGES, RuntimeError)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not return what was just stored")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, probe in (("database", _database), ("cache", _cache)):
        try:
            probe()
            checks[name] = "ok"
        except _PROBE_ERRORS as exc:
            checks[name] = f"unavailable: {type(exc).__name__}"
    ready = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
