"""Registered output formats (writers) and readers, chosen by format identifier or file suffix.

Each format is one registered class with an identifier, a media type, a file
suffix and a streaming writer: downloads, snapshots and exports all read this
one registry, so a new format is one new module.

A writer encodes batches to a binary sink. Given a path, it writes through
:class:`~safedata.records.files.AtomicFile`, so a reader never sees a
half-written file. By default batches are checked against the record schema;
exports with other columns pass their own ``schema``.
"""

from __future__ import annotations

import io
import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, ClassVar, cast

import pyarrow as pa  # type: ignore[import-untyped]

from safedata.records.errors import RecordFormatError
from safedata.records.files import AtomicFile
from safedata.records.schema import (
    SCHEMA,
    Record,
    batch_to_records,
    conform_batch,
    records_to_batch,
    rows_to_batch,
)

DEFAULT_BATCH_SIZE = 10_000
_WRITERS: dict[str, type[RecordWriter]] = {}
_READERS: dict[str, type[RecordReader]] = {}


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
    """Writes record batches in one file format to a path or a binary sink.

    A format declares itself in its class statement, which registers it:
    ``class CsvWriter(RecordWriter, identifier="csv", suffix=".csv", media_type=...)``.
    """

    identifier: ClassVar[str]
    """Format identifier, e.g. ``jsonl.gz``."""
    suffix: ClassVar[str]
    """File name suffix of the format, e.g. ``.jsonl.gz``."""
    media_type: ClassVar[str]
    """HTTP ``Content-Type`` of a file in this format."""

    def __init_subclass__(
        cls, *, identifier: str, suffix: str, media_type: str, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.identifier = identifier
        cls.suffix = suffix
        cls.media_type = media_type
        _WRITERS[identifier] = cls

    def __init__(
        self, target: str | os.PathLike[str] | BinaryIO, schema: pa.Schema | None = None
    ) -> None:
        self.schema: pa.Schema = SCHEMA if schema is None else schema
        self.rows = 0
        self._file: AtomicFile | None = None
        if isinstance(target, str | os.PathLike):
            self._file = AtomicFile(target)
            self._sink: BinaryIO = self._file.sink
        else:
            self._sink = cast(BinaryIO, AppendOnlySink(target))
        self._closed = False
        self._start(self._sink)

    @abstractmethod
    def _start(self, sink: BinaryIO) -> None:
        """Prepare to encode into ``sink``."""

    @abstractmethod
    def _write(self, batch: pa.RecordBatch) -> None:
        """Encode one batch already conformed to ``self.schema``."""

    @abstractmethod
    def _finish(self) -> None:
        """Write whatever the format needs at its end and flush, leaving the sink open."""

    def _abandon(self) -> None:  # noqa: B027  (most formats have nothing to release)
        """Release the encoder without finishing the file."""

    def write_batch(self, batch: pa.RecordBatch | Sequence[Record]) -> None:
        """Append records, given as an Arrow batch (in ``schema``) or a list of ``Record``."""
        if self._closed:
            raise ValueError("write to a closed record writer")
        if not isinstance(batch, pa.RecordBatch):
            batch = records_to_batch(batch)
        elif self.schema is SCHEMA:
            batch = conform_batch(batch, self._name())
        elif not batch.schema.equals(self.schema):
            raise ValueError(f"{self._name()}: batch schema differs from the writer's schema")
        self.rows += batch.num_rows
        self._write(batch)

    def close(self) -> None:
        """Finish the file; a path target appears under its final name only now."""
        if self._closed:
            return
        self._closed = True
        try:
            self._finish()
            self._sink.flush()
        except BaseException:
            self._discard()
            raise
        if self._file is not None:
            self._file.commit()

    def abort(self) -> None:
        """Give up: delete the temporary file of a path target (a sink is left as it is)."""
        self._closed = True
        self._abandon()
        self._discard()

    def _discard(self) -> None:
        if self._file is not None:
            self._file.discard()

    def _name(self) -> str:
        return str(self._file.path) if self._file is not None else f"<{self.identifier} stream>"

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
    """Reads record files of one format as Arrow batches in ``SCHEMA``.

    A reader names the writer whose files it reads, which registers it under that
    format's identifier and suffix: ``class CsvReader(RowReader, reads=CsvWriter)``.
    """

    identifier: ClassVar[str]
    suffix: ClassVar[str]

    def __init_subclass__(cls, *, reads: type[RecordWriter] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if reads is not None:
            cls.identifier = reads.identifier
            cls.suffix = reads.suffix
            _READERS[reads.identifier] = cls

    @abstractmethod
    def iter_batches(
        self, path: Path, batch_size: int, keep_extra: bool
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most ``batch_size`` rows; columns beyond the schema kept on request."""


Extras = dict[str, Any]
"""The values of one row beyond the schema, by column name."""


class RowReader(RecordReader):
    """A reader of a text format that checks one row at a time: ``rows`` yields each
    validated row, and this class batches them with their values beyond the schema."""

    @abstractmethod
    def rows(self, path: Path, extras: list[Extras] | None) -> Iterator[tuple[Any, ...]]:
        """Each row of ``path`` checked against the schema (in its column order); a bad row
        raises ``RecordFormatError``. Given ``extras``, the values of a row beyond the schema
        are appended to it before the row is yielded."""

    def iter_batches(
        self, path: Path, batch_size: int, keep_extra: bool
    ) -> Iterator[pa.RecordBatch]:
        # Extras go into a list beside the rows: a pair per row would cost 10 % of a read.
        extras: list[Extras] | None = [] if keep_extra else None
        rows = self.rows(path, extras)
        while chunk := list(itertools.islice(rows, batch_size)):
            batch = rows_to_batch(chunk)
            if extras is not None:
                batch = with_extras(path, batch, extras)
                extras.clear()
            yield batch


def with_extras(path: Path, batch: pa.RecordBatch, extras: list[Extras]) -> pa.RecordBatch:
    """``batch`` with a column for each key beyond the schema, its type inferred."""
    for name in dict.fromkeys(key for extra in extras for key in extra):
        try:
            column = pa.array([extra.get(name) for extra in extras])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            problem = f"extra field {name!r} mixes types"
            raise RecordFormatError.at(str(path), None, problem) from None
        batch = batch.append_column(name, column)
    return batch


def formats() -> list[str]:
    """The identifiers of the registered formats."""
    return sorted(_WRITERS)


def writer_class(fmt: str) -> type[RecordWriter]:
    """The registered format ``fmt`` (identifier, media type, suffix, writer)."""
    try:
        return _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown record format {fmt!r} (known: {', '.join(formats())})") from None


def media_type(fmt: str) -> str:
    """The ``Content-Type`` of a file in the registered format ``fmt``."""
    return writer_class(fmt).media_type


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format identifier of ``path`` from its suffix (the longest that matches)."""
    name = Path(path).name.lower()
    matches = [r for r in _READERS.values() if name.endswith(r.suffix)]
    if not matches:
        known = ", ".join(sorted(r.suffix for r in _READERS.values()))
        raise RecordFormatError(f"{path}: unknown record file type (expected one of {known})")
    return max(matches, key=lambda r: len(r.suffix)).identifier


@contextmanager
def all_or_nothing(writers: Iterable[RecordWriter]) -> Iterator[None]:
    """Close every writer when the block ends, or abort them all when it raises."""
    opened = list(writers)
    try:
        yield
        for writer in opened:
            writer.close()
    except BaseException:
        for writer in opened:
            writer.abort()
        raise


def open_writer(
    target: str | os.PathLike[str] | BinaryIO, fmt: str, schema: pa.Schema | None = None
) -> RecordWriter:
    """A writer of format ``fmt`` to a path (written atomically) or a binary sink.

    ``schema`` (default: the record schema) is the columns of the batches written.
    """
    return writer_class(fmt)(target, schema)


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
    reader = _READERS[detect_format(path)]()
    try:
        yield from reader.iter_batches(Path(path), batch_size, keep_extra)
    except OSError as error:
        raise RecordFormatError(f"{path}: cannot read: {error}") from error


def read_records(path: str | os.PathLike[str]) -> list[Record]:
    """Every record of a file, validated."""
    return [record for batch in iter_batches(path) for record in batch_to_records(batch)]
