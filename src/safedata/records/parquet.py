"""Apache Parquet with zstd compression and fixed options, so the same rows give the same bytes.

Rows are written in row groups of exactly ``ROW_GROUP_ROWS`` (the last one
shorter) whatever the sizes of the batches given to the writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from safedata.records.base import RecordReader, RecordWriter
from safedata.records.errors import RecordFormatError
from safedata.records.schema import SCHEMA, conform_batch

ROW_GROUP_ROWS = 16_384
PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": ["license", "language", "label", "status"],
    "write_statistics": True,
    "data_page_version": "1.0",
    "write_page_index": False,
}
"""Every option that changes the bytes, fixed here rather than left to library defaults."""
EXPORT_PARQUET_OPTIONS: dict[str, Any] = {**PARQUET_OPTIONS, "use_dictionary": False}
"""The same for files with other columns than the record schema's (exports)."""


class ParquetRecordWriter(
    RecordWriter,
    identifier="parquet",
    suffix=".parquet",
    media_type="application/vnd.apache.parquet",
):
    """Parquet, streamed: it only appends, so the sink need not be seekable."""

    def _start(self, sink: BinaryIO) -> None:
        stream = pa.PythonFile(sink, mode="w")
        options = PARQUET_OPTIONS if self.schema is SCHEMA else EXPORT_PARQUET_OPTIONS
        self._writer = pq.ParquetWriter(stream, self.schema, **options)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def _write(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        while self._pending_rows >= ROW_GROUP_ROWS:
            self._flush_group(ROW_GROUP_ROWS)

    def _flush_group(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        group = table.slice(0, rows).combine_chunks()
        self._writer.write_table(group, row_group_size=rows)
        rest = table.slice(rows)
        self._pending = rest.to_batches()
        self._pending_rows = rest.num_rows

    def _finish(self) -> None:
        if self._pending_rows:
            self._flush_group(self._pending_rows)
        self._writer.close()

    def _abandon(self) -> None:
        # Without this, the writer's finaliser writes a footer into a sink we are abandoning.
        self._writer.is_open = False


class ParquetRecordReader(RecordReader, reads=ParquetRecordWriter):
    """Reads Parquet, checking column types and values against the schema."""

    def iter_batches(
        self, path: Path, batch_size: int, keep_extra: bool
    ) -> Iterator[pa.RecordBatch]:
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as error:
            raise RecordFormatError.at(str(path), None, f"not a Parquet file: {error}") from None
        first_row = 0
        for batch in parquet.iter_batches(batch_size=batch_size):
            yield conform_batch(batch, str(path), keep_extra, first_row)
            first_row += batch.num_rows
