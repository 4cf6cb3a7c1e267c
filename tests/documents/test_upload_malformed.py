"""Malformed uploads: every bad file, text or line gets its own message and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safedata.audit.models import AuditEntry
from safedata.documents.models import Document

pytestmark = pytest.mark.django_db

GOOD = "An ordinary, perfectly acceptable paragraph of text about gardening in spring."


def txt(content: bytes, name: str = "doc.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


# Each case: form fields, the field whose error is shown, the message, the HTTP status.
FORM_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("nothing", {"text": ""}, "Paste some text or choose a .txt or .md file."),
    ("whitespace text", {"text": " \r\n\t "}, "The text is empty."),
    (
        "NUL in text",
        {"text": f"{GOOD}\x00"},
        "The text contains NUL bytes; upload plain text only.",
    ),
    ("control chars", {"text": "ab" + "\x01\x02\x03" * 9}, "The text looks binary: 93% of"),
    ("text too long", {"text": "x" * 501}, "The text has 501 characters; the limit is 500."),
    ("empty file", {"file": txt(b"")}, "The submitted file is empty."),
    ("blank file", {"file": txt(b"\n\n  \n")}, "The text is empty."),
    (
        "latin-1 file",
        {"file": txt(b"Caf\xe9 cr\xe8me")},
        "Not valid UTF-8 (bad byte at position 3)",
    ),
    ("NUL bytes", {"file": txt(b"abc\x00def")}, "Contains NUL bytes: this is a binary or UTF-16"),
    ("UTF-16 file", {"file": txt(GOOD.encode("utf-16"))}, "Contains NUL bytes"),
    ("binary file", {"file": txt(bytes(range(1, 32)) * 8)}, "Looks like a binary file (87%"),
    ("file too long", {"file": txt("é".encode() * 600)}, "The text has 600 characters"),
    ("pdf file", {"file": txt(b"%PDF-1.7", "paper.pdf")}, "Only .txt or .md files can be"),
    ("no extension", {"file": txt(GOOD.encode(), "README")}, "“README” is not one."),
    (
        "text and file",
        {"text": GOOD, "file": txt(b"other")},
        "Paste text or choose a file, not both.",
    ),
    ("AUP unticked", {"text": GOOD, "aup": None}, "You must accept the Acceptable Use Policy"),
    ("bad URL", {"text": GOOD, "source_url": "not a url"}, "Enter a valid URL."),
    ("ftp URL", {"text": GOOD, "source_url": "ftp://example.org/x"}, "Use an http:// or https://"),
    ("bad licence", {"text": GOOD, "license": "GPL-3.0"}, "GPL-3.0 is not one of the available"),
    ("bad language", {"text": GOOD, "language": "klingon"}, "klingon is not one of the available"),
    ("long title", {"text": GOOD, "title": "t" * 301}, "at most 300 characters (it has 301)"),
]


@pytest.fixture
def limited_member(client_for: Callable[[Any], Client], member: Any, small_limits: Any) -> Client:
    """A member's client, under the small limits."""
    return client_for(member)


@pytest.mark.parametrize(
    ("fields", "message"), [c[1:] for c in FORM_CASES], ids=[c[0] for c in FORM_CASES]
)
def test_malformed_single_upload_is_refused(
    limited_member: Client,
    post_upload: Callable[..., Any],
    fields: dict[str, Any],
    message: str,
) -> None:
    response = post_upload(limited_member, **fields)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert 'class="field-error"' in response.content.decode()
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()


def test_file_over_the_byte_limit_is_413(
    limited_member: Client,
    post_upload: Callable[..., Any],
) -> None:
    response = post_upload(limited_member, file=txt(b"y" * 4097))
    assert response.status_code == 413
    assert "Too large: 4,097 bytes; the limit is 4,096 bytes." in response.content.decode()
    assert not Document.objects.exists()


# Each case: one line of a bulk file, and the reason the report must give for it.
LINE_CASES: list[tuple[str, bytes, str]] = [
    ("malformed JSON", b'{"text": "unterminated', "Malformed JSON: Unterminated string"),
    ("trailing comma", b'{"text": "a",}', "Malformed JSON: Expecting property name"),
    ("array", b'["text"]', "Each line must be a JSON object, not an array."),
    ("bare string", b'"just text"', "Each line must be a JSON object, not a string."),
    ("missing text", b'{"title": "no body"}', 'Missing the required field "text".'),
    ("text is a number", b'{"text": 42}', '"text" must be a string, not a number.'),
    ("text is null", b'{"text": null}', '"text" must be a string, not null.'),
    ("empty text", b'{"text": "   "}', "The text is empty."),
    ("escaped NUL", b'{"text": "a\\u0000b"}', "The text contains NUL bytes"),
    ("raw NUL byte", b'{"text": "a longer line with one \x00 byte"}', "Contains NUL bytes:"),
    ("invalid UTF-8", b'{"text": "caf\xe9"}', "Not valid UTF-8 (bad byte at position 13)"),
    ("too long", json.dumps({"text": "z" * 501}).encode(), "The text has 501 characters"),
    ("title type", b'{"text": "ok text", "title": ["a"]}', '"title" must be a string, not an'),
    (
        "long title",
        json.dumps({"text": "ok", "title": "t" * 301}).encode(),
        '"title" is longer than 300 characters.',
    ),
    (
        "bad URL",
        b'{"text": "ok", "source_url": "javascript:alert(1)"}',
        '"source_url" must be an http(s) URL',
    ),
    ("licence", b'{"text": "ok", "license": "WTFPL"}', "Unknown licence 'WTFPL'"),
    ("language", b'{"text": "ok", "language": "English"}', "two-letter ISO 639-1 code"),
]


@pytest.mark.parametrize(
    ("line", "reason"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES]
)
def test_malformed_bulk_line_is_reported_and_not_stored(
    limited_member: Client,
    post_bulk: Callable[..., Any],
    line: bytes,
    reason: str,
) -> None:
    response = post_bulk(limited_member, b"\n" + line + b"\n")
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "0 accepted, 0 duplicates, 1 rejected" in html
    assert "<td>2</td>" in html  # the line number, counted from 1, blank lines included
    assert reason in html
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()


# Each case: a whole bulk file refused before any line is stored.
FILE_CASES: list[tuple[str, bytes, str, str, int]] = [
    ("empty", b"", "docs.jsonl", "The submitted file is empty.", 400),
    ("blank lines only", b"\n \n\r\n", "docs.jsonl", "The file has no lines with content.", 400),
    (
        "too many lines",
        b'{"text": "1"}\n{"text": "2"}\n{"text": "3"}\n{"text": "4"}\n',
        "docs.jsonl",
        "The file has 4 lines; the limit is 3 per file.",
        413,
    ),
    ("binary", bytes(range(1, 32)) * 8, "docs.jsonl", "Looks like a binary file", 400),
    ("oversized", b'{"text": "a"}\n' * 300, "docs.jsonl", "Too large: 4,200 bytes", 413),
    ("wrong extension", b'{"text": "a"}', "docs.json", "Only .jsonl files can be uploaded", 400),
]


@pytest.mark.parametrize(
    ("content", "name", "message", "status"),
    [c[1:] for c in FILE_CASES],
    ids=[c[0] for c in FILE_CASES],
)
def test_malformed_bulk_file_is_refused_whole(
    limited_member: Client,
    post_bulk: Callable[..., Any],
    content: bytes,
    name: str,
    message: str,
    status: int,
) -> None:
    response = post_bulk(limited_member, content, name=name)
    assert response.status_code == status
    assert message in unescape(response.content.decode())
    assert not Document.objects.exists()
