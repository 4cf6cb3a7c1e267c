"""Language detection with py3langid, whose model ships inside the package.

Nothing is downloaded at run time: the model file is part of the installed
wheel and is loaded once, on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

MIN_CONFIDENCE = 0.5
"""Normalised probability below which the detector's answer is discarded."""
MIN_LETTERS = 12
"""Shorter texts carry too little signal to guess a language."""
SAMPLE_CHARS = 5_000
"""Only the start of a long text is examined: it is enough and keeps detection fast."""

COMMON_LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("sv", "Swedish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("tr", "Turkish"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("zh", "Chinese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("id", "Indonesian"),
    ("vi", "Vietnamese"),
]
"""The languages offered by the upload form, as (ISO 639-1 code, English name)."""

_ISO_639_1 = re.compile(r"[a-z]{2}")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``""`` when unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_LETTERS:
        return ""
    code, confidence = _identifier().classify(sample)
    # The model also knows ISO 639-3 codes and "zxx" (no language); only two-letter ones count.
    if confidence < MIN_CONFIDENCE or not _ISO_639_1.fullmatch(code):
        return ""
    return str(code)


def language_name(code: str) -> str:
    """The English name of a common language, else the code itself."""
    return dict(COMMON_LANGUAGES).get(code, code)


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every ISO 639-1 code the detector can return, plus the common list."""
    labels = _identifier().labels
    return frozenset(c for c in labels if _ISO_639_1.fullmatch(c)) | dict(COMMON_LANGUAGES).keys()


def is_known(code: str) -> bool:
    return code in known_codes()
