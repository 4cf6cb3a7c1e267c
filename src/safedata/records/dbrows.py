"""Arrow batches from what a database returns: driver rows, or PostgreSQL ``COPY`` CSV. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
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


PG_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 00:00 UTC, PostgreSQL's zero, in Unix µs


def pg_wire_type(dtype: pa.DataType) -> str | None:
    """The PostgreSQL type a column is cast to for ``copy_binary_to_batch``, if it has one."""
    if pa.types.is_integer(dtype):
        return "int8"
    if pa.types.is_floating(dtype):
        return "float8"
    if pa.types.is_string(dtype):
        return "text"
    if pa.types.is_timestamp(dtype):
        return "timestamptz"
    return None


def pg_binary_select(sql: str, schema: pa.Schema) -> str | None:
    """``sql`` (columns in ``schema`` order) with each column cast to its wire type, or None
    when a column has none. The casts fix the binary layout ``copy_binary_to_batch`` reads."""
    wire = [pg_wire_type(field.type) for field in schema]
    if None in wire:
        return None
    names = [f"c{i}" for i in range(len(schema))]
    casts = ", ".join(f"{name}::{kind}" for name, kind in zip(names, wire, strict=True))
    return f"SELECT {casts} FROM ({sql}) AS page({', '.join(names)})"  # noqa: S608


def _big_endian(data: bytes, at: np.ndarray[Any, Any], width: int) -> Any:
    """The signed big-endian integers of ``width`` bytes at each offset ``at`` of ``data``.

    A view of ``data`` with a stride of one byte has an integer starting at every
    byte, so a single gather reads them all.
    """
    if len(at) and (int(at.min()) < 0 or int(at.max()) + width > len(data)):
        raise pa.ArrowInvalid("COPY data ends inside a field")
    every_byte = np.ndarray(
        shape=(len(data) - width + 1,), dtype=f">i{width}", buffer=data, strides=(1,)
    )
    return every_byte[at]


def _valid_bitmap(valid: np.ndarray[Any, Any]) -> pa.Buffer | None:
    return None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))


def _fixed(dtype: pa.DataType, data: bytes, start: Any, valid: Any) -> pa.Array:
    """An int8, float8 or timestamptz column: 8 big-endian bytes at each ``start``."""
    raw = _big_endian(data, np.where(valid, start, 0), 8)
    if pa.types.is_floating(dtype):
        values, read_as = raw.view(">f8").astype(np.float64), pa.float64()
    elif pa.types.is_timestamp(dtype):
        # Microseconds since 2000 to the column's unit, rounded down (towards the past)
        # as the driver's rows are; no unit finer than microseconds comes from the server.
        micros = raw.astype(np.int64) + _PG_EPOCH_US
        per_unit = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 1}[dtype.unit]
        values = micros // per_unit * (1_000 if dtype.unit == "ns" else 1)
        read_as = dtype
    else:
        values, read_as = raw.astype(np.int64), pa.int64()
    values = np.where(valid, values, 0).astype(values.dtype)
    array = pa.Array.from_buffers(
        read_as, len(values), [_valid_bitmap(valid), pa.py_buffer(values)], int((~valid).sum())
    )
    return array if read_as == dtype else array.cast(dtype)


def _text(buffer: pa.Buffer, start: Any, length: Any, valid: Any) -> pa.Array:
    """A text column: the values at ``[start, start + length)`` of the COPY data.

    The values and the bytes between them make one binary array (its offsets are the
    starts and ends in turn); taking every other element copies the values out in C++,
    and the cast to string checks that they are UTF-8.
    """
    count = len(start)
    offsets = np.empty(2 * count, dtype=np.int64)
    offsets[0::2], offsets[1::2] = start, start + length
    spans = pa.Array.from_buffers(
        pa.large_binary(), 2 * count - 1, [None, pa.py_buffer(offsets), buffer]
    )
    every_other = np.arange(0, 2 * count - 1, 2, dtype=np.int64)
    picked = spans.take(pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(every_other)]))
    if not valid.all():
        bitmap = _valid_bitmap(valid)
        picked = pa.Array.from_buffers(
            pa.large_binary(), count, [bitmap, *picked.buffers()[1:]], int((~valid).sum())
        )
    return picked.cast(pa.string())


def copy_binary_to_batch(blocks: Sequence[Any], schema: pa.Schema) -> pa.RecordBatch:
    """A batch from ``COPY (pg_binary_select(…)) TO STDOUT (FORMAT binary)``, given as the
    messages the server sent (PostgreSQL sends one per row: the header comes with the
    first, the trailer alone). Decoded a column at a time in NumPy: each field's length
    gives the next field's offset in every row at once. ``ArrowInvalid`` if the data
    is not laid out so (checked: field counts, and each row ending where its message does).
    """
    sizes = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    data = b"".join(blocks)
    if not data.startswith(PG_COPY_SIGNATURE) or not data.endswith(b"\xff\xff"):
        raise pa.ArrowInvalid("not PostgreSQL binary COPY output")
    header = 19 + int.from_bytes(data[15:19], "big")
    if len(blocks) < 2:
        if len(data) != header + 2:
            raise pa.ArrowInvalid("binary COPY output without its row messages")
        return to_batch([], schema)
    if sizes[-1] != 2:
        raise pa.ArrowInvalid("binary COPY trailer is not a message of its own")
    ends = np.cumsum(sizes)[:-1]
    starts = ends - sizes[:-1]
    starts[0] = header
    buffer = pa.py_buffer(data)
    if not (_big_endian(data, starts, 2) == len(schema)).all():
        raise pa.ArrowInvalid("binary COPY rows do not have the schema's field count")
    at = starts + 2
    arrays = []
    for field in schema:
        length = _big_endian(data, at, 4).astype(np.int64)
        valid = length >= 0
        length = np.where(valid, length, 0)
        start = at + 4
        if pa.types.is_string(field.type):
            arrays.append(_text(buffer, start, length, valid))
        else:
            if not (length[valid] == 8).all():
                raise pa.ArrowInvalid(f"field {field.name!r} is not 8 bytes wide")
            arrays.append(_fixed(field.type, data, start, valid))
        at = start + length
    if not (at == ends).all():
        raise pa.ArrowInvalid("binary COPY rows do not end where their messages do")
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
