"""Fuzzing the pure parsers: whatever the input, a value or the parser's own error."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import json_bodies, json_values

from safedata.apierrors import ApiError
from safedata.documents.api import decode_cursor
from safedata.records.jsontext import JsonInputError, parse_json
from safedata.screening.base import Limits, ScreeningError
from safedata.screening.bulk import LineStatus, parse_jsonl

LIMITS = Limits(max_bytes=20_000, max_chars=2_000, max_lines=50)
LICENSES = ("", "CC0-1.0", "CC-BY-4.0")


def parsed_or_refused(data: bytes | str) -> tuple[object, str]:
    """``parse_json(data)`` and no message, or nothing and the message it was refused with."""
    try:
        return parse_json(data), ""
    except JsonInputError as error:
        return None, error.message


@given(json_bodies | st.binary(max_size=300))
def test_parse_json_returns_a_value_or_its_own_error(data: bytes) -> None:
    value, refused = parsed_or_refused(data)
    if refused:
        return
    assert value == json.loads(data.decode("utf-8")) or value != value  # NaN is not itself
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # storable as UTF-8


@given(json_values)
def test_parse_json_reads_what_json_writes(value: object) -> None:
    data = json.dumps(value)
    parsed, refused = parsed_or_refused(data)
    if refused:
        assert "lone surrogate" in refused  # the only valid JSON we refuse
        return
    assert json.dumps(parsed) == data


bulk_lines = st.lists(json_bodies | st.binary(max_size=80), min_size=0, max_size=6)


@given(bulk_lines)
def test_bulk_jsonl_judges_every_line_or_refuses_the_file(lines: list[bytes]) -> None:
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    try:
        results = parse_jsonl(data, LIMITS, licenses=LICENSES)
    except ScreeningError as error:
        results, refused = [], error.message
    else:
        refused = "-"
    assert refused
    for result in results:
        assert result.status in set(LineStatus)
        if result.status is LineStatus.ACCEPTED:
            assert result.record is not None
            result.record.text.encode("utf-8")
        if result.status is LineStatus.REJECTED:
            assert result.reason


cursors = (
    st.text(max_size=80)
    | json_values.map(lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).decode())
    | st.tuples(st.sampled_from(["recent", "score", "-score"]), json_values, json_values).map(
        lambda t: base64.urlsafe_b64encode(json.dumps(list(t)).encode()).decode().rstrip("=")
    )
)


@given(cursors, st.sampled_from(["recent", "score", "-score"]))
def test_cursor_decodes_or_is_a_400(cursor: str, sort: str) -> None:
    try:
        key, last_id = decode_cursor(cursor, sort)
    except ApiError as error:
        status = error.status
    else:
        status = 200
        assert isinstance(last_id, int)
        assert key is not None
    assert status in {200, 400}


@pytest.mark.parametrize("sort", ["recent", "score"])
def test_cursor_of_the_wrong_sort_is_refused(sort: str) -> None:
    other = "score" if sort == "recent" else "recent"
    cursor = base64.urlsafe_b64encode(json.dumps([other, 1, 1]).encode()).decode()
    with pytest.raises(ApiError):
        decode_cursor(cursor, sort)
