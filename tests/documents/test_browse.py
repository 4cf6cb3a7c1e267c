"""The browse page: filters, sort orders, pagination and clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from safedata.documents.models import Document, Visibility


def _rate(document: Any, label: str, status: str, score: float) -> None:
    Document.objects.filter(pk=document.pk).update(
        label=label, status=status, score=score, votes_great=3, votes_total=3
    )


@pytest.fixture
def catalogue(make_document: Callable[..., Any]) -> dict[str, Any]:
    docs = {name: make_document(title=name) for name in ("bad", "meh", "good", "split")}
    _rate(docs["bad"], "unsafe", "settled", -0.8)
    _rate(docs["meh"], "neutral", "needs_votes", 0.0)
    _rate(docs["good"], "great", "settled", 0.9)
    _rate(docs["split"], "great", "contested", 0.2)
    return docs


def titles(response: Any) -> list[str]:
    return [doc.title for doc in response.context["page"].object_list]


def test_lists_visible_documents_newest_first(catalogue: dict[str, Any], client: Client) -> None:
    Document.objects.filter(pk=catalogue["meh"].pk).update(visibility=Visibility.HIDDEN)
    response = client.get("/documents/")
    assert response.status_code == 200
    assert titles(response) == ["split", "good", "bad"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("label=great", {"good", "split"}),
        ("label=unsafe", {"bad"}),
        ("status=settled", {"bad", "good"}),
        ("status=contested", {"split"}),
        ("label=great&status=settled", {"good"}),
        ("label=neutral&status=needs_votes", {"meh"}),
    ],
)
def test_filters(query: str, expected: set[str], catalogue: dict[str, Any], client: Client) -> None:
    assert set(titles(client.get(f"/documents/?{query}"))) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("-score", ["good", "split", "meh", "bad"]), ("score", ["bad", "meh", "split", "good"])],
)
def test_sort_by_score(
    sort: str, expected: list[str], catalogue: dict[str, Any], client: Client
) -> None:
    assert titles(client.get(f"/documents/?sort={sort}")) == expected


@pytest.mark.parametrize(
    ("query", "accepted"),
    [
        ("label=spam", "unsafe, neutral, great"),
        ("status=done", "needs_votes, settled, contested"),
        ("sort=random", "recent, score, -score"),
    ],
)
def test_invalid_values_get_a_400_page_listing_the_accepted_ones(
    query: str, accepted: str, client: Client, db: None
) -> None:
    response = client.get(f"/documents/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Accepted values: " + accepted in body
    assert "<code>needs_votes</code>" in body


def test_pagination_keeps_the_filters(make_document: Callable[..., Any], client: Client) -> None:
    for n in range(30):
        _rate(make_document(title=f"doc {n:02}"), "great", "settled", n / 100)
    first = client.get("/documents/?label=great&sort=-score")
    assert len(first.context["page"].object_list) == 25
    assert 'href="?label=great&amp;sort=-score&amp;page=2"' in first.content.decode()
    second = client.get("/documents/?label=great&sort=-score&page=2")
    assert titles(second) == [f"doc {n:02}" for n in range(4, -1, -1)]
    assert 'href="?label=great&amp;sort=-score&amp;page=1"' in second.content.decode()
    # A page number out of range or not a number still answers, never a 500.
    assert client.get("/documents/?page=999").status_code == 200
    assert client.get("/documents/?page=abc").status_code == 200


def test_empty_database_shows_a_friendly_empty_state(client: Client, db: None) -> None:
    body = client.get("/documents/").content.decode()
    assert "No documents match" in body


def test_language_filter_is_shared_with_the_api_and_the_dataset(
    catalogue: dict[str, Any], client: Client
) -> None:
    Document.objects.filter(pk=catalogue["good"].pk).update(language="de")
    page = client.get("/documents/?language=de")
    assert titles(page) == ["good"]
    assert 'name="language" value="de"' in page.content.decode()
    api = client.get("/api/v1/documents", {"language": "de"}).json()
    assert [item["id"] for item in api["items"]] == [catalogue["good"].pk]
    preview = client.get("/api/v1/dataset/preview", {"language": "de"}).json()
    assert [row["id"] for row in preview["rows"]] == [catalogue["good"].pk]
    too_long = client.get("/documents/?language=" + "x" * 17)
    assert too_long.status_code == 400
    assert "at most 16 characters" in too_long.content.decode()
