"""Fixtures for the JSON API: tokens for each persona and a CSRF-enforcing client; and
``assert_refused``, the refusal check that the API and the page tests share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from safedata.accounts.models import ApiToken, User


@pytest.fixture
def client() -> Client:
    """A browser-like client: Django checks CSRF exactly as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def issue_token() -> Callable[[User], str]:
    def issue(user: User) -> str:
        return ApiToken.issue(user, "tests")[1]

    return issue


@pytest.fixture
def member_token(member: User, issue_token: Callable[[User], str]) -> str:
    return issue_token(member)


@pytest.fixture
def uploader_token(uploader: User, issue_token: Callable[[User], str]) -> str:
    return issue_token(uploader)


@pytest.fixture
def post_json(client: Client) -> Callable[..., Any]:
    """POST a JSON body; ``token`` adds the bearer header, ``csrf`` the X-CSRFToken header."""

    def post(
        url: str,
        body: Any,
        *,
        token: str | None = None,
        csrf: bool = False,
        using: Client | None = None,
    ) -> Any:
        caller = using or client
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if csrf:
            caller.get("/api/v1/csrf")
            headers["X-CSRFToken"] = caller.cookies["csrftoken"].value
        return caller.post(url, json.dumps(body), content_type="application/json", headers=headers)

    return post


def code_of(response: Any) -> str:
    """The ``error.code`` of a JSON error response."""
    return str(response.json()["error"]["code"])


def assert_refused(
    response: Any,
    status: int,
    code: str = "",
    *,
    says: str = "",
    stored_no: type[Model] | None = None,
) -> None:
    """``response`` is a refusal with ``status``: the JSON error ``code`` when given, a
    body that ``says`` this when given; and no row of the model ``stored_no`` exists."""
    assert response.status_code == status, response.content[:300]
    if code:
        assert code_of(response) == code
    if says:
        assert says in response.content.decode()
    if stored_no is not None:
        assert not stored_no._default_manager.exists()
