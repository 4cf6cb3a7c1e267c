"""Screening checks: each bad input is refused by its own check with its own message."""

from __future__ import annotations

import pytest

from safedata.screening import (
    Limits,
    ScreeningError,
    TextCheck,
    register,
    registered,
    screen_bytes,
    screen_text,
)
from safedata.screening import base as screening_base

LIMITS = Limits(max_bytes=1000, max_chars=100)


@pytest.mark.parametrize(
    ("data", "identifier", "message"),
    [
        (b"x" * 1001, "oversized", "Too large: 1,001 bytes; the limit is 1,000 bytes."),
        (b"", "empty-file", "The file is empty (0 bytes)."),
        (b"abc\x00def", "nul-bytes", "Contains NUL bytes"),
        ("hello".encode("utf-16"), "nul-bytes", "binary or UTF-16"),
        (bytes(range(1, 9)) * 20 + b"text", "binary", "Looks like a binary file"),
        (b"caf\xe9 au lait", "invalid-utf8", "Not valid UTF-8 (bad byte at position 3)"),
        (b"  \r\n\t \n", "empty", "The text is empty."),
        ("é".encode() * 101, "too-long", "The text has 101 characters; the limit is 100."),
    ],
)
def test_bad_bytes_are_rejected_by_their_check(data: bytes, identifier: str, message: str) -> None:
    with pytest.raises(ScreeningError) as caught:
        screen_bytes(data, LIMITS)
    assert caught.value.identifier == identifier
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("text", "identifier", "message"),
    [
        ("a\x00b", "nul-characters", "The text contains NUL bytes; upload plain text only."),
        ("ab" + "\x07\x08\x0e" * 5, "control-characters", "The text looks binary: 88% of"),
        (" \n ", "empty", "The text is empty."),
        ("x" * 101, "too-long", "The text has 101 characters; the limit is 100."),
    ],
)
def test_bad_text_is_rejected_by_its_check(text: str, identifier: str, message: str) -> None:
    with pytest.raises(ScreeningError) as caught:
        screen_text(text, LIMITS)
    assert (caught.value.identifier, caught.value.message[: len(message)]) == (identifier, message)


def test_good_file_is_decoded_and_normalised() -> None:
    # A BOM, CRLF line endings and a decomposed "é" (e + combining accent) become clean NFC text.
    data = "\ufeffCafe\u0301 menu\r\nline two\r\n".encode()
    assert screen_bytes(data, LIMITS) == "Caf\u00e9 menu\nline two"


def test_tabs_and_a_few_control_characters_are_still_text() -> None:
    text = "col1\tcol2\fpage two\x1b[0m and more ordinary text around it."
    assert screen_text(text, LIMITS) == text.strip()


def test_sizes_exactly_at_the_limits_pass() -> None:
    assert len(screen_bytes(b"y" * 100, LIMITS)) == 100
    assert screen_bytes(b"z" * 1000, Limits(max_bytes=1000, max_chars=1000)) == "z" * 1000


def test_checks_run_cheapest_first() -> None:
    # Oversized binary with NUL bytes: the size is reported, nothing else is scanned first.
    with pytest.raises(ScreeningError) as caught:
        screen_bytes(b"\x00" * 2000, LIMITS)
    assert caught.value.identifier == "oversized"


def test_builtin_checks_are_registered_with_unique_identifiers() -> None:
    assert {
        "oversized",
        "empty-file",
        "nul-bytes",
        "binary",
        "invalid-utf8",
        "nul-characters",
        "control-characters",
        "empty",
        "too-long",
    } <= set(registered())


def test_a_new_check_is_one_registered_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screening_base, "_REGISTRY", dict(screening_base._REGISTRY))

    @register
    class NoShouting(TextCheck):
        identifier = "no-shouting"

        def problem(self, value: str, limits: Limits) -> str | None:
            return "Please do not shout." if value.isupper() else None

    assert registered()["no-shouting"] is NoShouting
    assert screen_text("calm words", LIMITS) == "calm words"
    with pytest.raises(ScreeningError, match=r"Please do not shout\."):
        screen_text("LOUD WORDS", LIMITS)


def test_a_class_statement_naming_an_identifier_registers_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(screening_base, "_REGISTRY", dict(screening_base._REGISTRY))

    class NoWhispering(TextCheck, identifier="no-whispering", order=5, per_line=True):
        def problem(self, value: str, limits: Limits) -> str | None:
            return "Please speak up." if value.islower() else None

    assert registered()["no-whispering"] is NoWhispering
    assert (NoWhispering.order, NoWhispering.per_line) == (5, True)
    assert screen_text("Calm words", LIMITS) == "Calm words"
    with pytest.raises(ScreeningError, match=r"Please speak up\."):
        screen_text("quiet words", LIMITS)


def test_two_checks_cannot_share_an_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screening_base, "_REGISTRY", dict(screening_base._REGISTRY))

    class Impostor(TextCheck):
        identifier = "empty"

        def problem(self, value: str, limits: Limits) -> str | None:
            return None

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor)


def test_a_class_statement_cannot_reuse_an_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screening_base, "_REGISTRY", dict(screening_base._REGISTRY))
    with pytest.raises(ValueError, match="already registered"):

        class Impostor(TextCheck, identifier="empty"):
            def problem(self, value: str, limits: Limits) -> str | None:
                return None
