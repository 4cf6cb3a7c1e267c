"""Bulk uploads: one JSON object per line, each line judged on its own.

``parse_jsonl`` returns one ``LineResult`` per non-blank line. It never touches
a database: duplicates against stored documents are for the caller to find,
using each record's ``sha256``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from safedata.screening.base import Limits, ScreeningError, byte_checks, run_checks, screen_text
from safedata.screening.normalise import content_sha256

MAX_TITLE_CHARS = 300
MAX_URL_CHARS = 2000
FIELDS = ("text", "title", "source_url", "license", "language")
"""Keys read from each object; other keys are ignored."""
_LANGUAGE = re.compile(r"[a-z]{2}")


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Record:
    """A valid line: normalised text plus its optional fields."""

    text: str
    sha256: str
    title: str = ""
    source_url: str = ""
    license: str = ""
    language: str = ""


@dataclass(frozen=True)
class LineResult:
    """The verdict on one line of a bulk file (``line`` counts from 1)."""

    line: int
    status: LineStatus
    reason: str = ""
    record: Record | None = None
    duplicate_of_line: int | None = None


def parse_jsonl(data: bytes, limits: Limits, *, licenses: Collection[str]) -> list[LineResult]:
    """Judge every non-blank line of a JSONL file.

    Raises ``ScreeningError`` when the file as a whole is unacceptable (too large,
    empty, binary, too many lines); otherwise each line is accepted, rejected
    with a reason, or a duplicate of an earlier line of the same file.
    """
    file_checks = [check for check in byte_checks() if not check.per_line]
    run_checks(file_checks, data, limits)
    lines = list(_non_blank_lines(data))
    if not lines:
        raise ScreeningError("no-lines", "The file has no lines with content.")
    if len(lines) > limits.max_lines:
        raise ScreeningError(
            "too-many-lines",
            f"The file has {len(lines):,} lines; the limit is {limits.max_lines:,} per file.",
        )
    return _judge_lines(lines, limits, licenses)


def _non_blank_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")


def _judge_lines(
    lines: list[tuple[int, bytes]], limits: Limits, licenses: Collection[str]
) -> list[LineResult]:
    first_line_of: dict[str, int] = {}
    results = []
    for number, raw in lines:
        try:
            record = parse_line(raw, limits, licenses)
        except ScreeningError as exc:
            results.append(LineResult(number, LineStatus.REJECTED, exc.message))
            continue
        earlier = first_line_of.setdefault(record.sha256, number)
        if earlier != number:
            results.append(
                LineResult(
                    number,
                    LineStatus.DUPLICATE,
                    f"Same text as line {earlier}.",
                    record,
                    duplicate_of_line=earlier,
                )
            )
        else:
            results.append(LineResult(number, LineStatus.ACCEPTED, record=record))
    return results


def parse_line(raw: bytes, limits: Limits, licenses: Collection[str]) -> Record:
    """One line's record, or ``ScreeningError`` saying what is wrong with it."""
    run_checks([check for check in byte_checks() if check.per_line], raw, limits)
    obj = _json_object(raw.decode("utf-8"))
    if "text" not in obj:
        raise ScreeningError("missing-text", 'Missing the required field "text".')
    text = screen_text(_string_field(obj, "text"), limits)
    fields = {name: _string_field(obj, name) for name in FIELDS[1:] if obj.get(name) is not None}
    return Record(
        text=text,
        sha256=content_sha256(text),
        title=_title(fields.get("title", "")),
        source_url=_source_url(fields.get("source_url", "")),
        license=_license(fields.get("license", ""), licenses),
        language=_language(fields.get("language", "")),
    )


def _json_object(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ScreeningError(
            "malformed-json", f"Malformed JSON: {exc.msg} (column {exc.colno})."
        ) from exc
    if not isinstance(value, dict):
        kind = _json_type(value)
        raise ScreeningError("not-an-object", f"Each line must be a JSON object, not {kind}.")
    return value


def _json_type(value: object) -> str:
    names = {
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _string_field(obj: dict[str, Any], name: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        raise ScreeningError("wrong-type", f'"{name}" must be a string, not {_json_type(value)}.')
    return value


def _title(value: str) -> str:
    title = value.strip()
    if len(title) > MAX_TITLE_CHARS:
        raise ScreeningError(
            "title-too-long", f'"title" is longer than {MAX_TITLE_CHARS} characters.'
        )
    return title


def _source_url(value: str) -> str:
    url = value.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ScreeningError(
            "bad-source-url", f'"source_url" must be an http(s) URL, not {url[:80]!r}.'
        )
    if len(url) > MAX_URL_CHARS:
        raise ScreeningError(
            "bad-source-url", f'"source_url" is longer than {MAX_URL_CHARS} characters.'
        )
    return url


def _license(value: str, licenses: Collection[str]) -> str:
    if value in licenses:
        return value
    allowed = ", ".join(sorted(code for code in licenses if code))
    raise ScreeningError(
        "unknown-license", f"Unknown licence {value[:40]!r}; use one of: {allowed}."
    )


def _language(value: str) -> str:
    code = value.strip().lower()
    if code and not _LANGUAGE.fullmatch(code):
        raise ScreeningError(
            "bad-language",
            f'"language" must be a two-letter ISO 639-1 code such as "en", not {value[:20]!r}.',
        )
    return code
