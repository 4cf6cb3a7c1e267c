"""Record files encoded batch by batch into chunks of bytes, for streamed responses. Pure."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
    """The bytes of a file of format ``fmt``, produced batch by batch.

    Each batch is encoded in a second thread while this one reads the next (from the
    database, for a download) and hands out the previous chunk: Arrow's compute
    functions and the compressors release the GIL, so the two overlap on two cores.
    One worker encodes the batches in order and the writer is only ever used by one
    thread at a time; on any failure, or when the consumer stops early, the worker
    is drained before the writer is aborted.
    """
    sink = ChunkSink()
    writer = open_writer(cast(BinaryIO, sink), fmt, schema)

    def encode(batch: pa.RecordBatch) -> bytes:
        writer.write_batch(batch)
        return sink.drain()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode-stream")
    try:
        pending: Future[bytes] | None = None
        for batch in batches:
            queued = pool.submit(encode, batch)
            if pending is not None and (chunk := pending.result()):
                yield chunk
            pending = queued
        if pending is not None and (chunk := pending.result()):
            yield chunk
        writer.close()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        writer.abort()
        raise
    finally:
        pool.shutdown(wait=True)
    yield sink.drain()
