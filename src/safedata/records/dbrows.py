"""Arrow batches from rows as a database driver returns them (tuples in schema order). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from safedata.records.schema import SCHEMA


def _timestamps(column: Sequence[Any], dtype: pa.DataType) -> pa.Array:
    if not column or not isinstance(column[0], str):
        return pa.array(column, type=dtype)
    # SQLite text written by Django: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    parsed = pa.array(column, type=pa.string()).cast(pa.timestamp("us"))
    return parsed.cast(pa.timestamp(dtype.unit), safe=False).cast(dtype)


def to_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    """A record batch from driver rows in schema order, converting a whole column at a time.

    Timestamps may be ``datetime`` (PostgreSQL) or text (SQLite); both become UTC.
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    arrays = [
        _timestamps(column, field.type)
        if pa.types.is_timestamp(field.type)
        else pa.array(column, type=field.type)
        for column, field in zip(columns, SCHEMA, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
