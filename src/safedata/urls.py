"""Root URL map: one include per app, the JSON API under /api/."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from safedata import health
from safedata.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("safedata.pages.urls")),
    path("", include("safedata.documents.urls")),
    path("", include("safedata.voting.urls")),
    path("", include("safedata.moderation.urls")),
    path("", include("safedata.datasets.urls")),
    path("accounts/", include("safedata.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "safedata.failures.not_found"
handler500 = "safedata.failures.server_error"
