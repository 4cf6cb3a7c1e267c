"""Small helpers shared by the dataset tests (imported, not fixtures)."""

from __future__ import annotations

from typing import Any


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def body(response: Any) -> bytes:
    """The whole body of a response, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)
