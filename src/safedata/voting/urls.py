from __future__ import annotations

from django.urls import include, path

from safedata.voting import quarantine_views, views

app_name = "voting"

# The review page and what its buttons post, under /review/.
review = [
    path("", views.review, name="review"),
    path("<int:pk>/vote/", views.review_vote, name="review_vote"),
    path("<int:pk>/skip/", views.review_skip, name="review_skip"),
    path("<int:pk>/undo/", views.review_undo, name="review_undo"),
    path("skips/reset/", views.review_reset_skips, name="review_reset_skips"),
]
urlpatterns = [
    path("review/", include(review)),
    path("documents/<int:pk>/vote/", views.document_vote, name="document_vote"),
    path("quarantine/", quarantine_views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/<slug:decision>/", quarantine_views.decide, name="quarantine_decide"),
]
