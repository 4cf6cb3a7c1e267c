"""File responses with single-range HTTP Range support (206, 416, ``Accept-Ranges``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from safedata.datasets.streaming import CHUNK_BYTES

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class UnsatisfiableRangeError(ValueError):
    """The requested range lies outside the file."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range, or ``None`` to send the whole file.

    Headers this cannot parse, or with several ranges, are ignored as RFC 9110 allows.
    """
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first_text, last_text = match.groups()
    if first_text == "":
        length = int(last_text)
        if length == 0:
            raise UnsatisfiableRangeError(header)
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or (last_text and int(last_text) < first):
        raise UnsatisfiableRangeError(header)
    return first, last


def _read(path: Path, first: int, last: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def file_response(
    request: HttpRequest, path: Path, filename: str, content_type: str, etag: str | None = None
) -> HttpResponse | StreamingHttpResponse:
    """``path`` as an attachment with ``Content-Length``, honouring a single ``Range``."""
    size = path.stat().st_size
    try:
        requested = parse_range(request.headers.get("Range", ""), size)
    except UnsatisfiableRangeError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if requested is not None and etag and request.headers.get("If-Range", etag) != etag:
        requested = None
    first, last = requested if requested is not None else (0, size - 1)
    streamed = StreamingHttpResponse(
        _read(path, first, last), status=206 if requested else 200, content_type=content_type
    )
    streamed["Content-Length"] = str(last - first + 1 if size else 0)
    if requested is not None:
        streamed["Content-Range"] = f"bytes {first}-{last}/{size}"
    streamed["Accept-Ranges"] = "bytes"
    streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag:
        streamed["ETag"] = etag
    return streamed
