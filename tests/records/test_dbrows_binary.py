"""PostgreSQL binary COPY output decoded a column at a time holds the rows it was made of.

The messages are built here byte by byte as the server lays them out (header with
the first row, one message per row, the trailer alone); the decoder is also run on
the server's own output in ``tests/datasets/test_arrow_reads.py``.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata.records.dbrows import (
    PG_COPY_SIGNATURE,
    copy_binary_to_batch,
    pg_binary_select,
    to_batch,
)

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("votes", pa.int32()),
        pa.field("score", pa.float64()),
        pa.field("at", pa.timestamp("ms", tz="UTC")),
        pa.field("label", pa.string()),
    ]
)
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
HEADER = PG_COPY_SIGNATURE + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)


def _field(value: Any) -> bytes:
    if value is None:
        return struct.pack(">i", -1)
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, float):
        data = struct.pack(">d", value)
    elif isinstance(value, datetime):
        delta = value - PG_EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        data = struct.pack(">q", micros)
    else:
        data = struct.pack(">q", value)
    return struct.pack(">i", len(data)) + data


def messages(rows: list[tuple[Any, ...]]) -> list[bytes]:
    """The CopyData messages PostgreSQL sends for ``rows`` in binary format."""
    lines = [struct.pack(">h", len(row)) + b"".join(_field(v) for v in row) for row in rows]
    if not lines:
        return [HEADER + TRAILER]
    return [HEADER + lines[0], *lines[1:], TRAILER]


TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)).map(
    lambda value: value.replace(tzinfo=UTC)
)
ROWS = st.lists(
    st.tuples(
        st.integers(-(2**63), 2**63 - 1),
        st.none() | TEXT,
        st.none() | st.integers(-(2**31), 2**31 - 1),
        st.none() | st.floats(allow_nan=False),
        st.none() | MOMENTS,
        TEXT,
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(ROWS)
def test_binary_copy_decodes_to_the_rows(rows: list[tuple[Any, ...]]) -> None:
    decoded = copy_binary_to_batch(messages(rows), SCHEMA)
    expected = to_batch(rows, SCHEMA)
    assert decoded.schema.equals(SCHEMA)
    assert decoded.to_pylist() == expected.to_pylist()


def test_timestamps_round_down_to_milliseconds_as_the_driver_rows_do() -> None:
    moment = PG_EPOCH + timedelta(microseconds=1_999)
    before = datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    decoded = copy_binary_to_batch(messages([(1, "", 1, 0.5, moment, "x")]), SCHEMA)
    assert decoded.column("at")[0].as_py() == moment.replace(microsecond=1_000)
    reference = to_batch([(2, "", 1, 0.5, before, "x")], SCHEMA).column("at")
    decoded = copy_binary_to_batch(messages([(2, "", 1, 0.5, before, "x")]), SCHEMA)
    assert decoded.column("at").equals(reference)


def test_a_value_too_large_for_its_column_is_refused() -> None:
    with pytest.raises(pa.ArrowInvalid):
        copy_binary_to_batch(messages([(1, "", 2**40, 0.5, PG_EPOCH, "x")]), SCHEMA)


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: [m[0][:-3], *m[1:]],  # a row cut short
        lambda m: [b"PGCOPX" + m[0][6:], *m[1:]],  # not the signature
        lambda m: [m[0] + m[1], *m[2:]],  # two rows in one message
        lambda m: m[:-1],  # no trailer
        lambda m: [m[0][:19] + struct.pack(">h", 5) + m[0][21:], *m[1:]],  # field count
    ],
)
def test_output_not_laid_out_as_expected_is_refused(damage: Any) -> None:
    rows = [(n, f"text {n}", n, 0.25, PG_EPOCH, "great") for n in range(3)]
    with pytest.raises(pa.ArrowInvalid):
        copy_binary_to_batch(damage(messages(rows)), SCHEMA)


def test_every_column_is_cast_to_the_type_the_decoder_reads() -> None:
    select = pg_binary_select("SELECT a, b, c, d, e, f FROM t", SCHEMA)
    assert select == (
        "SELECT c0::int8, c1::text, c2::int8, c3::float8, c4::timestamptz, c5::text "
        "FROM (SELECT a, b, c, d, e, f FROM t) AS page(c0, c1, c2, c3, c4, c5)"
    )
    assert pg_binary_select("SELECT a FROM t", pa.schema([("flag", pa.bool_())])) is None
