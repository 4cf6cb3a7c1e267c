"""The built-in screening checks. Moderation adds its own the same way."""

from __future__ import annotations

from safedata.screening.base import ByteCheck, Limits, TextCheck

_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"
_DELETE_CONTROL_CHARS = dict.fromkeys([*_CONTROL_BYTES, *range(0x80, 0xA0)])
BINARY_RATIO = 0.05
"""Share of control characters above which content is treated as binary, not text."""


class Oversized(ByteCheck, identifier="oversized", order=10):
    def problem(self, value: bytes, limits: Limits) -> str | None:
        if len(value) <= limits.max_bytes:
            return None
        return f"Too large: {len(value):,} bytes; the limit is {limits.max_bytes:,} bytes."


class EmptyFile(ByteCheck, identifier="empty-file", order=20):
    def problem(self, value: bytes, limits: Limits) -> str | None:
        return "The file is empty (0 bytes)." if not value else None


class NulBytes(ByteCheck, identifier="nul-bytes", order=30, per_line=True):
    def problem(self, value: bytes, limits: Limits) -> str | None:
        if b"\x00" not in value:
            return None
        return (
            "Contains NUL bytes: this is a binary or UTF-16 file, not UTF-8 text; "
            "save it as UTF-8 plain text."
        )


class BinaryBytes(ByteCheck, identifier="binary", order=40):
    def problem(self, value: bytes, limits: Limits) -> str | None:
        # bytes.translate deletes in C: counting control bytes stays fast on large files.
        controls = len(value) - len(value.translate(None, _CONTROL_BYTES))
        if not value or controls / len(value) <= BINARY_RATIO:
            return None
        return (
            f"Looks like a binary file ({controls / len(value):.0%} control bytes); "
            "upload plain text (.txt or .md)."
        )


class InvalidUtf8(ByteCheck, identifier="invalid-utf8", order=50, per_line=True):
    def problem(self, value: bytes, limits: Limits) -> str | None:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"Not valid UTF-8 (bad byte at position {exc.start}); save the file as UTF-8."
        return None


class NulCharacters(TextCheck, identifier="nul-characters", order=10):
    def problem(self, value: str, limits: Limits) -> str | None:
        return "The text contains NUL bytes; upload plain text only." if "\x00" in value else None


class ControlCharacters(TextCheck, identifier="control-characters", order=20):
    def problem(self, value: str, limits: Limits) -> str | None:
        if not value:
            return None
        share = (len(value) - len(value.translate(_DELETE_CONTROL_CHARS))) / len(value)
        if share <= BINARY_RATIO:
            return None
        return f"The text looks binary: {share:.0%} of its characters are control characters."


class Empty(TextCheck, identifier="empty", order=30):
    def problem(self, value: str, limits: Limits) -> str | None:
        return "The text is empty." if not value else None


class TooLong(TextCheck, identifier="too-long", order=40):
    def problem(self, value: str, limits: Limits) -> str | None:
        if len(value) <= limits.max_chars:
            return None
        return f"The text has {len(value):,} characters; the limit is {limits.max_chars:,}."
