"""JSON Lines, plain or compressed with gzip or zstandard: one JSON object per line.

Keys follow schema order, text is written as UTF-8 (``ensure_ascii=False``)
and timestamps as ISO-8601 UTC with milliseconds (``2024-05-01T12:00:00.000Z``),
so the same rows always give the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol

import pyarrow as pa  # type: ignore[import-untyped]
import zstandard

from safedata.records.base import RecordReader, RecordWriter, register_reader, register_writer
from safedata.records.errors import RecordFormatError
from safedata.records.jsontext import JsonInputError, parse_json
from safedata.records.schema import SCHEMA, rows_to_batch, validate_row

GZIP_LEVEL = 6
ZSTD_LEVEL = 10


class _ByteStream(Protocol):
    """What the writers need of a (compressing) byte stream."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> object: ...

    def close(self) -> None: ...


def iso_timestamp(value: datetime) -> str:
    """``value`` (UTC) as ISO-8601 with milliseconds and a ``Z``."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    return iso_timestamp(value) if isinstance(value, datetime) else value


def encode_lines(batch: pa.RecordBatch) -> bytes:
    """The rows of ``batch`` as JSON lines, keys in column order."""
    names = batch.schema.names
    columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
    lines = [
        json.dumps(
            {name: _json_value(value) for name, value in zip(names, row, strict=True)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in zip(*columns, strict=True)
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


@register_writer
class JsonlWriter(RecordWriter):
    """Uncompressed JSON Lines."""

    identifier: ClassVar[str] = "jsonl"
    suffix: ClassVar[str] = ".jsonl"
    media_type: ClassVar[str] = "application/jsonl; charset=utf-8"

    def _start(self, sink: BinaryIO) -> None:
        self._stream = self._compress(sink)

    def _compress(self, sink: BinaryIO) -> _ByteStream:
        return sink

    def _write(self, batch: pa.RecordBatch) -> None:
        self._stream.write(encode_lines(batch))

    def _finish(self) -> None:
        self._stream.flush()


@register_writer
class JsonlGzipWriter(JsonlWriter):
    """Gzip-compressed JSON Lines, without file name or time stamp in the header."""

    identifier: ClassVar[str] = "jsonl.gz"
    suffix: ClassVar[str] = ".jsonl.gz"
    media_type: ClassVar[str] = "application/gzip"

    def _compress(self, sink: BinaryIO) -> _ByteStream:
        return gzip.GzipFile(
            filename="", mode="wb", fileobj=sink, compresslevel=GZIP_LEVEL, mtime=0
        )

    def _finish(self) -> None:
        self._stream.close()


@register_writer
class JsonlZstdWriter(JsonlWriter):
    """Zstandard-compressed JSON Lines (one frame, single-threaded, so deterministic)."""

    identifier: ClassVar[str] = "jsonl.zst"
    suffix: ClassVar[str] = ".jsonl.zst"
    media_type: ClassVar[str] = "application/zstd"

    def _compress(self, sink: BinaryIO) -> _ByteStream:
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        return compressor.stream_writer(sink, closefd=False)

    def _finish(self) -> None:
        self._stream.close()


def open_lines(path: Path) -> io.BufferedIOBase:
    """A binary stream of the decompressed content of a ``.jsonl[.gz|.zst]`` file."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zst"):
        reader = zstandard.ZstdDecompressor().stream_reader(path.open("rb"), closefd=True)
        return io.BufferedReader(reader)
    return path.open("rb")


def iter_json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; bad lines raise ``RecordFormatError``."""
    try:
        with open_lines(path) as stream:
            for number, raw in enumerate(stream, start=1):
                if raw.strip():
                    yield number, _parse_line(path, number, raw)
    except (EOFError, zstandard.ZstdError, gzip.BadGzipFile) as error:
        raise RecordFormatError.at(str(path), None, f"corrupt compressed data: {error}") from error


def _parse_line(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    try:
        value = parse_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RecordFormatError.at(str(path), number, "not valid UTF-8") from None
    except JsonInputError as error:
        raise RecordFormatError.at(str(path), number, f"invalid JSON: {error.message}") from None
    if not isinstance(value, dict):
        raise RecordFormatError.at(str(path), number, "expected a JSON object")
    return value


def _with_extras(path: Path, batch: pa.RecordBatch, extras: list[dict[str, Any]]) -> pa.RecordBatch:
    """``batch`` with a column for each key beyond the schema, its type inferred."""
    for name in dict.fromkeys(key for extra in extras for key in extra):
        try:
            column = pa.array([extra.get(name) for extra in extras])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            problem = f"extra field {name!r} mixes types"
            raise RecordFormatError.at(str(path), None, problem) from None
        batch = batch.append_column(name, column)
    return batch


@register_reader
class JsonlReader(RecordReader):
    """Reads JSON Lines, checking every line against the schema."""

    identifier: ClassVar[str] = "jsonl"
    suffix: ClassVar[str] = ".jsonl"

    def iter_batches(
        self, path: Path, batch_size: int, keep_extra: bool
    ) -> Iterator[pa.RecordBatch]:
        rows: list[tuple[Any, ...]] = []
        extras: list[dict[str, Any]] = []
        for number, obj in iter_json_objects(path):
            rows.append(self._row(path, number, obj))
            if keep_extra:
                extras.append({k: v for k, v in obj.items() if k not in SCHEMA.names})
            if len(rows) == batch_size:
                yield self._batch(path, rows, extras, keep_extra)
                rows, extras = [], []
        if rows:
            yield self._batch(path, rows, extras, keep_extra)

    @staticmethod
    def _row(path: Path, number: int, obj: dict[str, Any]) -> tuple[Any, ...]:
        try:
            return validate_row(obj)
        except RecordFormatError as error:
            raise RecordFormatError.at(str(path), number, str(error)) from None

    @staticmethod
    def _batch(
        path: Path, rows: list[tuple[Any, ...]], extras: list[dict[str, Any]], keep_extra: bool
    ) -> pa.RecordBatch:
        batch = rows_to_batch(rows)
        return _with_extras(path, batch, extras) if keep_extra else batch


@register_reader
class JsonlGzipReader(JsonlReader):
    """Reads gzip-compressed JSON Lines."""

    identifier: ClassVar[str] = "jsonl.gz"
    suffix: ClassVar[str] = ".jsonl.gz"


@register_reader
class JsonlZstdReader(JsonlReader):
    """Reads zstandard-compressed JSON Lines."""

    identifier: ClassVar[str] = "jsonl.zst"
    suffix: ClassVar[str] = ".jsonl.zst"
