"""A signed-in session ends after SESSION_IDLE_MINUTES without a request; each request renews it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from tests.conftest import PASSWORD


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_session_expires_after_idle_minutes_and_each_request_renews_it(
    settings: Any, member: Any
) -> None:
    assert settings.SESSION_COOKIE_AGE == 720 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client = Client()
    client.post("/accounts/login/", {"login": "member", "password": PASSWORD})
    first = _expiry(client)
    assert abs((first - timezone.now()).total_seconds() - 720 * 60) < 60
    Session.objects.filter(expire_date=first).update(expire_date=first - dt.timedelta(hours=1))
    assert client.get("/").status_code == 200
    assert _expiry(client) > first - dt.timedelta(minutes=1)


def test_an_idle_session_is_signed_out(settings: Any, member: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": "member", "password": PASSWORD})
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(settings.LOGIN_REDIRECT_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
