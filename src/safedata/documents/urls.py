from __future__ import annotations

from django.urls import path

from safedata.documents import upload_views, views

app_name = "documents"
urlpatterns = [
    path("documents/", views.browse, name="browse"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("upload/", upload_views.upload, name="upload"),
    path("upload/bulk/", upload_views.bulk, name="bulk_upload"),
    path("upload/language/", upload_views.detect_language, name="detect_language"),
]
