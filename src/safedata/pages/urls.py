from __future__ import annotations

from django.urls import path

from safedata.pages import demo_views, quality, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy, name="policy"),
    path("quality/", quality.quality, name="quality"),
    path("demo/load/", demo_views.load_demo, name="demo_load"),
    # Under /accounts/ with the other account pages; it lives here because it shows
    # documents and votes, which the accounts app (the base layer) does not know.
    path("accounts/profile/", views.profile, name="profile"),
]
