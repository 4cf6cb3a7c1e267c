"""The pure JSONL parser: one verdict per non-blank line, duplicates within the file."""

from __future__ import annotations

import json

import pytest

from safedata.screening import Limits, ScreeningError
from safedata.screening.bulk import LineStatus, parse_jsonl

LIMITS = Limits(max_bytes=10_000, max_chars=200, max_lines=5)
LICENSES = ["", "CC0-1.0", "MIT"]


def jsonl(*lines: object) -> bytes:
    return "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines).encode()


def test_each_line_gets_its_own_verdict() -> None:
    data = jsonl(
        {
            "text": "First text",
            "title": " T ",
            "license": "MIT",
            "language": "EN",
            "source_url": "https://example.org/a",
            "ignored": 1,
        },
        "",
        "{not json",
        {"text": "First text"},
        {"title": "no text"},
    )
    results = parse_jsonl(data, LIMITS, licenses=LICENSES)
    assert [(r.line, r.status) for r in results] == [
        (1, LineStatus.ACCEPTED),
        (3, LineStatus.REJECTED),
        (4, LineStatus.DUPLICATE),
        (5, LineStatus.REJECTED),
    ]
    record = results[0].record
    assert record is not None
    assert (record.title, record.license, record.language, record.source_url) == (
        "T",
        "MIT",
        "en",
        "https://example.org/a",
    )
    assert results[2].reason == "Same text as line 1."
    assert results[2].duplicate_of_line == 1
    assert results[3].reason == 'Missing the required field "text".'


def test_duplicates_are_found_after_normalisation() -> None:
    data = jsonl({"text": "Cafe\u0301\r\nbar"}, {"text": "  Caf\u00e9\nbar  "})
    first, second = parse_jsonl(data, LIMITS, licenses=LICENSES)
    assert first.record is not None
    assert second.record is not None
    assert first.record.sha256 == second.record.sha256
    assert second.status == LineStatus.DUPLICATE


def test_crlf_files_and_null_optional_fields_are_fine() -> None:
    data = b'{"text": "one", "title": null}\r\n{"text": "two"}\r\n'
    results = parse_jsonl(data, LIMITS, licenses=LICENSES)
    assert [r.status for r in results] == [LineStatus.ACCEPTED, LineStatus.ACCEPTED]


def test_a_bad_line_does_not_spoil_the_others() -> None:
    data = b'{"text": "good"}\n\xff\xfe\n{"text": "also good"}\n'
    statuses = [r.status for r in parse_jsonl(data, LIMITS, licenses=LICENSES)]
    assert statuses == [LineStatus.ACCEPTED, LineStatus.REJECTED, LineStatus.ACCEPTED]


@pytest.mark.parametrize(
    ("data", "identifier", "message"),
    [
        (b"", "empty-file", "The file is empty (0 bytes)."),
        (b"\n  \n\r\n", "no-lines", "The file has no lines with content."),
        (
            jsonl(*[{"text": str(n)} for n in range(6)]),
            "too-many-lines",
            "The file has 6 lines; the limit is 5 per file.",
        ),
        (b"{" * 10_001, "oversized", "Too large: 10,001 bytes; the limit is 10,000 bytes."),
        (bytes(range(1, 30)) * 10, "binary", "Looks like a binary file"),
    ],
)
def test_whole_file_problems_reject_the_file(data: bytes, identifier: str, message: str) -> None:
    with pytest.raises(ScreeningError) as caught:
        parse_jsonl(data, LIMITS, licenses=LICENSES)
    assert caught.value.identifier == identifier
    assert caught.value.message.startswith(message)
