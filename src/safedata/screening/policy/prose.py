"""Text that is not prose: encoded blobs and walls of minified code.

The thresholds were set by measurement (``benchmarks/screening_fp.py``): no
paragraph of the prose corpus comes near them, while a base64-encoded file or a
minified script shipped in an installed package crosses them at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from safedata.screening.policy.base import (
    PolicyCheck,
    Severity,
    Span,
    match_spans,
    mixes_case_and_digits,
)

BASE64_LINE_CHARS = 40
"""Shortest run of base64 characters that counts as (one line of) a blob."""
BASE64_BLOB_CHARS = 200
"""Fewest base64 characters, over consecutive lines, that make a blob."""
# The look-behind after the first character keeps a failed attempt from rescanning each
# word from every letter.
_BASE64 = re.compile(
    r"[A-Za-z0-9+/](?<![A-Za-z0-9+/].)[A-Za-z0-9+/]{39,}={0,2}(?:\n[A-Za-z0-9+/]{40,}={0,2})*"
)


def _is_blob(match: re.Match[str]) -> bool:
    run = match.group()
    return len(run) - run.count("\n") >= BASE64_BLOB_CHARS and mixes_case_and_digits(run)


class Base64Blob(PolicyCheck, identifier="prose.base64_blob", severity=Severity.LOW):
    reason = (
        "The text contains a long block of encoded data (base64), not prose. Upload the "
        "readable text only."
    )

    def spans(self, text: str) -> Iterator[Span]:
        return match_spans((_BASE64,), text, _is_blob)


CODE_LINE_CHARS = 400
"""Shortest line that can be a code wall; prose paragraphs may be longer, but not dense."""
CODE_SYMBOL_SHARE = 0.2
"""Share of characters that are neither letters, digits nor spaces above which a long
line is code rather than prose."""


def symbol_share(line: str) -> float:
    """The share of characters in ``line`` that are punctuation or symbols."""
    symbols = sum(1 for c in line if not (c.isalnum() or c.isspace()))
    return symbols / len(line) if line else 0.0


class CodeWall(PolicyCheck, identifier="prose.code_wall", severity=Severity.LOW):
    reason = (
        "The text contains very long lines dense with symbols, like minified code, not "
        "prose. Upload readable text only."
    )

    def spans(self, text: str) -> Iterator[Span]:
        start = 0
        for line in text.split("\n"):
            if len(line) >= CODE_LINE_CHARS and symbol_share(line) > CODE_SYMBOL_SHARE:
                yield start, start + len(line)
            start += len(line) + 1
