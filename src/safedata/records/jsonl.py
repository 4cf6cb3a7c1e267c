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
from typing import Any, BinaryIO, Protocol

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import zstandard

from safedata.records.base import Extras, RecordWriter, RowReader
from safedata.records.errors import RecordFormatError
from safedata.records.jsontext import JsonInputError, parse_json
from safedata.records.schema import SCHEMA, validate_row

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


def _dumps(value: Any) -> str:
    return json.dumps(_json_value(value), ensure_ascii=False, separators=(",", ":"))


# JSON escapes that ``json.dumps`` writes as two characters, backslash first so that
# the backslashes added by the others are not doubled.
_SHORT_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
# Control characters left after those: rare, so their rows go through ``json.dumps``.
_OTHER_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"
_OTHER_CONTROL_BYTES = np.array([b for b in range(0x20) if chr(b) not in "\n\r\t"], dtype=np.uint8)

Encoded = tuple[str, pa.Array, str]
"""A column's JSON text: what goes before each value, the values, and what goes after."""


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of large-string arrays and literal strings."""
    values = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*values, pa.scalar("", pa.large_string()))


def _data_bytes(strings: pa.Array) -> np.ndarray[Any, np.dtype[np.uint8]] | None:
    """The bytes of the strings' data buffer as a NumPy view (no copy), or None when empty.

    A sliced array's buffer may hold bytes of other rows too: callers only use it to
    decide whether a pass is needed, so those bytes cost a pass, never a wrong value.
    """
    data = strings.buffers()[2]
    if data is None or data.size == 0:
        return None
    return np.frombuffer(data, dtype=np.uint8)


def _escaped(column: pa.Array) -> pa.Array:
    """Each string escaped as ``json.dumps(ensure_ascii=False)`` does, without the quotes.

    Only the escapes whose byte occurs in the data are applied (one NumPy comparison
    over the data buffer decides each, far cheaper than Arrow's ``match_substring``);
    a column with none is returned as it is.
    """
    escaped = column.cast(pa.large_string())
    data = _data_bytes(column)
    if data is None:
        return escaped
    controls = bool(data.min() < 0x20)
    for char, escape in _SHORT_ESCAPES:
        code = ord(char)
        if (code >= 0x20 or controls) and bool((data == code).any()):
            escaped = pc.replace_substring(escaped, char, escape)
    if controls and bool(np.isin(data, _OTHER_CONTROL_BYTES).any()):
        odd = pc.match_substring_regex(column, _OTHER_CONTROL)
        rare = [_dumps(value)[1:-1] for value in column.filter(odd).to_pylist()]
        escaped = pc.replace_with_mask(escaped, odd, pa.array(rare, pa.large_string()))
    return escaped


def _few_values_json(column: pa.Array) -> pa.Array:
    """``json.dumps`` of each distinct value only (numbers and labels repeat a lot)."""
    encoded = pc.dictionary_encode(column)
    words = [_dumps(value) for value in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(words, pa.large_string()), encoded.indices)


def _unquoted_json(column: pa.Array) -> pa.Array:
    """Numbers, booleans and (one value at a time) every other type."""
    if pa.types.is_integer(column.type):
        return column.cast(pa.large_string())
    if pa.types.is_floating(column.type) or pa.types.is_boolean(column.type):
        return _few_values_json(column)
    return pa.array([_dumps(value) for value in column.to_pylist()], pa.large_string())


def _iso_ms_naive(column: pa.Array) -> pa.Array:
    """``2024-05-01T12:00:00.000`` for each UTC timestamp; the ``Z`` is left to the caller.

    Cast without its time zone first: Arrow formats naive timestamps ~40x faster than
    zoned ones (which it converts one value at a time), and the instants are UTC.
    """
    naive = column.cast(pa.timestamp("ms"))
    return pc.replace_substring(naive.cast(pa.large_string()), " ", "T", max_replacements=1)


def _column_json(column: pa.Array) -> Encoded:
    """The JSON text of each value of ``column`` (large strings).

    Quotes around strings are left to the literals between columns, saving a
    concatenation, unless the column has nulls (``null`` has no quotes).
    """
    dtype = column.type
    quoted = column.null_count == 0
    close = '"'
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        text = _escaped(column)
    elif pa.types.is_timestamp(dtype) and dtype.unit == "ms" and dtype.tz in ("UTC", "+00:00"):
        text, close = _iso_ms_naive(column), 'Z"'
    else:
        return "", pc.fill_null(_unquoted_json(column), "null"), ""
    if quoted:
        return '"', text, close
    return "", pc.fill_null(_join('"', text, close), "null"), ""


def _joined_bytes(lines: pa.Array) -> bytes:
    """The values of a large-string array back to back (its data buffer, sliced)."""
    offsets = lines.buffers()[1]
    first, last = (
        int.from_bytes(offsets[8 * i : 8 * i + 8], "little", signed=True)
        for i in (lines.offset, lines.offset + len(lines))
    )
    data: bytes = lines.buffers()[2][first:last].to_pybytes()
    return data


def encode_lines(batch: pa.RecordBatch) -> bytes:
    """The rows of ``batch`` as JSON lines, keys in column order.

    Encoded a column at a time in Arrow (one line per row is then one element-wise
    join), with exactly the bytes of ``json.dumps(row, ensure_ascii=False,
    separators=(",", ":"))`` per line: a test holds the two to the same output.
    """
    if batch.num_rows == 0:
        return b""
    parts: list[pa.Array | str] = []
    after = "{"
    for i, name in enumerate(batch.schema.names):
        before, values, after_value = _column_json(batch.column(i))
        key = json.dumps(name, ensure_ascii=False)
        parts += [f"{after}{',' if i else ''}{key}:{before}", values]
        after = after_value
    parts.append(after + "}\n")
    return _joined_bytes(_join(*parts))


class JsonlWriter(
    RecordWriter, identifier="jsonl", suffix=".jsonl", media_type="application/jsonl; charset=utf-8"
):
    """Uncompressed JSON Lines."""

    def _start(self, sink: BinaryIO) -> None:
        self._stream = self._compress(sink)

    def _compress(self, sink: BinaryIO) -> _ByteStream:
        return sink

    def _write(self, batch: pa.RecordBatch) -> None:
        self._stream.write(encode_lines(batch))

    def _finish(self) -> None:
        self._stream.flush()


class JsonlGzipWriter(
    JsonlWriter, identifier="jsonl.gz", suffix=".jsonl.gz", media_type="application/gzip"
):
    """Gzip-compressed JSON Lines, without file name or time stamp in the header."""

    def _compress(self, sink: BinaryIO) -> _ByteStream:
        return gzip.GzipFile(
            filename="", mode="wb", fileobj=sink, compresslevel=GZIP_LEVEL, mtime=0
        )

    def _finish(self) -> None:
        self._stream.close()


class JsonlZstdWriter(
    JsonlWriter, identifier="jsonl.zst", suffix=".jsonl.zst", media_type="application/zstd"
):
    """Zstandard-compressed JSON Lines (one frame, single-threaded, so deterministic)."""

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


class JsonlReader(RowReader, reads=JsonlWriter):
    """Reads JSON Lines, checking every line against the schema."""

    def rows(self, path: Path, extras: list[Extras] | None) -> Iterator[tuple[Any, ...]]:
        for number, obj in iter_json_objects(path):
            try:
                row = validate_row(obj)
            except RecordFormatError as error:
                raise RecordFormatError.at(str(path), number, str(error)) from None
            if extras is not None:
                extras.append({k: v for k, v in obj.items() if k not in SCHEMA.names})
            yield row


class JsonlGzipReader(JsonlReader, reads=JsonlGzipWriter):
    """Reads gzip-compressed JSON Lines."""


class JsonlZstdReader(JsonlReader, reads=JsonlZstdWriter):
    """Reads zstandard-compressed JSON Lines."""
