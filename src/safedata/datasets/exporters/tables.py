"""Export files whose columns differ from the record schema (SFT text, classifier soft labels).

They reuse the record format's encoders: JSON lines from ``encode_lines`` and
Parquet with the same fixed options, so the bytes are reproducible the same way.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from safedata.records.jsonl import encode_lines
from safedata.records.parquet import PARQUET_OPTIONS, ROW_GROUP_ROWS

TABLE_FORMATS: tuple[str, ...] = ("jsonl", "parquet")


class TableWriter:
    """Writes batches of one schema to ``path`` (JSONL or Parquet); the file appears on close."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        if fmt not in TABLE_FORMATS:
            raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(TABLE_FORMATS)})")
        self.path = path
        self.rows = 0
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._temp = Path(name)
        self._sink = os.fdopen(handle, "wb")
        self._parquet: Any = None
        if fmt == "parquet":
            options = {**PARQUET_OPTIONS, "use_dictionary": False}
            self._parquet = pq.ParquetWriter(self._sink, schema, **options)

    def write(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if self._parquet is not None:
            self._parquet.write_table(pa.Table.from_batches([batch]), row_group_size=ROW_GROUP_ROWS)
        else:
            self._sink.write(encode_lines(batch))

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self._sink.close()
        self._temp.chmod(0o644)
        os.replace(self._temp, self.path)

    def abort(self) -> None:
        self._sink.close()
        self._temp.unlink(missing_ok=True)
