from __future__ import annotations

from django.urls import include, path

from safedata.documents import upload_views, views

app_name = "documents"

# The upload form, the bulk form and the form's language hint, under /upload/.
upload = [
    path("", upload_views.upload, name="upload"),
    path("bulk/", upload_views.bulk, name="bulk_upload"),
    path("language/", upload_views.detect_language, name="detect_language"),
]
urlpatterns = [
    path("documents/", views.browse, name="browse"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("upload/", include(upload)),
]
