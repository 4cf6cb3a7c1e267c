from __future__ import annotations

from django.urls import include, path

from safedata.moderation import views

app_name = "moderation"

# An uploader's actions on their own document, under the document's address.
uploader = [
    path("revise/", views.revise, name="revise"),
    path("review-request/", views.request_review, name="request_review"),
    path("appeal/", views.appeal, name="appeal"),
]
# The moderators' pages and actions, under /moderation/.
moderators = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("documents/<int:pk>/", views.case, name="case"),
    path("documents/<int:pk>/decide/", views.decide, name="decide"),
    path("reports/<int:pk>/dismiss/", views.dismiss_report, name="dismiss_report"),
    path("appeals/<int:pk>/uphold/", views.uphold_appeal, name="uphold_appeal"),
    path("users/<int:pk>/", views.user_page, name="user"),
    path("users/<int:pk>/suspend/", views.suspend, name="suspend"),
    path("users/<int:pk>/reinstate/", views.reinstate, name="reinstate"),
]
urlpatterns = [
    path("report/", views.report, name="report"),
    path("documents/<int:pk>/", include(uploader)),
    path("moderation/", include(moderators)),
]
