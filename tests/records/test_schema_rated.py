"""Record.rated: a record from a text and its consensus, the one home of that construction."""

from __future__ import annotations

from datetime import UTC, datetime

from safedata.consensus import Counts, compute
from safedata.records import Record, text_sha256

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def test_rated_carries_the_counts_and_the_consensus() -> None:
    verdict = compute(Counts(unsafe=1, neutral=0, great=5))
    record = Record.rated(7, "A kind note.", verdict, uploaded_at=WHEN, title="Note")
    assert record == Record(
        id=7,
        text="A kind note.",
        title="Note",
        source_url="",
        license="",
        language="en",
        uploaded_at=WHEN,
        content_sha256=text_sha256("A kind note."),
        votes_unsafe=1,
        votes_neutral=0,
        votes_great=5,
        score=verdict.score,
        label=verdict.label.value,
        confidence=verdict.confidence,
        status=verdict.status.value,
    )


def test_label_and_status_may_be_given_apart_from_the_consensus() -> None:
    verdict = compute(Counts(great=1))
    record = Record.rated(1, "Text.", verdict, uploaded_at=WHEN, label="neutral", status="settled")
    assert (record.label, record.status) == ("neutral", "settled")
    assert verdict.status.value != "settled"
