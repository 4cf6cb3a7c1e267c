"""The record schema: one row per document, defined once for every file format.

``SCHEMA`` is the Arrow schema every reader produces and every writer accepts;
``Record`` is the same row as a validated Python value.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from safedata.consensus import LABELS, Consensus, Status
from safedata.records.errors import RecordFormatError

TIMESTAMP = pa.timestamp("ms", tz="UTC")
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _one_of(values: tuple[str, ...]) -> str:
    return f"{', '.join(values[:-1])} or {values[-1]}"


LABEL_VALUES: tuple[str, ...] = tuple(label.value for label in LABELS)
STATUS_VALUES: tuple[str, ...] = tuple(status.value for status in Status)
VOTE_FIELDS: tuple[str, ...] = tuple(f"votes_{label}" for label in LABEL_VALUES)
"""One tally column per label, in spectrum order."""
MANIFEST = "manifest.json"
"""The file of a release (snapshot) folder that lists its files, digests and counts."""

_FIELDS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("id", pa.int64(), "Stable document id, unique within a snapshot."),
    ("text", pa.string(), "The document text, UTF-8."),
    ("title", pa.string(), "Title given by the uploader; empty when none."),
    ("source_url", pa.string(), "Where the text came from; empty when unknown."),
    ("license", pa.string(), "SPDX license identifier of the text; empty when unknown."),
    ("language", pa.string(), "Language tag (BCP 47, e.g. 'en'); empty when unknown."),
    ("uploaded_at", TIMESTAMP, "When the document was uploaded, UTC, millisecond precision."),
    ("content_sha256", pa.string(), "SHA-256 of the UTF-8 text, 64 lowercase hex digits."),
    *(
        (name, pa.int32(), f"Number of '{label}' votes.")
        for name, label in zip(VOTE_FIELDS, LABEL_VALUES, strict=True)
    ),
    ("score", pa.float64(), "Consensus score in [-1, 1]: unsafe -1, neutral 0, great +1."),
    ("label", pa.string(), f"Consensus label: {_one_of(LABEL_VALUES)}."),
    ("confidence", pa.float64(), "Probability in [0, 1] that the label is the majority rating."),
    ("status", pa.string(), f"Review status: {_one_of(STATUS_VALUES)}."),
    (
        "score_low",
        pa.float64(),
        "Lower end of the score interval (-1, 0 or +1) holding 90 % of the consensus belief.",
    ),
    ("score_high", pa.float64(), "Upper end of the score interval; [-1, 1] says nothing is known."),
)

ADDED_IN_V2: dict[str, float] = {"score_low": -1.0, "score_high": 1.0}
"""Fields that format version 1 files lack, with the value a reader fills in for them
(the interval that claims nothing), so that every older snapshot stays readable."""

SCHEMA: pa.Schema = pa.schema(
    [
        pa.field(name, dtype, nullable=name != "id", metadata={"description": text})
        for name, dtype, text in _FIELDS
    ],
    metadata={"format": "safedata.records", "format_version": "2"},
)
"""The Arrow schema of a record, with a description of each field in its metadata."""

FIELD_NAMES: tuple[str, ...] = tuple(SCHEMA.names)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def text_sha256(text: str) -> str:
    """The ``content_sha256`` of a text: SHA-256 of its UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _int(name: str, value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordFormatError(f"field {name!r}: expected an integer, got {value!r}")
    if not 0 <= value <= maximum:
        raise RecordFormatError(f"field {name!r}: {value} is outside [0, {maximum}]")
    return value


def _id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordFormatError(f"field {name!r}: expected an integer, got {value!r}")
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise RecordFormatError(f"field {name!r}: {value} does not fit in 64 bits")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RecordFormatError(f"field {name!r}: expected a string, got {value!r}")
    return value


def _float_in(low: float, high: float) -> Callable[[str, Any], float]:
    def check(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RecordFormatError(f"field {name!r}: expected a number, got {value!r}")
        number = float(value)
        if not (math.isfinite(number) and low <= number <= high):
            raise RecordFormatError(f"field {name!r}: {value!r} is outside [{low:g}, {high:g}]")
        return number

    return check


def _choice(allowed: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise RecordFormatError(f"field {name!r}: {value!r} is not one of {', '.join(allowed)}")
        return str(value)

    return check


def _sha256(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise RecordFormatError(f"field {name!r}: expected 64 lowercase hex digits, got {value!r}")
    return value


def _timestamp(name: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RecordFormatError(
                f"field {name!r}: {value!r} is not an ISO-8601 timestamp"
            ) from None
    if not isinstance(value, datetime):
        raise RecordFormatError(f"field {name!r}: expected a timestamp, got {value!r}")
    if value.tzinfo is None:
        raise RecordFormatError(f"field {name!r}: timestamp {value.isoformat()} has no time zone")
    utc = value.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "id": _id,
    "text": _str,
    "title": _str,
    "source_url": _str,
    "license": _str,
    "language": _str,
    "uploaded_at": _timestamp,
    "content_sha256": _sha256,
    **{name: lambda name, value: _int(name, value, INT32_MAX) for name in VOTE_FIELDS},
    "score": _float_in(-1.0, 1.0),
    "label": _choice(LABEL_VALUES),
    "confidence": _float_in(0.0, 1.0),
    "status": _choice(STATUS_VALUES),
    "score_low": _float_in(-1.0, 1.0),
    "score_high": _float_in(-1.0, 1.0),
}


def validate_row(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of ``row`` in schema order, checked and normalised; extra keys are ignored.

    Raises ``RecordFormatError`` naming the missing field or the field with a bad value.
    """
    missing = missing_fields(row)
    if missing:
        raise RecordFormatError(f"missing field(s): {', '.join(missing)}")
    values = tuple(
        _CHECKS[name](name, row.get(name, ADDED_IN_V2.get(name))) for name in FIELD_NAMES
    )
    low, high = values[-2], values[-1]
    if low > high:
        raise RecordFormatError(f"field 'score_low': {low!r} is above score_high {high!r}")
    return values


def missing_fields(names: Mapping[str, Any] | Sequence[str]) -> list[str]:
    """The schema fields not in ``names`` that a reader cannot fill in (``ADDED_IN_V2``)."""
    return [name for name in FIELD_NAMES if name not in names and name not in ADDED_IN_V2]


@dataclass(frozen=True)
class Record:
    """One document with its community rating, validated on construction.

    ``uploaded_at`` is converted to UTC and truncated to milliseconds, the
    precision that every file format keeps.
    """

    id: int
    text: str
    title: str
    source_url: str
    license: str
    language: str
    uploaded_at: datetime
    content_sha256: str
    votes_unsafe: int
    votes_neutral: int
    votes_great: int
    score: float
    label: str
    confidence: float
    status: str
    score_low: float = -1.0
    score_high: float = 1.0

    def __post_init__(self) -> None:
        values = validate_row({f.name: getattr(self, f.name) for f in fields(self)})
        for name, value in zip(FIELD_NAMES, values, strict=True):
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The record as a dict in schema order (``uploaded_at`` stays a ``datetime``)."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @classmethod
    def rated(
        cls,
        id: int,
        text: str,
        consensus: Consensus,
        *,
        uploaded_at: datetime,
        title: str = "",
        label: str | None = None,
        status: str | None = None,
    ) -> Record:
        """A record of ``text`` carrying ``consensus`` and its vote counts (English, no URL
        or licence); ``label`` and ``status`` override the consensus's own where given."""
        counts = consensus.counts
        return cls(
            id=id,
            text=text,
            title=title,
            source_url="",
            license="",
            language="en",
            uploaded_at=uploaded_at,
            content_sha256=text_sha256(text),
            votes_unsafe=counts.unsafe,
            votes_neutral=counts.neutral,
            votes_great=counts.great,
            score=consensus.score,
            label=label or consensus.label.value,
            confidence=consensus.confidence,
            status=status or consensus.status.value,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """A record from a mapping with every schema field (timestamps may be ISO strings)."""
        return cls(*validate_row(data))


def rows_to_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    """A batch from rows already checked by ``validate_row``."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FIELD_NAMES)
    arrays = [
        pa.array(column, type=field.type) for column, field in zip(columns, SCHEMA, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def records_to_batch(records: Sequence[Record]) -> pa.RecordBatch:
    """An Arrow batch with ``SCHEMA`` holding ``records`` in order."""
    return rows_to_batch([tuple(getattr(r, name) for name in FIELD_NAMES) for r in records])


def batch_to_records(batch: pa.RecordBatch) -> list[Record]:
    """The records of a batch in ``SCHEMA`` (extra columns are ignored)."""
    conformed = conform_batch(batch, "batch")
    columns = [conformed.column(name).to_pylist() for name in FIELD_NAMES]
    return [Record(*values) for values in zip(*columns, strict=True)]


def conform_batch(
    batch: pa.RecordBatch, source: str, keep_extra: bool = False, first_row: int = 0
) -> pa.RecordBatch:
    """``batch`` with the schema's columns in order and types, refusing missing fields and nulls.

    Columns beyond the schema are dropped, or appended after it with ``keep_extra``.
    ``source`` names the data in error messages, which count rows from ``first_row``.
    """
    missing = missing_fields(batch.schema.names)
    if missing:
        raise RecordFormatError.at(source, None, f"missing field(s): {', '.join(missing)}")
    arrays = [
        _cast_column(batch.column(f.name), f, source, first_row)
        if f.name in batch.schema.names
        else pa.array([ADDED_IN_V2[f.name]] * batch.num_rows, type=f.type)
        for f in SCHEMA
    ]
    _check_values(pa.RecordBatch.from_arrays(arrays, schema=SCHEMA), source, first_row)
    schema = SCHEMA
    if keep_extra:
        extra = [f for f in batch.schema if f.name not in SCHEMA.names]
        arrays += [batch.column(f.name) for f in extra]
        schema = pa.schema(list(SCHEMA) + extra, metadata=SCHEMA.metadata)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _cast_column(column: pa.Array, field: pa.Field, source: str, first_row: int) -> pa.Array:
    if column.null_count:
        row = first_row + pc.index(pc.is_null(column), True).as_py()
        raise RecordFormatError.at(source, f"row {row}", f"field {field.name!r} is null")
    if column.type == field.type:
        return column
    try:
        return column.cast(field.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise RecordFormatError.at(
            source, None, f"field {field.name!r} has type {column.type}, expected {field.type}"
        ) from None


def _outside(column: pa.Array, low: float, high: float) -> pa.Array:
    inside = pc.and_(pc.greater_equal(column, low), pc.less_equal(column, high))
    return pc.invert(inside)


def _not_in(column: pa.Array, allowed: tuple[str, ...]) -> pa.Array:
    return pc.invert(pc.is_in(column, pa.array(allowed)))


def _value_rules(batch: pa.RecordBatch) -> list[tuple[str, pa.Array]]:
    """(field, mask of rows that break its rule) for the rules checked on whole columns."""
    sha = pc.match_substring_regex(batch.column("content_sha256"), "^[0-9a-f]{64}$")
    rules = [
        ("label", _not_in(batch.column("label"), LABEL_VALUES)),
        ("status", _not_in(batch.column("status"), STATUS_VALUES)),
        ("content_sha256", pc.invert(sha)),
        ("score", _outside(batch.column("score"), -1.0, 1.0)),
        ("confidence", _outside(batch.column("confidence"), 0.0, 1.0)),
        ("score_low", _outside(batch.column("score_low"), -1.0, 1.0)),
        ("score_high", _outside(batch.column("score_high"), -1.0, 1.0)),
        ("score_low", pc.greater(batch.column("score_low"), batch.column("score_high"))),
    ]
    return rules + [(name, pc.less(batch.column(name), 0)) for name in VOTE_FIELDS]


def _check_values(batch: pa.RecordBatch, source: str, first_row: int) -> None:
    for name, bad in _value_rules(batch):
        if pc.any(bad).as_py():
            row = pc.index(bad, True).as_py()
            value = batch.column(name)[row].as_py()
            raise RecordFormatError.at(
                source, f"row {first_row + row}", f"field {name!r}: bad value {value!r}"
            )
