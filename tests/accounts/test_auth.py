"""Accounts through allauth: sign up, log in and out, password reset, rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.test import Client
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from safedata.accounts.models import User


def signup(client: Client, password: str, username: str = "newbie") -> Any:
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": password,
            "password2": password,
        },
    )


def test_signup_creates_a_user_and_signs_in(client: Client, django_user_model: Any) -> None:
    response = signup(client, "a-long-enough-passphrase")
    assert response.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("password", ["short", "elevenchars", "123456789012"])
def test_signup_refuses_weak_passwords(
    client: Client, django_user_model: Any, password: str
) -> None:
    response = signup(client, password)
    assert response.status_code == 200
    assert not django_user_model.objects.filter(username="newbie").exists()


def test_password_needs_twelve_characters(client: Client, db: None) -> None:
    response = signup(client, "abcdefghijk")
    assert "at least 12 characters" in response.content.decode()


def test_login_and_logout(client: Client, member: User) -> None:
    response = client.post("/accounts/login/", {"login": "member", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_login_by_email(client: Client, member: User) -> None:
    response = client.post(
        "/accounts/login/", {"login": "member@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_failed_logins_are_rate_limited(client: Client, member: User) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"login": "member", "password": "wrong-password-x"})
    response = client.post("/accounts/login/", {"login": "member", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_sends_a_mail(client: Client, member: User) -> None:
    response = client.post("/accounts/password/reset/", {"email": "member@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "member@example.org" in mail.outbox[0].to
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_logout_needs_csrf(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "_auth_user_id" in client.session
