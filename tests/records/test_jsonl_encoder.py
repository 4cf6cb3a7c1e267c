"""The column-wise JSON Lines encoder writes the bytes of the row-by-row ``json.dumps`` one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata.records import SCHEMA
from safedata.records.jsonl import encode_lines, iso_timestamp

# Every code point but the surrogates, which UTF-8 text (and so Arrow) cannot hold.
AWKWARD_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from('"\\\n\r\t\b\f\x00\x01\x1f\x7f\u2028\u2029\ufeff\U0001f600'),
    ),
    max_size=40,
)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
MS_TIMESTAMPS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda value: value.replace(microsecond=value.microsecond // 1000 * 1000, tzinfo=UTC))


def reference_lines(batch: pa.RecordBatch) -> bytes:
    """The encoder the project used before (one ``json.dumps`` per row), kept as the oracle."""
    names = batch.schema.names
    columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
    lines = [
        json.dumps(
            {
                name: iso_timestamp(value) if isinstance(value, datetime) else value
                for name, value in zip(names, row, strict=True)
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in zip(*columns, strict=True)
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def record_rows(size: int) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    row = st.tuples(
        st.integers(-(2**63), 2**63 - 1),
        *(AWKWARD_TEXT for _ in range(5)),
        MS_TIMESTAMPS,
        AWKWARD_TEXT,
        *(st.integers(0, 2**31 - 1) for _ in range(3)),
        FINITE,
        AWKWARD_TEXT,
        FINITE,
        AWKWARD_TEXT,
        FINITE,
        FINITE,
    )
    return st.lists(row, min_size=0, max_size=size)


def to_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    arrays = [
        pa.array(column, type=field.type) for column, field in zip(columns, SCHEMA, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


@settings(max_examples=200, deadline=None)
@given(record_rows(12))
def test_record_batches_encode_to_the_same_bytes(rows: list[tuple[Any, ...]]) -> None:
    batch = to_batch(rows)
    assert encode_lines(batch) == reference_lines(batch)


OTHER_COLUMNS = pa.schema(
    [
        pa.field("flag", pa.bool_()),
        pa.field("share", pa.float32()),
        pa.field("small", pa.int8()),
        pa.field("words", pa.list_(pa.string())),
        pa.field("big_text", pa.large_string()),
        pa.field("naive", pa.timestamp("us")),
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.none() | st.booleans(),
            st.none() | st.floats(width=32),
            st.none() | st.integers(-128, 127),
            st.none() | st.lists(AWKWARD_TEXT, max_size=3),
            st.none() | AWKWARD_TEXT,
            st.none() | st.datetimes(min_value=datetime(1970, 1, 2)),
        ),
        max_size=8,
    )
)
def test_other_column_types_and_nulls_encode_to_the_same_bytes(
    rows: list[tuple[Any, ...]],
) -> None:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(OTHER_COLUMNS)
    arrays = [
        pa.array(column, type=field.type)
        for column, field in zip(columns, OTHER_COLUMNS, strict=True)
    ]
    batch = pa.RecordBatch.from_arrays(arrays, schema=OTHER_COLUMNS)
    assert encode_lines(batch) == reference_lines(batch)


JAN_1 = datetime(2024, 1, 1, tzinfo=UTC)
FLOATS_AND_LABELS = (0.5, "great", 0.25, "settled", -1.0, 1.0)


def test_a_sliced_batch_encodes_only_its_rows() -> None:
    batch = to_batch(
        [
            (n, f'text "{n}"\n', "", "", "", "", JAN_1, "x", 0, 1, 2, *FLOATS_AND_LABELS)
            for n in range(10)
        ]
    ).slice(3, 4)
    encoded = encode_lines(batch)
    assert encoded == reference_lines(batch)
    assert encoded.count(b"\n") == 4
    assert encoded.startswith(b'{"id":3,"text":"text \\"3\\"\\n"')
