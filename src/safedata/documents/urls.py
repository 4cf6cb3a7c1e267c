from __future__ import annotations

from django.urls import path

from safedata.documents import views

app_name = "documents"
urlpatterns = [
    path("documents/", views.browse, name="browse"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("upload/", views.upload, name="upload"),
]
