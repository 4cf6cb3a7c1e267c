"""Streamed HTTP responses of dataset files: encoded on the fly, or built then sent and deleted."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
from django.http import StreamingHttpResponse

from safedata.records import media_type
from safedata.records.stream import encode_stream

CHUNK_BYTES = 256 * 1024


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def encoded_response(
    batches: Iterable[pa.RecordBatch], fmt: str, filename: str
) -> StreamingHttpResponse:
    """Batches encoded as ``fmt`` while they are sent; the size is unknown, so no length."""
    response = StreamingHttpResponse(encode_stream(batches, fmt), content_type=media_type(fmt))
    return _attachment(response, filename)


def _stream_then_delete(path: Path, folder: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def built_file_response(
    build: Callable[[Path], Path], fmt: str, filename: str, prefix: str
) -> StreamingHttpResponse:
    """Send the file ``build`` writes into a fresh temporary folder, then delete the folder.

    The folder is removed once the file has been sent, or at once when the build
    fails, so a failed build leaves nothing in the temporary directory.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path = build(folder)
        size = path.stat().st_size
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    response = StreamingHttpResponse(
        _stream_then_delete(path, folder), content_type=media_type(fmt)
    )
    response["Content-Length"] = str(size)
    return _attachment(response, filename)
