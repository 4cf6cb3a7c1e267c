from __future__ import annotations

from django.urls import path

from safedata.datasets import views

app_name = "datasets"
urlpatterns = [
    path("dataset/", views.dataset, name="dataset"),
    path("dataset/snapshots/", views.snapshots, name="snapshots"),
    path("dataset/snapshots/<str:version>/card/", views.card, name="card"),
]
