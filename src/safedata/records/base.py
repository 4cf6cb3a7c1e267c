"""Registered record writers and readers, chosen by format identifier or file suffix.

A writer encodes batches to a binary sink. Given a path, it writes to a
temporary file in the same folder and renames it on a successful ``close``,
so a reader never sees a half-written file.
"""

from __future__ import annotations

import io
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, ClassVar, TypeVar, cast

import pyarrow as pa  # type: ignore[import-untyped]

from safedata.records.errors import RecordFormatError
from safedata.records.schema import Record, batch_to_records, conform_batch, records_to_batch

DEFAULT_BATCH_SIZE = 10_000
_FILE_MODE = 0o644


class AppendOnlySink(io.RawIOBase):
    """A full binary file interface over a sink that may only have ``write`` (and ``flush``)."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__()
        self._target = sink

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._target.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        flush = getattr(self._target, "flush", None)
        if flush is not None:
            flush()


class RecordWriter(ABC):
    """Writes record batches in one file format to a path or a binary sink."""

    identifier: ClassVar[str]
    """Format identifier, e.g. ``jsonl.gz``."""
    suffix: ClassVar[str]
    """File name suffix of the format, e.g. ``.jsonl.gz``."""

    def __init__(self, target: str | os.PathLike[str] | BinaryIO) -> None:
        self._final: Path | None = None
        self._temp: Path | None = None
        if isinstance(target, str | os.PathLike):
            self._final = Path(target)
            self._sink: BinaryIO = self._open_temporary(self._final)
        else:
            self._sink = cast(BinaryIO, AppendOnlySink(target))
        self._closed = False
        self._start(self._sink)

    def _open_temporary(self, final: Path) -> BinaryIO:
        handle, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
        self._temp = Path(name)
        return os.fdopen(handle, "wb")

    @abstractmethod
    def _start(self, sink: BinaryIO) -> None:
        """Prepare to encode into ``sink``."""

    @abstractmethod
    def _write(self, batch: pa.RecordBatch) -> None:
        """Encode one batch already conformed to ``SCHEMA``."""

    @abstractmethod
    def _finish(self) -> None:
        """Write whatever the format needs at its end and flush, leaving the sink open."""

    def _abandon(self) -> None:  # noqa: B027  (most formats have nothing to release)
        """Release the encoder without finishing the file."""

    def write_batch(self, batch: pa.RecordBatch | Sequence[Record]) -> None:
        """Append records, given as an Arrow batch (in ``SCHEMA``) or a list of ``Record``."""
        if self._closed:
            raise ValueError("write to a closed record writer")
        if isinstance(batch, pa.RecordBatch):
            batch = conform_batch(batch, self._name())
        else:
            batch = records_to_batch(batch)
        self._write(batch)

    def close(self) -> None:
        """Finish the file; a path target appears under its final name only now."""
        if self._closed:
            return
        self._closed = True
        try:
            self._finish()
            self._sink.flush()
            if self._final is not None and self._temp is not None:
                os.fsync(self._sink.fileno())
                self._sink.close()
                os.chmod(self._temp, _FILE_MODE)
                os.replace(self._temp, self._final)
        except BaseException:
            self._discard()
            raise

    def abort(self) -> None:
        """Give up: delete the temporary file of a path target (a sink is left as it is)."""
        self._closed = True
        self._abandon()
        self._discard()

    def _discard(self) -> None:
        if self._temp is not None:
            self._sink.close()
            self._temp.unlink(missing_ok=True)

    def _name(self) -> str:
        return str(self._final) if self._final is not None else f"<{self.identifier} stream>"

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class RecordReader(ABC):
    """Reads record files of one format as Arrow batches in ``SCHEMA``."""

    identifier: ClassVar[str]
    suffix: ClassVar[str]

    @abstractmethod
    def iter_batches(
        self, path: Path, batch_size: int, keep_extra: bool
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most ``batch_size`` rows; columns beyond the schema kept on request."""


_WRITERS: dict[str, type[RecordWriter]] = {}
_READERS: dict[str, RecordReader] = {}
W = TypeVar("W", bound=type[RecordWriter])
R = TypeVar("R", bound=type[RecordReader])


def register_writer(cls: W) -> W:
    """Class decorator: make a writer available under its ``identifier``."""
    _WRITERS[cls.identifier] = cls
    return cls


def register_reader(cls: R) -> R:
    """Class decorator: make a reader available under its ``identifier``."""
    _READERS[cls.identifier] = cls()
    return cls


def formats() -> list[str]:
    """The identifiers of the registered formats."""
    return sorted(_WRITERS)


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format identifier of ``path`` from its suffix (the longest that matches)."""
    name = Path(path).name.lower()
    matches = [r for r in _READERS.values() if name.endswith(r.suffix)]
    if not matches:
        known = ", ".join(sorted(r.suffix for r in _READERS.values()))
        raise RecordFormatError(f"{path}: unknown record file type (expected one of {known})")
    return max(matches, key=lambda r: len(r.suffix)).identifier


def open_writer(target: str | os.PathLike[str] | BinaryIO, fmt: str) -> RecordWriter:
    """A writer of format ``fmt`` to a path (written atomically) or a binary sink."""
    try:
        cls = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown record format {fmt!r} (known: {', '.join(formats())})") from None
    return cls(target)


def iter_batches(
    path: str | os.PathLike[str],
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_extra: bool = False,
) -> Iterator[pa.RecordBatch]:
    """Stream a record file of any format as batches in ``SCHEMA``.

    The format comes from the suffix. Bad data raises ``RecordFormatError``
    naming the file and the line (or row). With ``keep_extra``, columns beyond
    the schema follow the schema's columns.
    """
    reader = _READERS[detect_format(path)]
    try:
        yield from reader.iter_batches(Path(path), batch_size, keep_extra)
    except OSError as error:
        raise RecordFormatError(f"{path}: cannot read: {error}") from error


def read_records(path: str | os.PathLike[str]) -> list[Record]:
    """Every record of a file, validated."""
    return [record for batch in iter_batches(path) for record in batch_to_records(batch)]
