"""Bulk uploads: one JSON object per line, each line judged on its own.

``parse_jsonl`` returns one ``LineResult`` per non-blank line; each line goes
through the upload pipeline (``screen_upload``) once. It never touches a
database: duplicates against stored documents are for the caller to find,
using each upload's ``sha256``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from safedata.records.jsontext import JsonInputError, parse_json
from safedata.screening.base import Limits, ScreeningError, byte_checks, run_checks
from safedata.screening.policy import PolicySettings
from safedata.screening.upload import Metadata, ScreenedUpload, UploadRules, screen_upload

FIELDS = ("text", "title", "source_url", "license", "language")
"""Keys read from each object; other keys are ignored."""


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line of a bulk file (``line`` counts from 1), and why."""

    line: int
    status: LineStatus
    reason: str = ""


@dataclass(frozen=True)
class LineResult(LineVerdict):
    """A line's verdict with the upload it holds, as screening found it."""

    record: ScreenedUpload | None = None
    duplicate_of_line: int | None = None


def parse_jsonl(
    data: bytes,
    limits: Limits,
    *,
    licenses: Collection[str],
    policy: PolicySettings | None = None,
) -> list[LineResult]:
    """Judge every non-blank line of a JSONL file (``policy``: the policy checks that run).

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
    return _judge_lines(lines, UploadRules(limits, licenses, policy or PolicySettings()))


def _non_blank_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")


def _judge_lines(lines: list[tuple[int, bytes]], rules: UploadRules) -> list[LineResult]:
    first_line_of: dict[str, int] = {}
    results = []
    for number, raw in lines:
        try:
            record = parse_line(raw, rules)
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


def parse_line(raw: bytes, rules: UploadRules) -> ScreenedUpload:
    """One line's screened upload, or ``ScreeningError`` saying what is wrong with it."""
    run_checks([check for check in byte_checks() if check.per_line], raw, rules.limits)
    obj = _json_object(raw.decode("utf-8"))
    if "text" not in obj:
        raise ScreeningError("missing-text", 'Missing the required field "text".', field="text")
    text = _string_field(obj, "text")
    fields = {name: _string_field(obj, name) for name in FIELDS[1:] if obj.get(name) is not None}
    return screen_upload(text, Metadata(**fields), rules)


def _json_object(line: str) -> dict[str, Any]:
    try:
        value = parse_json(line)
    except JsonInputError as exc:
        raise ScreeningError("malformed-json", f"Malformed JSON: {exc.message}.") from exc
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
        raise ScreeningError(
            "wrong-type", f'"{name}" must be a string, not {_json_type(value)}.', field=name
        )
    return value
