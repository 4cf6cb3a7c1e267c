"""``q=`` on the documents list and the dataset preview, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from safedata.documents.models import Document

URL = "/api/v1/documents"
PREVIEW = "/api/v1/dataset/preview"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def shelf(make_document: Callable[..., Any]) -> list[Document]:
    """Six documents about salt, saltier the later they were made, and two others."""
    salty = [
        make_document(f"Document {n}: " + "salt " * (n + 1) + "and some other words " * 3)
        for n in range(6)
    ]
    make_document("Pepper only, nothing else.")
    make_document("A recipe without the mineral.", title="Caramel")
    return salty


def test_q_finds_ranks_and_defaults_to_relevance(client: Client, shelf: list[Document]) -> None:
    found = ids(client.get(URL, {"q": "salt"}))
    assert found == [d.pk for d in reversed(shelf)]  # more salt, higher rank
    assert set(ids(client.get(URL, {"q": "salt", "sort": "recent"}))) == {d.pk for d in shelf}
    assert len(ids(client.get(URL, {"q": "sal"}))) == 6  # the last word is a prefix
    assert len(ids(client.get(URL, {"q": "caramel"}))) == 1  # titles are searched too


def test_relevance_cursor_walks_every_match_once(client: Client, shelf: list[Document]) -> None:
    seen: list[int] = []
    response = client.get(URL, {"q": "salt", "limit": 2})
    while True:
        seen += ids(response)
        next_url = response.json()["next"]
        if next_url is None:
            break
        assert "q=salt" in next_url
        response = client.get(next_url)
    assert seen == [d.pk for d in reversed(shelf)]


def test_q_combines_with_the_other_filters(client: Client, shelf: list[Document]) -> None:
    Document.objects.filter(pk=shelf[0].pk).update(language="de", confidence=0.9)
    assert ids(client.get(URL, {"q": "salt", "language": "de"})) == [shelf[0].pk]
    assert ids(client.get(URL, {"q": "salt", "min_confidence": "0.5"})) == [shelf[0].pk]


def test_relevance_without_q_is_newest_first(client: Client, shelf: list[Document]) -> None:
    assert ids(client.get(URL, {"sort": "relevance", "limit": 1})) == ids(
        client.get(URL, {"limit": 1})
    )


def test_preview_takes_the_same_q(client: Client, shelf: list[Document]) -> None:
    response = client.get(PREVIEW, {"q": "pepper"})
    assert response.status_code == 200
    assert response.json()["total"] == 1
    assert response.json()["rows"][0]["text"] == "Pepper only, nothing else."


HOSTILE = [
    '"',
    "'",
    "salt'",
    '"salt" OR 1=1 --',
    "salt:* & !pepper | (x <-> y)",
    "NEAR(salt pepper) AND NOT title:salt",
    "*",
    "\\",
    "%_%",
    "ünïcödé ✓ 🧂",
    "salt\u0000",
    "x" * 200,
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("url", [URL, PREVIEW])
def test_hostile_q_is_never_a_server_error(
    client: Client, shelf: list[Document], url: str, query: str
) -> None:
    response = client.get(url, {"q": query})
    assert response.status_code in (200, 400), response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("url", [URL, PREVIEW])
def test_too_long_a_q_is_400_naming_the_limit(client: Client, db: None, url: str) -> None:
    response = client.get(url, {"q": "salt " * 50})
    assert response.status_code == 400
    assert "200" in response.json()["error"]["message"]


def test_the_live_download_takes_the_same_q(
    client: Client, shelf: list[Document], member_token: str
) -> None:
    response = client.get(
        "/api/v1/dataset",
        {"q": "pepper", "format": "jsonl"},
        HTTP_AUTHORIZATION=f"Bearer {member_token}",
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1
    assert "Pepper only" in lines[0]


def test_q_gives_each_item_a_marked_snippet(client: Client, shelf: list[Document]) -> None:
    response = client.get(URL, {"q": "pepper"})
    [item] = response.json()["items"]
    assert item["text"] is None  # anonymous: still no full text
    assert "<mark>Pepper</mark>" in item["snippet"]
    assert "<mark>" not in item["excerpt"]
    assert all(i["snippet"] is None for i in client.get(URL).json()["items"])


def test_snippet_is_escaped_and_short(client: Client, make_document: Callable[..., Any]) -> None:
    make_document("Say salt <script>alert(1)</script> & 1 < 2 " + "filler words here " * 500)
    [item] = client.get(URL, {"q": "salt"}).json()["items"]
    snippet = item["snippet"]
    # SQLite keeps the tag (escaped); PostgreSQL's ts_headline drops tags, keeps the words.
    assert "<script" not in snippet
    assert "alert(1)" in snippet
    assert "&lt;" in snippet
    if connection.vendor == "sqlite":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "<mark>salt</mark>" in snippet
    assert "&amp;" in snippet
    assert len(snippet) < 600  # of a 9,000-character text
