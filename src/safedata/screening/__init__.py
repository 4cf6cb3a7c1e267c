"""Upload screening: the pure upload pipeline, its registered checks, the bulk parser.

Never imports Django: the web app, the JSON API and the command line all call
``screen_upload`` with explicit ``UploadRules``. A check is a registered class
with an identifier; a new check is one new class that names its identifier (and its
``order``) in its class statement, which registers it.
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
from safedata.screening.normalise import normalise_text
from safedata.screening.upload import (
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Metadata,
    ScreenedUpload,
    UploadRules,
    screen_upload,
)

__all__ = [
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "ByteCheck",
    "Check",
    "Limits",
    "Metadata",
    "ScreenedUpload",
    "ScreeningError",
    "TextCheck",
    "UploadRules",
    "byte_checks",
    "normalise_text",
    "register",
    "registered",
    "screen_bytes",
    "screen_text",
    "screen_upload",
    "text_checks",
]
