from __future__ import annotations

from django.urls import path

from safedata.voting import views

app_name = "voting"
urlpatterns = [
    path("review/", views.review, name="review"),
]
