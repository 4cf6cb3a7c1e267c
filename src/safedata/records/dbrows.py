"""Arrow batches from what a database returns: driver rows, or PostgreSQL ``COPY`` CSV. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from safedata.records.schema import SCHEMA


def _timestamps(column: Sequence[Any] | pa.Array, dtype: pa.DataType) -> pa.Array:
    if isinstance(column, pa.Array) and pa.types.is_timestamp(column.type):
        return column.cast(pa.timestamp(dtype.unit, tz=dtype.tz), safe=False)
    if not isinstance(column, pa.Array):
        if not column or not isinstance(column[0], str):
            return pa.array(column, type=dtype)
        column = pa.array(column, type=pa.string())
    # SQLite text written by Django: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    parsed = column.cast(pa.string()).cast(pa.timestamp("us"))
    return parsed.cast(pa.timestamp(dtype.unit), safe=False).cast(dtype)


def typed_batch(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    """Columns read by an Arrow-native driver (in ``schema`` order) cast to ``schema``'s types.

    SQLite gives every integer as int64 and timestamps as Django's text.
    """
    table = table.combine_chunks()
    arrays = [
        _timestamps(column.chunk(0), field.type)
        if pa.types.is_timestamp(field.type)
        else column.chunk(0).cast(field.type)
        for column, field in zip(_chunked(table), schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _chunked(table: pa.Table) -> list[pa.ChunkedArray]:
    # An empty table has no chunk to take: give each column one empty chunk.
    return [
        column if column.num_chunks else pa.chunked_array([pa.array([], column.type)])
        for column in table.columns
    ]


def to_batch(rows: Sequence[tuple[Any, ...]], schema: pa.Schema = SCHEMA) -> pa.RecordBatch:
    """A record batch from driver rows in ``schema`` order, converting a column at a time.

    Timestamps may be ``datetime`` (PostgreSQL) or text (SQLite); both become UTC.
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    arrays = [
        _timestamps(column, field.type)
        if pa.types.is_timestamp(field.type)
        else pa.array(column, type=field.type)
        for column, field in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _read_type(dtype: pa.DataType) -> pa.DataType:
    # Timestamps are read at microseconds and truncated after, as the driver path does.
    return pa.timestamp("us", tz="UTC") if pa.types.is_timestamp(dtype) else dtype


def copy_csv_to_batch(data: bytes, schema: pa.Schema = SCHEMA) -> pa.RecordBatch:
    """A batch from the output of PostgreSQL ``COPY (…) TO STDOUT (FORMAT csv)``.

    Columns come in ``schema`` order, without a header; the session time zone must
    be UTC (Django sets it), so timestamps read as ``2025-01-01 00:00:07.5+00``.
    Empty unquoted fields are SQL NULL; ``""`` is an empty string.
    """
    if not data:
        return to_batch([], schema)
    table = pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=schema.names, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: _read_type(f.type) for f in schema},
            null_values=[""],  # not Arrow's default list, which holds "NULL", "NaN", "N/A"…
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return typed_batch(table, schema)
