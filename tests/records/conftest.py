"""Records to write and read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from safedata.records import Record, text_sha256

MakeRecord = Callable[..., Record]
RecordFields = Callable[..., dict[str, Any]]


def _record_fields(
    record_id: int = 1, text: str = "A fine text.", **overrides: Any
) -> dict[str, Any]:
    """Every field of a valid record, with ``overrides`` applied."""
    fields: dict[str, Any] = {
        "id": record_id,
        "text": text,
        "title": "Title",
        "source_url": "https://example.org/a",
        "license": "CC-BY-4.0",
        "language": "en",
        "uploaded_at": datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=UTC),
        "content_sha256": text_sha256(text),
        "votes_unsafe": 0,
        "votes_neutral": 1,
        "votes_great": 4,
        "score": 0.6,
        "label": "great",
        "confidence": 0.9,
        "status": "settled",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def record_fields() -> RecordFields:
    """A factory of the field dicts of valid records; keyword arguments override fields."""
    return _record_fields


@pytest.fixture
def make_record() -> MakeRecord:
    """A factory of valid records; keyword arguments override fields."""

    def make(record_id: int = 1, text: str = "A fine text.", **overrides: Any) -> Record:
        return Record.from_dict(_record_fields(record_id, text, **overrides))

    return make


@pytest.fixture
def records(make_record: MakeRecord) -> list[Record]:
    """Five records with non-ASCII text, quotes, new lines and each label."""
    texts = ["plain", "café ☕ 東京", 'quote " and, comma', "two\nlines\r\nand a lone\rreturn", ""]
    labels = ["great", "neutral", "unsafe", "great", "neutral"]
    return [
        make_record(i, text, label=label, score=-0.25 * i + 0.5)
        for i, (text, label) in enumerate(zip(texts, labels, strict=True))
    ]
