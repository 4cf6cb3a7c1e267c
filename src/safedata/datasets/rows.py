"""Reading the dataset's rows from the database: what may leave the site, in keyset pages.

One queryset, ``publishable_documents``, decides what may leave the site; every
download, snapshot and export starts from it, so a takedown carries into all of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import pyarrow as pa  # type: ignore[import-untyped]
from django.db import connections
from django.db.models import QuerySet

from safedata.documents.filters import DocumentFilter
from safedata.documents.models import Document
from safedata.records import FIELD_NAMES, SCHEMA
from safedata.records.dbrows import (
    copy_binary_to_batch,
    copy_csv_to_batch,
    pg_binary_select,
    to_batch,
    typed_batch,
)

BATCH_SIZE = 5_000
Page = TypeVar("Page", pa.RecordBatch, list[tuple[Any, ...]])
PREVIEW_ROWS = 100

# Document columns in the order of the record schema (``created_at`` is ``uploaded_at``).
LIVE_COLUMNS: tuple[str, ...] = tuple(
    "created_at" if name == "uploaded_at" else name for name in FIELD_NAMES
)


def publishable_documents() -> QuerySet[Document]:
    """Every document that may appear in a download, snapshot or export."""
    return Document.objects.public()


def fetch_rows(
    rows: QuerySet[Any], select: Callable[[str], str] = lambda sql: sql
) -> list[tuple[Any, ...]]:
    """The rows as the database driver returns them, skipping the ORM's per-row conversion.

    On SQLite that leaves timestamps as text, which ``to_batch`` converts a whole
    column at a time; this is most of the cost of reading a large table otherwise.
    ``select`` wraps the rows' SQL (its parameters stay bound).
    """
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(select(sql), params)
        return list(cursor.fetchall())


def _sqlite_rows(rows: QuerySet[Any], schema: pa.Schema) -> list[tuple[Any, ...]]:
    """SQLite: the driver's rows, timestamps left as the text Django stored.

    Django registers a converter that parses every ``datetime`` column into a Python
    ``datetime`` (about 0.5 µs a row, an eighth of reading a page); a column read
    through an expression has no declared type, so the text comes as it is and
    ``to_batch`` parses the whole column in Arrow.
    """
    names = [f"c{i}" for i in range(len(schema))]
    columns = [
        f"CAST({name} AS TEXT)" if pa.types.is_timestamp(field.type) else name
        for name, field in zip(names, schema, strict=True)
    ]
    # Column names made here; the values stay bound parameters.
    return fetch_rows(
        rows,
        lambda sql: (
            f"WITH page({', '.join(names)}) AS ({sql}) "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM page"
        ),
    )


def _literal_sql(rows: QuerySet[Any]) -> str:
    """PostgreSQL: the rows' SQL with its parameters bound on the client by psycopg's quoting."""
    import psycopg  # only installed with PostgreSQL support

    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        return psycopg.ClientCursor(cursor.cursor.connection).mogrify(sql, params)


class _Adbc:
    """One ADBC PostgreSQL connection (the driver manager's low-level API: its DB-API
    module would import pandas and polars, seconds of start-up in a web worker)."""

    def __init__(self, conninfo: str) -> None:
        import adbc_driver_manager
        import adbc_driver_postgresql  # type: ignore[import-untyped]

        self._manager = adbc_driver_manager
        self._database = adbc_driver_postgresql.connect(conninfo)
        self._connection = adbc_driver_manager.AdbcConnection(self._database)  # autocommit

    def table(self, query: str) -> pa.Table:
        with self._manager.AdbcStatement(self._connection) as statement:
            statement.set_sql_query(query)
            stream, _ = statement.execute_query()
            return pa.RecordBatchReader._import_from_c(stream.address).read_all()

    def close(self) -> None:
        for handle in (self._connection, self._database):
            with suppress(Exception):  # a broken connection needs no clean close
                handle.close()


_UNAVAILABLE = object()
"""In ``_ArrowReads.open``: the driver is missing or could not connect; use Django's."""


class _ArrowReads(threading.local):
    """This thread's ADBC connections by database alias while ``arrow_reads`` is open
    (None until the first page needs one)."""

    def __init__(self) -> None:
        self.open: dict[str, Any] = {}


_ARROW_READS = _ArrowReads()


def _adbc_conninfo(alias: str) -> str:
    """libpq connection string of Django's database ``alias`` (its libpq keywords only)."""
    import psycopg

    keywords = {d.keyword.decode() for d in psycopg.pq.Conninfo.get_defaults()}
    params = connections[alias].get_connection_params()
    return psycopg.conninfo.make_conninfo(
        "", **{k: v for k, v in params.items() if k in keywords and v is not None}
    )


@contextmanager
def arrow_reads(alias: str = "default") -> Iterator[None]:
    """While open, PostgreSQL pages read outside a transaction come through ADBC.

    The ADBC PostgreSQL driver reads a result by binary ``COPY`` and decodes it to
    Arrow in C++, with no per-row work in Python (psycopg hands ``COPY`` over one
    message per row). It is a second connection, so inside a transaction, which it
    would not see, pages keep coming through Django's. A nested use shares the
    outer one's connection; a driver that is missing or fails falls back to Django's.
    """
    if alias in _ARROW_READS.open:
        yield
        return
    _ARROW_READS.open[alias] = None
    try:
        yield
    finally:
        handle = _ARROW_READS.open.pop(alias)
        if isinstance(handle, _Adbc):
            handle.close()


def _adbc_connection(alias: str) -> _Adbc | None:
    """This thread's ADBC connection to ``alias``, made on first use; None outside
    ``arrow_reads``, inside a transaction, or when the driver cannot connect."""
    if alias not in _ARROW_READS.open or connections[alias].in_atomic_block:
        return None
    handle = _ARROW_READS.open[alias]
    if handle is None:
        try:
            handle = _Adbc(_adbc_conninfo(alias))
        except Exception:  # not installed, or no connection: Django's reads every page
            handle = _UNAVAILABLE
        _ARROW_READS.open[alias] = handle
    return handle if isinstance(handle, _Adbc) else None


def _adbc_page(rows: QuerySet[Any], schema: pa.Schema, handle: _Adbc) -> pa.RecordBatch | None:
    """The page through ADBC, cast to ``schema``; None (the connection dropped) on error."""
    query = pg_binary_select(_literal_sql(rows), schema)
    if query is None:
        return None
    try:
        table = handle.table(query)
    except Exception:  # Django's connection reads the page instead, or raises its error
        handle.close()
        _ARROW_READS.open[rows.db] = None  # the next page connects again
        return None
    return typed_batch(table.rename_columns(schema.names), schema)


def _copy(rows: QuerySet[Any], select: Callable[[str], str], fmt: str) -> list[Any]:
    """PostgreSQL: the messages of ``COPY (select(rows' SQL)) TO STDOUT`` in format ``fmt``.

    Django's connection, so a page sees what the caller's transaction sees. COPY
    takes no parameters, so they are bound on the client by psycopg's quoting.
    """
    query = select(_literal_sql(rows))
    with (
        connections[rows.db].cursor() as cursor,
        cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT {fmt})") as copy,
    ):
        return list(copy)


def _copy_csv(rows: QuerySet[Any]) -> bytes:
    """PostgreSQL: the rows as ``COPY … TO STDOUT`` CSV."""
    return b"".join(_copy(rows, lambda query: query, "csv"))


def _postgres_page(rows: QuerySet[Any], schema: pa.Schema) -> pa.RecordBatch:
    """PostgreSQL: the page by binary ``COPY``, decoded a column at a time.

    Each column is cast to the wire type the decoder reads (``pg_binary_select``);
    a schema with another type is read as CSV and parsed by Arrow's CSV reader.
    """
    if pg_binary_select("", schema) is None:
        return copy_csv_to_batch(_copy_csv(rows), schema)
    blocks = _copy(rows, lambda query: str(pg_binary_select(query, schema)), "binary")
    return copy_binary_to_batch(blocks, schema)


def fetch_batch(rows: QuerySet[Any], schema: pa.Schema) -> pa.RecordBatch:
    """The rows (a ``values_list`` in ``schema`` order) as one Arrow batch.

    No value becomes a Python object on PostgreSQL (binary ``COPY`` decoded a column
    at a time); on SQLite the driver's rows are converted a column at a time. SQLite is
    read through Python's own ``sqlite3`` only: a second SQLite library in the same
    process (the ADBC driver bundles one) does not share its POSIX locks, so closing
    its connection can break the site's WAL locks ("disk I/O error", and in the worst
    case a corrupt database: sqlite.org/howtocorrupt.html, section 2.2.1).
    """
    if connections[rows.db].vendor == "postgresql":
        handle = _adbc_connection(rows.db)
        page = None if handle is None else _adbc_page(rows, schema, handle)
        return _postgres_page(rows, schema) if page is None else page
    if any(pa.types.is_timestamp(field.type) for field in schema):
        return to_batch(_sqlite_rows(rows, schema), schema)
    return to_batch(fetch_rows(rows), schema)


def _keyset(
    rows: QuerySet[Any],
    key: str,
    columns: Sequence[str],
    batch_size: int | None,
    fetch: Callable[[QuerySet[Any]], Page],
    last_key: Callable[[Page], Any],
) -> Iterator[Page]:
    """Pages of ``columns`` (the first being ``key``) in key order, each read by ``fetch``.

    Keyset pages rather than one long cursor: memory stays bounded, and no
    connection holds a transaction open for the length of a slow download.
    """
    batch_size = batch_size or BATCH_SIZE
    last: Any = None
    while True:
        page = rows if last is None else rows.filter(**{f"{key}__gt": last})
        batch = fetch(page.order_by(key).values_list(*columns)[:batch_size])
        if len(batch):
            yield batch
        if len(batch) < batch_size:
            return
        last = last_key(batch)


def keyset_pages(
    rows: QuerySet[Any],
    key: str,
    columns: Sequence[str],
    schema: pa.Schema,
    batch_size: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """Arrow batches of ``columns`` (typed by ``schema``, the first being ``key``) in key order."""
    with arrow_reads(rows.db):
        yield from _keyset(
            rows,
            key,
            columns,
            batch_size,
            lambda page: fetch_batch(page, schema),
            lambda batch: batch.column(0)[-1].as_py(),
        )


def keyset_batches(
    rows: QuerySet[Any], key: str, columns: Sequence[str], batch_size: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``columns`` (the first being ``key``) in key order, a page of tuples at a time."""
    return _keyset(rows, key, columns, batch_size, fetch_rows, lambda batch: batch[-1][0])


def record_batches(
    documents: QuerySet[Document], batch_size: int | None = None
) -> Iterator[pa.RecordBatch]:
    """``documents`` in id order as Arrow batches in the record schema."""
    return keyset_pages(documents, "id", LIVE_COLUMNS, SCHEMA, batch_size)


def live_batches(view: DocumentFilter, batch_size: int | None = None) -> Iterator[pa.RecordBatch]:
    """The current rows of a filtered view as Arrow batches in the record schema."""
    return record_batches(view.apply(publishable_documents()), batch_size)


def preview(view: DocumentFilter, limit: int = PREVIEW_ROWS) -> tuple[int, list[dict[str, Any]]]:
    """(rows in the view, its first ``limit`` rows as dicts in schema order)."""
    documents = view.apply(publishable_documents())
    rows = documents.order_by("id").values_list(*LIVE_COLUMNS)[: min(limit, PREVIEW_ROWS)]
    return documents.count(), [dict(zip(FIELD_NAMES, row, strict=True)) for row in rows]
