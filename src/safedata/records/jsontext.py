"""The one parser of untrusted JSON text: request bodies, bulk upload lines, record files.

``json.loads`` alone lets three kinds of input escape as errors that callers
do not expect (and that became 500s): nesting deep enough to exhaust the
recursion limit (``RecursionError``), an integer longer than Python's
4,300-digit conversion limit (a bare ``ValueError``), and a lone UTF-16
surrogate such as ``"\\ud800"``, which parses into a ``str`` that cannot be
encoded as UTF-8 (``UnicodeEncodeError`` later, when the text is hashed or
stored). :func:`parse_json` refuses all three, and invalid JSON, with one
:class:`JsonInputError`.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; every shape we read is far shallower."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JsonInputError(ValueError):
    """Untrusted JSON that was refused; ``message`` says why, as a phrase to put after
    "invalid JSON: " (e.g. ``Expecting value (column 1)``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of the JSON text ``data``, or ``JsonInputError`` saying what is wrong.

    Refused: bytes that are not UTF-8, invalid JSON, nesting deeper than
    ``max_depth``, integers too long to convert, and strings holding a lone
    surrogate (they could never be stored as UTF-8).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _too_deep(raw, max_depth):
        raise JsonInputError(f"nested more than {max_depth} levels deep")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise JsonInputError("not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise JsonInputError(f"{error.msg} (column {error.colno})") from None
    except (ValueError, RecursionError) as error:
        raise JsonInputError(str(error)) from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise JsonInputError("a string holds a lone surrogate (\\ud800 to \\udfff)")
    return value


def _too_deep(raw: bytes, limit: int) -> bool:
    """Whether the brackets of ``raw`` (outside strings) nest deeper than ``limit``.

    Counted without recursion: each pass deletes the innermost ``[]`` pairs,
    one level of nesting, so a shallow text costs a few passes of C code.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    levels = 0
    while brackets and levels <= limit:
        inner_removed = brackets.replace(b"[]", b"")
        if inner_removed == brackets:
            break
        brackets, levels = inner_removed, levels + 1
    # What is left of invalid text is "]]…[[…": its openings still count.
    return levels + brackets.count(b"[") > limit


def _has_lone_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
