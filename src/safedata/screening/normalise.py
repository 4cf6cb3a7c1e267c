"""Text normalisation and the content identifier of a document."""

from __future__ import annotations

import hashlib
import unicodedata


def normalise_text(text: str) -> str:
    """Unicode NFC, ``\\n`` line endings, no surrounding whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def content_sha256(normalised: str) -> str:
    """The SHA-256 (hex) of the UTF-8 encoding of already normalised text."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
