"""Fuzzing every parser behind a URL, in process: JSON bodies of every POST operation,
query filters and cursors, form and bulk file uploads. Never a 5xx."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import json_bodies, nasty_text

from safedata.accounts.models import ApiToken, User
from safedata.documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_token(make_user: Callable[..., User], open_limits: Any) -> str:
    return ApiToken.issue(make_user("fuzz-staff", is_staff=True), "fuzz")[1]


@pytest.fixture
def member_token(member: User) -> str:
    return ApiToken.issue(member, "fuzz")[1]


@pytest.fixture
def post_paths(client: Client, document: Document) -> list[str]:
    """Every POST operation of the API, its path parameters set to a real document."""
    schema = client.get("/api/openapi.json").json()
    return sorted(
        re.sub(r"\{[^}]+\}", str(document.pk), path)
        for path, operations in schema["paths"].items()
        if "post" in operations
    )


def _assert_not_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])


@given(data=st.data(), body=json_bodies, use_token=st.booleans())
def test_json_bodies_of_every_post_operation_are_never_a_5xx(
    client: Client,
    post_paths: list[str],
    staff_token: str,
    member_token: str,
    data: Any,
    body: bytes,
    use_token: bool,
) -> None:
    path = data.draw(st.sampled_from(post_paths))
    # Staff reach the moderation operations; a member's token keeps POST /snapshots from
    # building a release per example (its body is parsed all the same).
    token = member_token if path.endswith("/snapshots") else staff_token
    headers = {"Authorization": f"Bearer {token}"} if use_token else {}
    response = client.post(path, body, content_type="application/json", headers=headers)
    _assert_not_5xx(response, path)


FILTER_NAMES = ["label", "status", "language", "min_votes", "min_confidence", "sort", "limit"]
filter_values = nasty_text | st.sampled_from(["great", "settled", "en", "-1", "1e999", "nan", "5"])
queries = st.dictionaries(
    st.sampled_from([*FILTER_NAMES, "cursor", "q", "format", "page"]) | nasty_text,
    filter_values
    | st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", max_size=60
    ),
    max_size=5,
)


def _query(params: dict[str, str]) -> str:
    """A query string with any bytes, invalid UTF-8 and NUL included."""
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in params.items()
    )


LISTS = ["/api/v1/documents", "/api/v1/dataset/preview", "/documents/", "/dataset/"]


@given(data=st.data(), params=queries)
def test_query_filters_and_cursors_are_never_a_5xx(
    client: Client,
    make_document: Callable[..., Document],
    open_limits: Any,
    data: Any,
    params: dict[str, str],
) -> None:
    if not Document.objects.exists():
        for _ in range(3):
            make_document()
    path = data.draw(st.sampled_from(LISTS))
    response = client.get(f"{path}?{_query(params)}")
    _assert_not_5xx(response, path)


@pytest.mark.parametrize("path", LISTS)
def test_a_nul_in_the_language_filter_matches_nothing(
    client: Client, document: Document, path: str
) -> None:
    """Found at 10,000 examples on PostgreSQL, which refuses NUL in text: it was a 500."""
    Document.objects.filter(pk=document.pk).update(language="en")
    listed = client.get(f"{path}?language=en")
    response = client.get(f"{path}?language=en%00")
    assert (listed.status_code, response.status_code) == (200, 200)
    if path == "/api/v1/documents":
        assert [item["id"] for item in listed.json()["items"]] == [document.pk]
        assert response.json()["items"] == []
    if path == "/documents/":
        assert document.text in listed.content.decode()
        assert document.text not in response.content.decode()


upload_names = st.sampled_from(
    ["doc.txt", "doc.md", "docs.jsonl", "x.pdf", "", "..txt"]
) | nasty_text.map(lambda name: name.replace("\x00", "").replace("/", "") + ".txt")
contents = (
    json_bodies
    | st.binary(max_size=400)
    | nasty_text.map(lambda text: text.encode("utf-8", "surrogatepass"))
)


def _sendable(text: str) -> str:
    """The test client must encode form fields as UTF-8: lone surrogates become U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@given(name=upload_names, content=contents, bulk=st.booleans(), form_text=nasty_text)
def test_file_uploads_are_never_a_5xx(
    client: Client,
    member: User,
    open_limits: Any,
    name: str,
    content: bytes,
    bulk: bool,
    form_text: str,
) -> None:
    client.force_login(member)
    upload = SimpleUploadedFile(
        _sendable(name) or "unnamed", content, content_type="application/octet-stream"
    )
    fields: dict[str, Any] = {"aup": "on", "file": upload}
    if not bulk and not content:
        fields = {"aup": "on", "text": _sendable(form_text)}
    response = client.post("/upload/bulk/" if bulk else "/upload/", fields)
    _assert_not_5xx(response, name)
