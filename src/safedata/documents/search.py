"""Full-text search over documents' title and text, with the database's own engine.

PostgreSQL keeps ``to_tsvector('simple', title || ' ' || text)`` in the stored
generated column ``search_vector`` with a GIN index (migration
``0005_document_search_vector``), matches it against a ``tsquery`` and ranks
with ``ts_rank``. SQLite matches an FTS5 table, ``documents_document_fts``,
that triggers keep in step with the documents, and ranks with ``bm25``. Both
are word-based and case-insensitive, without stemming (``simple``,
``unicode61``), so a query finds the same documents on either database.

A query is reduced to its words before it reaches the database: every word
must occur, the last one as a prefix if it has three characters or more
(``pass`` finds "password"). Quotes and
operators of either engine's syntax are never passed through, so no input can
make the query invalid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from safedata.documents.models import Document

MAX_QUERY_CHARS = 200
"""Longest ``q`` accepted; longer is a 400 naming the limit."""
MAX_TERMS = 12
"""Words of ``q`` beyond this many are ignored."""
MIN_PREFIX_CHARS = 3
"""The last word matches as a prefix from this length: a shorter prefix expands to so many
words that ranking them all costs seconds on a large table."""
RANK = "search_rank"
"""The annotation holding a match's relevance, higher is better, on both databases."""
START, STOP = "\ue000", "\ue001"
"""Private-use characters around matched words in a snippet, replaced after escaping."""

_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
# The unary + keeps SQLite from probing the FTS5 table once per document (a full-text
# query per row): the match is scanned once and each hit looks its document up by id.
_FTS_JOIN = [
    '+documents_document_fts.rowid = "documents_document"."id"',
    "documents_document_fts MATCH %s",
]
_FTS_RANK = "-bm25(documents_document_fts)"
# +rowid again: one scan of the match, not one full-text query per listed id.
_FTS_SNIPPETS = (
    "SELECT rowid, highlight(documents_document_fts, 0, %s, %s), "
    "snippet(documents_document_fts, 1, %s, %s, ' … ', 32) FROM documents_document_fts "
    "WHERE documents_document_fts MATCH %s AND +rowid IN "
)
_CONFIG = "simple"
_VECTOR = RawSQL('"documents_document"."search_vector"', [], output_field=SearchVectorField())
"""PostgreSQL's stored column (not a model field: it exists only there)."""


def words(query: str) -> tuple[str, ...]:
    """The words of a query, lower-cased, at most ``MAX_TERMS``."""
    return tuple(_WORD.findall(query.casefold()))[:MAX_TERMS]


def _postgres_query(terms: tuple[str, ...]) -> SearchQuery:
    parts = [f"'{word}'" for word in terms]
    if _prefix(terms):
        parts[-1] += ":*"
    return SearchQuery(" & ".join(parts), config=_CONFIG, search_type="raw")


def fts5_query(terms: tuple[str, ...]) -> str:
    """An FTS5 query of quoted words (no operator survives quoting), the last a prefix."""
    return " ".join(f'"{word}"' for word in terms) + ("*" if _prefix(terms) else "")


def _prefix(terms: tuple[str, ...]) -> bool:
    return len(terms[-1]) >= MIN_PREFIX_CHARS


def matching(documents: QuerySet[Document], query: str) -> QuerySet[Document]:
    """The documents matching ``query``, annotated with ``search_rank``; none if it has no word."""
    terms = words(query)
    if not terms:
        # Not .none(): raw-SQL readers (datasets.rows.fetch_rows) need a query that compiles.
        return documents.filter(pk__isnull=True).annotate(**{RANK: Value(0.0)})
    if connections[documents.db].vendor == "postgresql":
        return _postgres_matching(documents, terms)
    return _sqlite_matching(documents, terms)


def _postgres_matching(documents: QuerySet[Document], terms: tuple[str, ...]) -> QuerySet[Document]:
    tsquery = _postgres_query(terms)
    found = documents.alias(search_vector=_VECTOR).filter(search_vector=tsquery)
    # ts_rank is a float4: as a double it reads back exactly, so cursors compare equal.
    rank = Cast(SearchRank(F("search_vector"), tsquery), FloatField())
    return found.annotate(**{RANK: rank})


def _sqlite_matching(documents: QuerySet[Document], terms: tuple[str, ...]) -> QuerySet[Document]:
    # A join, not a subquery per row: bm25() gathers its corpus statistics once per
    # statement, so a correlated subquery would redo that for every matching row.
    joined: QuerySet[Document] = documents.extra(  # noqa: S610 - constant SQL, one parameter
        tables=["documents_document_fts"],
        where=_FTS_JOIN,
        params=[fts5_query(terms)],
    )
    rank = RawSQL(_FTS_RANK, [], output_field=FloatField())  # noqa: S611 - constant SQL
    return joined.annotate(**{RANK: rank})


def snippets(document_ids: Iterable[int], query: str) -> dict[int, tuple[str, str]]:
    """{id: (title, text snippet)} with matched words between ``START`` and ``STOP``.

    Computed for one page of results only: headlines cost far more than the match.
    """
    ids, terms = list(document_ids), words(query)
    if not ids or not terms:
        return {}
    if connections[Document.objects.db].vendor == "postgresql":
        return _postgres_snippets(ids, terms)
    sql = _FTS_SNIPPETS + "(" + ", ".join(["%s"] * len(ids)) + ")"
    with connections[Document.objects.db].cursor() as cursor:
        cursor.execute(sql, [START, STOP, START, STOP, fts5_query(terms), *ids])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _postgres_snippets(ids: list[int], terms: tuple[str, ...]) -> dict[int, tuple[str, str]]:
    tsquery = _postgres_query(terms)
    rows = Document.objects.filter(pk__in=ids).annotate(
        title_marked=SearchHeadline(
            "title", tsquery, config=_CONFIG, start_sel=START, stop_sel=STOP, highlight_all=True
        ),
        text_marked=SearchHeadline(
            "text",
            tsquery,
            config=_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            max_words=40,
            min_words=20,
            max_fragments=2,
        ),
    )
    return {
        pk: (title, text)
        for pk, title, text in rows.values_list("pk", "title_marked", "text_marked")
    }


def highlighted(marked: str) -> SafeString:
    """``marked`` escaped for HTML, then its marked words wrapped in ``<mark>``.

    Escaping comes first, so text from a document can never become markup;
    stray marker characters are dropped.
    """
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(marked)))
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308
