"""Properties: screening never fails with anything but a clear rejection."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from safedata.screening import Limits, ScreeningError, normalise_text, screen_bytes, screen_text
from safedata.screening.bulk import LineStatus, parse_jsonl

T = TypeVar("T")

LIMITS = Limits(max_bytes=2_000, max_chars=500, max_lines=20)
TEXTISH = st.one_of(st.binary(max_size=3_000), st.text(max_size=800).map(str.encode))


def outcome(screen: Callable[[], T]) -> tuple[T | None, ScreeningError | None]:
    try:
        return screen(), None
    except ScreeningError as exc:
        return None, exc


@settings(max_examples=300, deadline=None)
@given(TEXTISH)
def test_any_bytes_are_accepted_as_normalised_text_or_rejected_with_a_message(
    data: bytes,
) -> None:
    text, error = outcome(lambda: screen_bytes(data, LIMITS))
    if error is not None:
        assert error.message
        assert error.identifier
    else:
        assert text
        assert normalise_text(text) == text
        assert screen_text(text, LIMITS) == text


@settings(max_examples=300, deadline=None)
@given(TEXTISH)
def test_any_bulk_file_gets_a_verdict_for_every_line_or_a_file_level_rejection(
    data: bytes,
) -> None:
    results, error = outcome(lambda: parse_jsonl(data, LIMITS, licenses=["", "MIT"]))
    if results is None:
        assert error is not None
        assert error.message
        return
    assert [r.line for r in results] == sorted({r.line for r in results})
    for result in results:
        assert (result.record is None) == (result.status == LineStatus.REJECTED)
        assert result.reason or result.status == LineStatus.ACCEPTED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=10))
def test_every_distinct_text_is_accepted_once_and_repeats_are_duplicates(
    texts: list[str],
) -> None:
    data = "\n".join(json.dumps({"text": text}) for text in texts).encode()
    results = parse_jsonl(data, LIMITS, licenses=[""])
    accepted = [r.record.sha256 for r in results if r.status == LineStatus.ACCEPTED and r.record]
    duplicates = [r for r in results if r.status == LineStatus.DUPLICATE]
    assert len(accepted) == len(set(accepted))
    assert all(d.record is not None and d.record.sha256 in accepted for d in duplicates)
