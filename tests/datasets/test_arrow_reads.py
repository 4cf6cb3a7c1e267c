"""Pages read straight into Arrow (PostgreSQL COPY, SQLite ADBC) hold what driver rows hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from django.db import transaction

from safedata.datasets import rows
from safedata.datasets.services import build_snapshot
from safedata.datasets.snapshots import FROZEN_COLUMNS, frozen_batches
from safedata.documents.models import Document
from safedata.records import SCHEMA
from safedata.records.dbrows import to_batch

AWKWARD = [
    'Quotes "inside", commas, and a line\nbreak.',
    "Windows line ends\r\nand a tab\there; a backslash \\ and \\. alone:\n\\.\n",
    "Unicode: déjà vu, 東京, emoji 😀, right-to-left שלום, U+2028 \u2028 end.",
    ',,,leading commas and trailing quote"',
    "NULL",
]


@pytest.fixture
def awkward_documents(
    transactional_db: None, make_document: Callable[..., Document], rate: Any
) -> list[Document]:
    documents = [
        make_document(text, title=f'Title "{n}", with\nline' if n % 2 else "")
        for n, text in enumerate(AWKWARD)
    ]
    rate(documents[0], great=3, neutral=1)
    rate(documents[1], unsafe=2)
    return documents


def driver_rows() -> pa.Table:
    page = rows.publishable_documents().order_by("id").values_list(*rows.LIVE_COLUMNS)
    return pa.Table.from_batches([to_batch(rows.fetch_rows(page))], schema=SCHEMA)


def test_arrow_pages_equal_the_driver_rows(awkward_documents: list[Document]) -> None:
    pages = list(rows.record_batches(rows.publishable_documents(), batch_size=2))
    assert [page.num_rows for page in pages] == [2, 2, 1]
    table = pa.Table.from_batches(pages, schema=SCHEMA)
    expected = driver_rows()
    assert {n: table.column(n).to_pylist() for n in SCHEMA.names} == {
        n: expected.column(n).to_pylist() for n in SCHEMA.names
    }
    stored = [Document.objects.get(pk=document.pk).text for document in awkward_documents]
    assert table.column("text").to_pylist() == stored
    assert '"inside", commas' in stored[0]
    assert table.column("votes_great").to_pylist()[0] == 3


def test_frozen_pages_equal_the_driver_rows(awkward_documents: list[Document]) -> None:
    snapshot = build_snapshot("arrow-1", snapshot_formats=("parquet",))
    table = pa.Table.from_batches(list(frozen_batches(snapshot, batch_size=3)), schema=SCHEMA)
    assert table.equals(driver_rows())
    assert FROZEN_COLUMNS[0] == "document_id"


def test_inside_a_transaction_the_pages_see_its_rows(
    awkward_documents: list[Document], make_document: Callable[..., Document]
) -> None:
    with transaction.atomic():
        added = make_document("Added in a transaction not yet committed.")
        ids = [
            i
            for page in rows.record_batches(rows.publishable_documents())
            for i in page.column("id").to_pylist()
        ]
        assert ids[-1] == added.pk
        assert len(ids) == len(AWKWARD) + 1


def test_postgres_pages_outside_a_transaction_come_through_adbc(
    awkward_documents: list[Document],
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the ADBC reader is PostgreSQL's")
    documents = rows.publishable_documents().order_by("id").values_list(*rows.LIVE_COLUMNS)
    with rows.arrow_reads():
        handle = rows._adbc_connection("default")
        assert isinstance(handle, rows._Adbc)
        through_adbc = rows._adbc_page(documents, SCHEMA, handle)
        assert through_adbc is not None
        with transaction.atomic():  # a second connection would not see this transaction
            assert rows._adbc_connection("default") is None
    assert rows._ARROW_READS.open == {}  # closed with the outermost arrow_reads
    through_copy = rows._postgres_page(documents, SCHEMA)
    assert through_adbc.equals(through_copy)
    stored = [Document.objects.get(pk=document.pk).text for document in awkward_documents]
    assert through_adbc.column("text").to_pylist() == stored


def test_a_failing_adbc_page_is_read_through_django(
    awkward_documents: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the ADBC reader is PostgreSQL's")

    def broken(self: Any, query: str) -> pa.Table:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(rows._Adbc, "table", broken)
    pages = list(rows.record_batches(rows.publishable_documents(), batch_size=2))
    assert pa.Table.from_batches(pages, schema=SCHEMA).equals(driver_rows())
