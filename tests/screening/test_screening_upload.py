"""The pure upload pipeline: one typed result, or one typed error naming its field."""

from __future__ import annotations

import pytest

from safedata.records import text_sha256
from safedata.screening import (
    MAX_TITLE_CHARS,
    Limits,
    Metadata,
    ScreeningError,
    UploadRules,
    screen_upload,
)

RULES = UploadRules(Limits(max_bytes=4096, max_chars=500), licenses=frozenset({"", "CC0-1.0"}))
TEXT = "Notes on sharpening a kitchen knife with a whetstone, step by step."


def test_a_clean_upload_is_normalised_identified_and_has_no_findings() -> None:
    metadata = Metadata(
        title="  Knives ", source_url=" https://example.org/k ", license="CC0-1.0", language="EN"
    )
    upload = screen_upload(f"  {TEXT}\r\n", metadata, RULES)
    assert upload.text == TEXT
    assert upload.sha256 == text_sha256(TEXT)
    assert (upload.title, upload.source_url, upload.license, upload.language) == (
        "Knives",
        "https://example.org/k",
        "CC0-1.0",
        "en",
    )
    assert upload.findings == ()


def test_file_bytes_go_through_the_byte_checks_first() -> None:
    assert screen_upload(b"\xef\xbb\xbf" + TEXT.encode(), Metadata(), RULES).text == TEXT
    with pytest.raises(ScreeningError) as caught:
        screen_upload(b"caf\xe9", Metadata(), RULES)
    assert (caught.value.identifier, caught.value.field) == ("invalid-utf8", "file")


def test_a_title_at_the_limit_is_kept_whole_and_one_more_is_refused() -> None:
    title = "t" * MAX_TITLE_CHARS
    assert screen_upload(TEXT, Metadata(title=title), RULES).title == title
    with pytest.raises(ScreeningError) as caught:
        screen_upload(TEXT, Metadata(title=title + "t"), RULES)
    assert (caught.value.identifier, caught.value.field) == ("title-too-long", "title")
    assert "at most 300 characters (it has 301)" in caught.value.message


@pytest.mark.parametrize(
    ("content", "metadata", "identifier", "field"),
    [
        ("   ", Metadata(), "empty", "text"),
        ("z" * 501, Metadata(), "too-long", "text"),
        (TEXT, Metadata(source_url="example.org/k"), "bad-source-url", "source_url"),
        (TEXT, Metadata(source_url="ftp://example.org/k"), "bad-source-url", "source_url"),
        (TEXT, Metadata(source_url="https://exa mple.org"), "bad-source-url", "source_url"),
        (TEXT, Metadata(source_url="https://e.org/" + "a" * 2000), "bad-source-url", "source_url"),
        (TEXT, Metadata(license="WTFPL"), "unknown-license", "license"),
        (TEXT, Metadata(language="english"), "bad-language", "language"),
    ],
)
def test_each_problem_names_its_check_and_field(
    content: str, metadata: Metadata, identifier: str, field: str
) -> None:
    with pytest.raises(ScreeningError) as caught:
        screen_upload(content, metadata, RULES)
    assert (caught.value.identifier, caught.value.field) == (identifier, field)
    assert caught.value.message


def test_the_content_is_judged_before_the_metadata() -> None:
    with pytest.raises(ScreeningError) as caught:
        screen_upload("", Metadata(title="t" * 301, license="WTFPL"), RULES)
    assert caught.value.field == "text"
