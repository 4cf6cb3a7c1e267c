"""Record files encoded batch by batch into chunks of bytes, for streamed responses. Pure."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

import pyarrow as pa  # type: ignore[import-untyped]

from safedata.records.base import open_writer


class ChunkSink(io.RawIOBase):
    """A binary sink that keeps what a writer wrote until it is drained."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def encode_stream(
    batches: Iterable[pa.RecordBatch], fmt: str, schema: pa.Schema | None = None
) -> Iterator[bytes]:
    """The bytes of a file of format ``fmt``, produced batch by batch."""
    sink = ChunkSink()
    writer = open_writer(cast(BinaryIO, sink), fmt, schema)
    try:
        for batch in batches:
            writer.write_batch(batch)
            chunk = sink.drain()
            if chunk:
                yield chunk
        writer.close()
    except BaseException:
        writer.abort()
        raise
    yield sink.drain()
