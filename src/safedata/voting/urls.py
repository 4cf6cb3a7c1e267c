from __future__ import annotations

from django.urls import path

from safedata.voting import quarantine_views, views

app_name = "voting"
urlpatterns = [
    path("review/", views.review, name="review"),
    path("review/<int:pk>/vote/", views.review_vote, name="review_vote"),
    path("review/<int:pk>/skip/", views.review_skip, name="review_skip"),
    path("review/<int:pk>/undo/", views.review_undo, name="review_undo"),
    path("review/skips/reset/", views.review_reset_skips, name="review_reset_skips"),
    path("documents/<int:pk>/vote/", views.document_vote, name="document_vote"),
    path("quarantine/", quarantine_views.quarantine, name="quarantine"),
    path(
        "quarantine/<int:pk>/<slug:decision>/",
        quarantine_views.decide,
        name="quarantine_decide",
    ),
]
