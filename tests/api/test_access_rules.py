"""Who reads what through the API: the list is no way around the download's sign-in, a bad
token is a 401 on every operation, and the schema declares how to authenticate."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.documents.api import EXCERPT_CHARS
from safedata.documents.models import Document

pytestmark = pytest.mark.django_db

LONG_TEXT = "A long explanation of safe password storage. " * 40
SECURED = {"bearerToken", "sessionCookie"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def walk(client: Client, url: str, **headers: str) -> list[dict[str, Any]]:
    """Every item of the list, page after page."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        body = client.get(next_url, headers=headers).json()
        items += body["items"]
        next_url = body["next"]
    return items


def test_anonymous_list_gives_excerpts_not_full_text(
    client: Client, make_document: Callable[..., Document]
) -> None:
    long_one = make_document(LONG_TEXT.strip())
    for _ in range(4):
        make_document()
    items = walk(client, "/api/v1/documents?limit=2")
    assert len(items) == 5
    assert all(item["text"] is None for item in items)
    assert all(len(item["excerpt"]) <= EXCERPT_CHARS for item in items)
    [cut] = [item for item in items if item["id"] == long_one.pk]
    assert cut["excerpt"].endswith("…")
    assert long_one.text.startswith(cut["excerpt"][:-1])
    short = [item for item in items if item["id"] != long_one.pk]
    assert all(item["excerpt"].startswith("Document number") for item in short)


def test_anonymous_reader_still_reads_one_document_in_full(
    client: Client, make_document: Callable[..., Document]
) -> None:
    document = make_document(LONG_TEXT.strip())
    body = client.get(f"/api/v1/documents/{document.pk}").json()
    assert body["text"] == document.text


@pytest.mark.parametrize("via", ["session", "token"])
def test_members_list_full_texts(
    client: Client,
    member: User,
    member_token: str,
    make_document: Callable[..., Document],
    via: str,
) -> None:
    document = make_document(LONG_TEXT.strip())
    headers = bearer(member_token) if via == "token" else {}
    if via == "session":
        client.force_login(member)
    [item] = walk(client, "/api/v1/documents", **headers)
    assert item["text"] == document.text
    assert len(item["excerpt"]) == EXCERPT_CHARS


def test_anonymous_dataset_download_is_refused(client: Client) -> None:
    assert client.get("/api/v1/dataset").status_code == 401


def _operations(client: Client) -> list[tuple[str, str]]:
    schema = client.get("/api/openapi.json").json()
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in schema["paths"].items()
        for method in operations
    ]


@pytest.fixture
def bad_tokens(revoked_token: str) -> dict[str, str]:
    return {
        "revoked": revoked_token,
        "made up": "sdt_" + "x" * 40,
        "garbage": "not-even-a-token",
    }


def test_every_operation_refuses_a_bad_token_with_401(
    client: Client, bad_tokens: dict[str, str], document: Document
) -> None:
    operations = _operations(client)
    assert len(operations) >= 12
    for kind, token in bad_tokens.items():
        for method, path in operations:
            response = client.generic(
                method, path, b"{}", content_type="application/json", headers=bearer(token)
            )
            assert response.status_code == 401, (kind, method, path, response.content)
            if method != "HEAD":  # a HEAD answer has no body
                assert response.json()["error"]["code"] == "invalid_token"


def test_openapi_declares_token_and_session_on_every_operation(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerToken"]["description"],
    }
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "sessionid"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {name for requirement in operation["security"] for name in requirement}
            assert names == SECURED, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "anonymous"),
    [
        ("get", "/api/v1/documents", True),
        ("post", "/api/v1/documents/{document_id}/vote", True),
        ("post", "/api/v1/documents", False),
        ("get", "/api/v1/dataset", False),
        ("get", "/api/v1/exports/sft", False),
    ],
)
def test_openapi_marks_which_operations_allow_anonymous_callers(
    client: Client, method: str, path: str, anonymous: bool
) -> None:
    operation = client.get("/api/openapi.json").json()["paths"][path][method]
    assert ({} in operation["security"]) is anonymous


@pytest.mark.parametrize(
    "path", ["/api/v1/nowhere", "/api/v1/snapshots/a%0Ab", "/api/v2/documents"]
)
def test_a_path_no_api_operation_matches_is_a_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_path_outside_the_api_keeps_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
