from __future__ import annotations

from django.urls import path

from safedata.accounts import tokens

app_name = "accounts"
urlpatterns = [
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke, name="revoke_token"),
]
