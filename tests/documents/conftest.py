"""Fixtures for the upload tests: small limits, signed-in clients, no leftover rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

if TYPE_CHECKING:
    from safedata.accounts.models import User


@pytest.fixture
def small_limits(settings: Any) -> Any:
    """Limits small enough that the oversized cases stay cheap."""
    settings.SAFEDATA_MAX_UPLOAD_BYTES = 4096
    settings.SAFEDATA_MAX_DOCUMENT_CHARS = 500
    settings.SAFEDATA_MAX_BULK_LINES = 3
    return settings


@pytest.fixture
def client_for(db: None) -> Callable[[Any], Client]:
    """A test client with CSRF checks on, signed in as ``user`` (anonymous for ``None``)."""

    def make(user: User) -> Client:
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        client.get("/upload/")  # sets the CSRF cookie
        return client

    return make


def csrf(client: Client) -> str:
    return str(client.cookies["csrftoken"].value) if "csrftoken" in client.cookies else ""


@pytest.fixture
def post_upload() -> Callable[..., Any]:
    """POST the upload form with the AUP ticked and the CSRF token; ``None`` drops a field."""

    def post(client: Client, **fields: Any) -> Any:
        data = {"aup": "on", "csrfmiddlewaretoken": csrf(client), **fields}
        return client.post("/upload/", {k: v for k, v in data.items() if v is not None})

    return post


@pytest.fixture
def post_bulk() -> Callable[..., Any]:
    """POST ``content`` as a bulk file, AUP ticked, with the CSRF token."""

    def post(client: Client, content: bytes, name: str = "docs.jsonl", **fields: Any) -> Any:
        upload = SimpleUploadedFile(name, content, content_type="application/jsonl")
        data = {"aup": "on", "csrfmiddlewaretoken": csrf(client), "file": upload, **fields}
        return client.post("/upload/bulk/", {k: v for k, v in data.items() if v is not None})

    return post


@pytest.fixture
def htmx_headers() -> Callable[..., dict[str, str]]:
    def headers(client: Client, **extra: str) -> dict[str, str]:
        return {"X-CSRFToken": csrf(client), "HX-Request": "true", **extra}

    return headers


@pytest.fixture
def second_upload_in_a_minute(
    settings: Any, client_for: Callable[[Any], Client], member: Any
) -> Callable[..., Any]:
    """Uploads limited to one a minute. ``send(upload, first, second, accepted)`` calls
    ``upload(client, content)`` twice with one member's client: the first is answered
    ``accepted``, the second the friendly 429, which it returns."""
    settings.SAFEDATA_UPLOAD_RATE_LIMIT = "1/m"

    def send(upload: Callable[[Client, Any], Any], first: Any, second: Any, accepted: int) -> Any:
        client = client_for(member)
        assert upload(client, first).status_code == accepted
        response = upload(client, second)
        assert response.status_code == 429
        assert "You are uploading too fast" in response.content.decode()
        return response

    return send
