"""Inputs an attacker might send: JSON values of any shape, text with surrogates and NULs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

nasty_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=60
) | st.sampled_from(["\x00", "\ud800", "a\udfffb", "\u202e", "☃" * 10, "", " ", "\r\n"])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | nasty_text
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            nasty_text | st.sampled_from(["text", "rating", "title"]), children, max_size=4
        )
    ),
    max_leaves=12,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode("ascii")


ratings = st.sampled_from(["unsafe", "neutral", "great"]) | nasty_text | scalars

upload_objects = st.fixed_dictionaries(
    {},
    optional={
        "text": nasty_text | scalars,
        "title": nasty_text | scalars,
        "source_url": st.sampled_from(["https://example.org/a", "javascript:x", ""]) | nasty_text,
        "license": st.sampled_from(["CC0-1.0", "CC-BY-4.0", "", "WTFPL"]) | nasty_text,
    },
)

json_bodies: st.SearchStrategy[bytes] = (
    json_values.map(_dumps)
    | upload_objects.map(_dumps)
    | st.fixed_dictionaries({"rating": ratings}).map(_dumps)
    | st.binary(max_size=200)
    | st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n)
    | st.integers(min_value=1, max_value=3000).map(lambda n: b'{"a":' * n)
    | st.integers(min_value=4000, max_value=6000).map(lambda n: b'{"text": ' + b"9" * n + b"}")
)
"""Raw request bodies: valid JSON of any shape, near-misses, bytes, and the known bombs."""
