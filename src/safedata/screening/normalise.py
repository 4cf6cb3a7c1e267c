"""Text normalisation: the form in which a document is stored and identified.

The identifier itself is ``safedata.records.text_sha256`` of the normalised text.
"""

from __future__ import annotations

import unicodedata


def normalise_text(text: str) -> str:
    """Unicode NFC, ``\\n`` line endings, no surrounding whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()
