from __future__ import annotations

from django.urls import path

from safedata.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy, name="policy"),
]
