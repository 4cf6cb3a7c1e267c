"""Full-text search: the database's own engine, ranking, snippets, and the browse page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from safedata.documents import search, search_index
from safedata.documents.filters import SORTS, DocumentFilter, FilterError
from safedata.documents.models import Document, Visibility


@pytest.fixture
def library(make_document: Callable[..., Any]) -> dict[str, Any]:
    return {
        "kdf": make_document(
            "Store passwords with a slow key derivation function such as argon2id; "
            "a password hashed once with SHA-256 is cracked in hours.",
            title="Password storage",
        ),
        "passing": make_document(
            "A note on passing arguments to functions by keyword.", title="Keyword arguments"
        ),
        "eggs": make_document(
            "A shopping list: eggs, milk, flour and <b>butter</b> & jam.", title="Groceries"
        ),
    }


def found(query: str, documents: Any = None) -> list[int]:
    view = DocumentFilter(q=query)
    rows = view.apply(documents if documents is not None else Document.objects.public())
    return list(rows.order_by(*SORTS["relevance"].ordering()).values_list("pk", flat=True))


def test_every_word_must_occur_and_the_last_is_a_prefix(library: dict[str, Any]) -> None:
    assert found("password") == [library["kdf"].pk]
    assert set(found("PASS")) == {library["kdf"].pk, library["passing"].pk}
    assert found("eggs milk") == [library["eggs"].pk]
    assert found("eggs passwords") == []
    assert found("groceries") == [library["eggs"].pk]  # the title is searched too


def test_more_matches_rank_higher(make_document: Callable[..., Any]) -> None:
    once = make_document("The word salt appears here once, among many other words of text.")
    often = make_document("Salt, salt and more salt: salt every hash.")
    assert found("salt") == [often.pk, once.pk]


def test_only_the_given_queryset_is_searched(library: dict[str, Any]) -> None:
    Document.objects.filter(pk=library["kdf"].pk).update(visibility=Visibility.HIDDEN)
    assert found("password") == []


def test_index_follows_edits_and_deletes(library: dict[str, Any]) -> None:
    eggs = library["eggs"]
    Document.objects.filter(pk=eggs.pk).update(text="Nothing but bread.", title="Bakery")
    assert found("eggs") == []
    assert found("bread") == [eggs.pk]
    assert found("bakery") == [eggs.pk]
    Document.objects.filter(pk=eggs.pk).delete()
    assert found("bread") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced AND (',
        "NOT eggs",
        "eggs OR milk*",
        "title:eggs",
        "NEAR(eggs milk)",
        "eggs & !milk | <-> ':*",
        "^eggs",
        "\\x00 eggs",
        "ünïcödé ✓ 🥚",
        "' OR 1=1 --",
    ],
)
def test_hostile_queries_are_plain_words(library: dict[str, Any], query: str) -> None:
    result = found(query)  # never a database error
    if search.words(query) == ("eggs",):
        assert result == [library["eggs"].pk]


def test_query_without_a_word_finds_nothing_and_still_compiles(library: dict[str, Any]) -> None:
    rows = DocumentFilter(q="!!! ***").apply(Document.objects.public())
    assert rows.count() == 0
    sql, _ = rows.values_list("id").query.sql_with_params()  # what raw-SQL readers do
    assert "SELECT" in sql


def test_too_long_a_query_is_a_filter_error() -> None:
    with pytest.raises(FilterError, match="at most 200 characters"):
        DocumentFilter.parse({"q": "x" * 201})
    assert DocumentFilter.parse({"q": "  eggs  "}).q == "eggs"


def test_snippets_mark_matches_after_escaping(library: dict[str, Any]) -> None:
    eggs = library["eggs"]
    title, text = search.snippets([eggs.pk], "butter")[eggs.pk]
    html = search.highlighted(text)
    assert "<mark>butter</mark>" in html
    assert "<b>" not in html
    assert title == "Groceries"
    assert search.highlighted("<script>" + search.START + "x" + search.STOP) == (
        "&lt;script&gt;<mark>x</mark>"
    )
    assert search.highlighted(search.STOP + "stray" + search.START) == "stray"


def test_browse_searches_with_highlighted_snippets(library: dict[str, Any], client: Client) -> None:
    response = client.get("/documents/", {"q": "passw"})
    assert response.status_code == 200
    body = response.content.decode()
    assert [r.document.pk for r in response.context["results"]] == [library["kdf"].pk]
    assert "<mark>Password</mark> storage" in body
    assert "<mark>passwords</mark>" in body
    assert 'value="passw"' in body
    assert '<option value="" selected>Best match first</option>' in body


def test_browse_search_combines_with_filters_and_other_sorts(
    library: dict[str, Any], client: Client
) -> None:
    Document.objects.filter(pk=library["passing"].pk).update(language="de")
    response = client.get("/documents/", {"q": "pass", "language": "de", "sort": "recent"})
    assert [r.document.pk for r in response.context["results"]] == [library["passing"].pk]
    assert client.get("/documents/", {"q": "x" * 201}).status_code == 400


def test_browse_without_a_query_marks_nothing(library: dict[str, Any], client: Client) -> None:
    response = client.get("/documents/")
    assert "<mark>" not in response.content.decode()
    assert "Best match first" not in response.content.decode()


def test_the_database_engine_serves_the_match(library: dict[str, Any]) -> None:
    """PostgreSQL: the GIN index of migration 0003 serves ``q``. SQLite: the FTS5 table does,
    and its triggers come back (with a rebuilt index) after a table rebuild dropped them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = DocumentFilter(q="eggs").apply(Document.objects.all()).explain()
        assert "document_search" in plan
        return
    assert "documents_document_fts" in str(
        DocumentFilter(q="eggs").apply(Document.objects.all()).query
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER documents_document_fts_update")
        cursor.execute("DELETE FROM documents_document_fts")
    assert found("eggs") == []
    assert search_index.create_sqlite_index(connection) is True  # it rebuilt the index
    assert search_index.create_sqlite_index(connection) is False
    assert found("eggs") == [library["eggs"].pk]
    Document.objects.filter(pk=library["eggs"].pk).update(text="Only bread now.")
    assert found("eggs") == []


def test_a_last_word_shorter_than_three_characters_is_a_whole_word(
    make_document: Callable[..., Any],
) -> None:
    short = make_document("Vitamin b and b12 in one note.")
    assert found("b") == [short.pk]
    assert found("b1") == []  # not a prefix of b12: too short to expand
    assert found("b12") == [short.pk]
    assert search.fts5_query(("vitamin", "b")) == '"vitamin" "b"'
    assert search.fts5_query(("vitamin", "b12")) == '"vitamin" "b12"*'
