"""Upload screening: pure checks on raw bytes and text, and the bulk JSONL parser.

Never imports Django: the web app, the JSON API and the command line all call it
with explicit ``Limits``. A check is a registered class with an identifier; a
new check is one new class decorated with ``@register``.
"""

from __future__ import annotations

from safedata.screening import checks as _builtin_checks  # noqa: F401  (registers them)
from safedata.screening.base import (
    ByteCheck,
    Check,
    Limits,
    ScreeningError,
    TextCheck,
    byte_checks,
    register,
    registered,
    screen_bytes,
    screen_text,
    text_checks,
)
from safedata.screening.normalise import content_sha256, normalise_text

__all__ = [
    "ByteCheck",
    "Check",
    "Limits",
    "ScreeningError",
    "TextCheck",
    "byte_checks",
    "content_sha256",
    "normalise_text",
    "register",
    "registered",
    "screen_bytes",
    "screen_text",
    "text_checks",
]
