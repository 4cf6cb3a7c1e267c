"""The schema and the validated ``Record``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest

from safedata.records import (
    FIELD_NAMES,
    SCHEMA,
    Record,
    RecordFormatError,
    batch_to_records,
    conform_batch,
    records_to_batch,
)


def test_schema_has_the_documented_fields_and_types() -> None:
    assert FIELD_NAMES[:3] == ("id", "text", "title")
    assert SCHEMA.field("id").type == pa.int64()
    assert not SCHEMA.field("id").nullable
    assert SCHEMA.field("uploaded_at").type == pa.timestamp("ms", tz="UTC")
    assert SCHEMA.field("votes_great").type == pa.int32()
    assert SCHEMA.field("confidence").type == pa.float64()
    assert all(field.metadata[b"description"] for field in SCHEMA)


def test_record_round_trips_through_dict(make_record: Callable[..., Record]) -> None:
    record = make_record()
    assert Record.from_dict(record.to_dict()) == record
    assert list(record.to_dict()) == list(FIELD_NAMES)


def test_timestamp_is_normalised_to_utc_milliseconds(
    record_fields: Callable[..., dict[str, Any]],
) -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=paris)
    record = Record.from_dict(record_fields(uploaded_at=moment))
    assert record.uploaded_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def test_iso_string_timestamp_is_accepted(record_fields: Callable[..., dict[str, Any]]) -> None:
    record = Record.from_dict(record_fields(uploaded_at="2024-05-01T12:00:00.000Z"))
    assert record.uploaded_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("label", "awful", "field 'label': 'awful' is not one of unsafe, neutral, great"),
        ("status", "done", "field 'status'"),
        ("score", 1.5, "field 'score': 1.5 is outside [-1, 1]"),
        ("score", float("nan"), "field 'score'"),
        ("confidence", -0.1, "field 'confidence'"),
        ("id", True, "field 'id': expected an integer"),
        ("id", "7", "field 'id': expected an integer"),
        ("votes_great", -1, "field 'votes_great'"),
        ("votes_great", 2**31, "field 'votes_great'"),
        ("title", None, "field 'title': expected a string"),
        ("content_sha256", "ABC", "field 'content_sha256': expected 64 lowercase hex"),
        ("uploaded_at", datetime(2024, 1, 1), "has no time zone"),
        ("uploaded_at", "yesterday", "is not an ISO-8601 timestamp"),
    ],
)
def test_invalid_values_are_refused_with_the_field_named(
    field: str, value: Any, message: str, record_fields: Callable[..., dict[str, Any]]
) -> None:
    with pytest.raises(RecordFormatError, match=message.replace("[", r"\[").replace("(", r"\(")):
        Record.from_dict(record_fields(**{field: value}))


def test_missing_fields_are_all_named(record_fields: Callable[..., dict[str, Any]]) -> None:
    data = record_fields()
    del data["label"], data["status"]
    with pytest.raises(RecordFormatError, match="missing field\\(s\\): label, status"):
        Record.from_dict(data)


def test_extra_keys_are_ignored(record_fields: Callable[..., dict[str, Any]]) -> None:
    assert Record.from_dict(record_fields(soft_great=0.5)).id == 1


def test_batch_round_trip(records: list[Record]) -> None:
    batch = records_to_batch(records)
    assert batch.schema.equals(SCHEMA, check_metadata=True)
    assert batch_to_records(batch) == records


def test_empty_batch_has_the_schema() -> None:
    assert records_to_batch([]).num_rows == 0
    assert records_to_batch([]).schema.equals(SCHEMA)


def test_conform_batch_casts_compatible_types_and_keeps_extras(records: list[Record]) -> None:
    batch = records_to_batch(records)
    votes = batch.column("votes_great").cast(pa.int64())
    loose = batch.set_column(FIELD_NAMES.index("votes_great"), "votes_great", votes)
    loose = loose.append_column("soft_great", pa.array([0.5] * len(records)))
    conformed = conform_batch(loose, "test", keep_extra=True)
    assert conformed.schema.field("votes_great").type == pa.int32()
    assert conformed.schema.names[-1] == "soft_great"
    assert conform_batch(loose, "test").schema.equals(SCHEMA)


def test_conform_batch_names_the_row_with_a_bad_value(records: list[Record]) -> None:
    batch = records_to_batch(records)
    labels = pa.array(["great", "neutral", "unsafe", "meh", "great"])
    bad = batch.set_column(FIELD_NAMES.index("label"), "label", labels)
    with pytest.raises(RecordFormatError, match="src: row 13: field 'label': bad value 'meh'"):
        conform_batch(bad, "src", first_row=10)


def test_conform_batch_refuses_nulls(records: list[Record]) -> None:
    batch = records_to_batch(records)
    titles = pa.array(["a", None, "c", "d", "e"])
    bad = batch.set_column(FIELD_NAMES.index("title"), "title", titles)
    with pytest.raises(RecordFormatError, match="row 1: field 'title' is null"):
        conform_batch(bad, "src")
