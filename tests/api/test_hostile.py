"""Hostile input: each body that once reached a 500 is a 4xx with the JSON error shape, and
nothing is stored. The bulk page reports such a line as rejected, never half-stores it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safedata.accounts.models import ApiToken, User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document
from safedata.records.jsontext import MAX_DEPTH, JsonInputError, parse_json
from safedata.voting.models import Vote

pytestmark = pytest.mark.django_db

DEEP_ARRAY = b"[" * 50_000 + b"]" * 50_000
OPEN_BRACKETS = b"[" * 1_000
LONE_SURROGATE = b'{"text": "a \\ud800"}'
DEEP_OBJECT = b'{"text": "ok", "title": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}"
HUGE_INTEGER = b'{"text": "ok", "title": ' + b"7" * 5_000 + b"}"

# Each case: a raw body, the words the error message must contain.
HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("50,000-deep array", DEEP_ARRAY, f"nested more than {MAX_DEPTH} levels"),
    ("1,000 open brackets", OPEN_BRACKETS, f"nested more than {MAX_DEPTH} levels"),
    ("lone surrogate", LONE_SURROGATE, "lone surrogate"),
    ("deeply nested field", DEEP_OBJECT, f"nested more than {MAX_DEPTH} levels"),
    ("5,000-digit integer", HUGE_INTEGER, "4300 digits"),
    ("lone low surrogate", b'{"text": "\\udc00 x"}', "lone surrogate"),
    ("surrogate key", b'{"text": "ok", "\\ud800": 1}', "lone surrogate"),
    ("not UTF-8", b'{"text": "caf\xe9"}', "not UTF-8"),
]
CASES = [c[1:] for c in HOSTILE_BODIES]
IDS = [c[0] for c in HOSTILE_BODIES]


def post_raw(client: Client, url: str, body: bytes, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("body", "words"), CASES, ids=IDS)
def test_hostile_upload_body_is_400_and_stores_nothing(
    client: Client, member_token: str, body: bytes, words: str
) -> None:
    response = post_raw(client, "/api/v1/documents", body, member_token)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert words in error["message"]
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("body", "words"), CASES, ids=IDS)
def test_hostile_anonymous_vote_body_is_a_4xx(
    client: Client, document: Document, body: bytes, words: str
) -> None:
    client.get("/api/v1/csrf")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value}
    url = f"/api/v1/documents/{document.pk}/vote"
    response = client.post(url, body, content_type="application/json", headers=headers)
    # The vote body limit is 1 KiB: the larger cases are refused for their size first.
    expected = 400 if len(body) <= 1024 else 413
    assert response.status_code == expected
    if expected == 400:
        assert words in response.json()["error"]["message"]
    assert not Vote.objects.exists()


def test_a_thousand_brackets_fit_under_the_vote_limit() -> None:
    assert len(OPEN_BRACKETS) <= 1024


@pytest.mark.parametrize(("body", "words"), CASES, ids=IDS)
def test_hostile_body_to_an_operation_without_a_size_check_is_400(
    client: Client, make_user: Callable[..., User], body: bytes, words: str
) -> None:
    """POST /snapshots parses its body with ninja's parser, which goes through parse_json."""
    token = ApiToken.issue(make_user("staff", is_staff=True), "tests")[1]
    response = post_raw(client, "/api/v1/snapshots", body, token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"error", "invalid_json", "invalid_request"}


def bulk(client: Client, content: bytes) -> Any:
    client.get("/upload/")
    upload = SimpleUploadedFile("docs.jsonl", content, content_type="application/jsonl")
    token = client.cookies["csrftoken"].value
    return client.post("/upload/bulk/", {"aup": "on", "csrfmiddlewaretoken": token, "file": upload})


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (LONE_SURROGATE, "lone surrogate"),
        (b'{"text": "ok", "title": ' + b"[" * 200 + b"]" * 200 + b"}", "nested more than"),
        (b'{"text": ' + b"[" * 5_000, "nested more than"),
        (HUGE_INTEGER, "4300 digits"),
    ],
    ids=["lone surrogate", "deeply nested", "unclosed brackets", "5,000-digit integer"],
)
def test_hostile_bulk_line_is_rejected_and_the_good_line_kept(
    member: User, line: bytes, words: str
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    good = b'{"text": "A perfectly ordinary paragraph about bread and how to bake it."}'
    response = bulk(client, good + b"\n" + line + b"\n")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 accepted, 0 duplicates, 1 rejected" in html
    assert words in html
    assert list(Document.objects.values_list("text", flat=True)) == [
        "A perfectly ordinary paragraph about bread and how to bake it."
    ]


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 64 + b"]" * 64,
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        b'{"emoji": "\\ud83d\\ude00"}',
        b"[" + b"[]," * 500 + b"[]]",
    ],
    ids=["64 levels", "brackets in a string", "surrogate pair", "wide and shallow"],
)
def test_parse_json_keeps_what_is_acceptable(text: bytes) -> None:
    assert parse_json(text) == json.loads(text)


def test_parse_json_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested more than 64"):
        parse_json(DEEP_ARRAY)
    assert issubclass(JsonInputError, ValueError)
