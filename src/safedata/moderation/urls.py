from __future__ import annotations

from django.urls import path

from safedata.moderation import views

app_name = "moderation"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("documents/<int:pk>/revise/", views.revise, name="revise"),
    path("documents/<int:pk>/review-request/", views.request_review, name="request_review"),
    path("documents/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/bulk/", views.bulk, name="bulk"),
    path("moderation/documents/<int:pk>/", views.case, name="case"),
    path("moderation/documents/<int:pk>/decide/", views.decide, name="decide"),
    path("moderation/reports/<int:pk>/dismiss/", views.dismiss_report, name="dismiss_report"),
    path("moderation/appeals/<int:pk>/uphold/", views.uphold_appeal, name="uphold_appeal"),
    path("moderation/users/<int:pk>/", views.user_page, name="user"),
    path("moderation/users/<int:pk>/suspend/", views.suspend, name="suspend"),
    path("moderation/users/<int:pk>/reinstate/", views.reinstate, name="reinstate"),
]
