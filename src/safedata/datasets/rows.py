"""Reading the dataset's rows from the database: what may leave the site, in keyset pages.

One queryset, ``publishable_documents``, decides what may leave the site; every
download, snapshot and export starts from it, so a takedown carries into all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from django.db import connections
from django.db.models import QuerySet

from safedata.documents.filters import DocumentFilter
from safedata.documents.models import Document
from safedata.records import FIELD_NAMES
from safedata.records.dbrows import to_batch

BATCH_SIZE = 5_000
PREVIEW_ROWS = 100

# Document columns in the order of the record schema (``created_at`` is ``uploaded_at``).
LIVE_COLUMNS: tuple[str, ...] = tuple(
    "created_at" if name == "uploaded_at" else name for name in FIELD_NAMES
)


def publishable_documents() -> QuerySet[Document]:
    """Every document that may appear in a download, snapshot or export."""
    return Document.objects.public()


def fetch_rows(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows as the database driver returns them, skipping the ORM's per-row conversion.

    On SQLite that leaves timestamps as text, which ``to_batch`` converts a whole
    column at a time; this is most of the cost of reading a large table otherwise.
    """
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def keyset_batches(
    rows: QuerySet[Any], key: str, columns: Sequence[str], batch_size: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``columns`` (the first being ``key``) in key order, a page at a time.

    Keyset pages rather than one long cursor: memory stays bounded, and no
    connection holds a transaction open for the length of a slow download.
    """
    batch_size = batch_size or BATCH_SIZE
    last: Any = None
    while True:
        page = rows if last is None else rows.filter(**{f"{key}__gt": last})
        batch = fetch_rows(page.order_by(key).values_list(*columns)[:batch_size])
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        last = batch[-1][0]


def record_batches(
    documents: QuerySet[Document], batch_size: int | None = None
) -> Iterator[pa.RecordBatch]:
    """``documents`` in id order as Arrow batches in the record schema."""
    for rows in keyset_batches(documents, "id", LIVE_COLUMNS, batch_size):
        yield to_batch(rows)


def live_batches(view: DocumentFilter, batch_size: int | None = None) -> Iterator[pa.RecordBatch]:
    """The current rows of a filtered view as Arrow batches in the record schema."""
    return record_batches(view.apply(publishable_documents()), batch_size)


def preview(view: DocumentFilter, limit: int = PREVIEW_ROWS) -> tuple[int, list[dict[str, Any]]]:
    """(rows in the view, its first ``limit`` rows as dicts in schema order)."""
    documents = view.apply(publishable_documents())
    rows = documents.order_by("id").values_list(*LIVE_COLUMNS)[: min(limit, PREVIEW_ROWS)]
    return documents.count(), [dict(zip(FIELD_NAMES, row, strict=True)) for row in rows]
