"""Documents to score: JSON Lines (plain, .gz, .zst), Parquet, or folders of .txt files.

Inputs are cut into work units (a JSONL file, a run of Parquet row groups, or a
group of text files), each scored into one output shard. A unit yields
``DocBatch``es; documents without text are counted and skipped.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import zstandard

from safedata.classify.errors import InputError
from safedata.records.jsonl import open_lines

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson")
TEXT_FILES_PER_UNIT = 5_000


def input_kind(path: Path) -> str | None:
    """``jsonl``, ``parquet`` or ``text`` from the suffix; None for other files."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".txt"):
        return "text"
    return None


def expand_inputs(patterns: list[str]) -> list[Path]:
    """Files named by paths, folders (searched recursively) and globs, sorted, without repeats."""
    files: dict[Path, None] = {}
    for pattern in patterns:
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
        if not matches:
            raise InputError(f"{pattern}: no such file, folder or matching path")
        for match in matches:
            for file in _files_of(match):
                files[file] = None
    if not files:
        raise InputError(f"no .jsonl[.gz|.zst], .parquet or .txt files in {' '.join(patterns)}")
    return list(files)


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and input_kind(p))
    if input_kind(path) is None:
        raise InputError(f"{path}: unsupported input type (use .jsonl[.gz|.zst], .parquet, .txt)")
    return [path]


@dataclass(frozen=True, kw_only=True)
class WorkUnit:
    """A piece of input scored into one output shard."""

    kind: str
    paths: tuple[str, ...]
    row_groups: tuple[int, ...] = ()
    first_row: int = 0

    def key(self) -> str:
        """A stable description of the unit."""
        return json.dumps([self.kind, self.paths, self.row_groups])

    def shard_name(self) -> str:
        """The output file name of this unit."""
        stem = Path(self.paths[0]).name.split(".")[0][:40]
        digest = hashlib.sha256(self.key().encode("utf-8")).hexdigest()[:16]
        return f"{stem}-{digest}.parquet"


def plan_units(files: list[Path], text_field: str, unit_rows: int) -> list[WorkUnit]:
    """Work units for ``files``; Parquet files are checked and split by row groups."""
    units: list[WorkUnit] = []
    texts = [str(f) for f in files if input_kind(f) == "text"]
    for file in files:
        kind = input_kind(file)
        if kind == "jsonl":
            _check_readable(file)
            units.append(WorkUnit(kind="jsonl", paths=(str(file),)))
        elif kind == "parquet":
            units.extend(_parquet_units(file, text_field, unit_rows))
    for start in range(0, len(texts), TEXT_FILES_PER_UNIT):
        units.append(WorkUnit(kind="text", paths=tuple(texts[start : start + TEXT_FILES_PER_UNIT])))
    return units


def unit_documents(unit: WorkUnit) -> int | None:
    """Documents in a unit, from Parquet metadata or the file count; None for JSONL.

    Counting JSONL lines would read (and decompress) every file once more, so
    its size stays unknown.
    """
    if unit.kind == "text":
        return len(unit.paths)
    if unit.kind == "parquet":
        metadata = pq.ParquetFile(unit.paths[0]).metadata
        return sum(int(metadata.row_group(index).num_rows) for index in unit.row_groups)
    return None


def total_documents(units: list[WorkUnit]) -> int | None:
    """Documents in all ``units``, or None when any unit's size is unknown."""
    sizes = [unit_documents(unit) for unit in units]
    return None if None in sizes else sum(size or 0 for size in sizes)


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None


def _parquet_units(path: Path, text_field: str, unit_rows: int) -> list[WorkUnit]:
    try:
        metadata = pq.ParquetFile(path).metadata
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    if text_field not in metadata.schema.names:
        raise InputError(f"{path}: no column {text_field!r} (use --text-field)")
    units, groups, rows, first = [], [], 0, 0
    for index in range(metadata.num_row_groups):
        groups.append(index)
        rows += metadata.row_group(index).num_rows
        if rows >= unit_rows or index == metadata.num_row_groups - 1:
            units.append(
                WorkUnit(
                    kind="parquet", paths=(str(path),), row_groups=tuple(groups), first_row=first
                )
            )
            first += rows
            groups, rows = [], 0
    return units


@dataclass(kw_only=True)
class DocBatch:
    """Documents with text, where they came from, and how many were skipped."""

    ids: list[str | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    skipped: int = 0

    def add(self, doc_id: Any, source: str, line: int | None, text: Any) -> None:
        """Add a document, or count it as skipped when it has no text."""
        if not isinstance(text, str) or not text.strip():
            self.skipped += 1
            return
        self.ids.append(None if doc_id is None else str(doc_id))
        self.sources.append(source)
        self.lines.append(line)
        self.texts.append(text)

    def size(self) -> int:
        """Documents seen, with text or not."""
        return len(self.texts) + self.skipped


def read_unit(
    unit: WorkUnit, text_field: str, id_field: str, batch_size: int
) -> Iterator[DocBatch]:
    """Stream the documents of a unit in batches of about ``batch_size``."""
    readers = {"jsonl": _read_jsonl, "parquet": _read_parquet, "text": _read_texts}
    yield from readers[unit.kind](unit, text_field, id_field, batch_size)


def _read_jsonl(unit: WorkUnit, text_field: str, id_field: str, size: int) -> Iterator[DocBatch]:
    source = unit.paths[0]
    batch = DocBatch()
    try:
        with open_lines(Path(source)) as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                doc = _json_object(raw) or {}  # a corrupt line counts as a document without text
                batch.add(doc.get(id_field), source, number, doc.get(text_field))
                if batch.size() >= size:
                    yield batch
                    batch = DocBatch()
    except (OSError, EOFError, zstandard.ZstdError) as error:
        raise InputError(f"{source}: cannot read: {error}") from None
    yield batch


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_parquet(unit: WorkUnit, text_field: str, id_field: str, size: int) -> Iterator[DocBatch]:
    source = unit.paths[0]
    parquet = pq.ParquetFile(source)
    columns = [text_field] + ([id_field] if id_field in parquet.schema_arrow.names else [])
    row = unit.first_row
    for table in parquet.iter_batches(batch_size=size, row_groups=unit.row_groups, columns=columns):
        yield _parquet_batch(table, text_field, id_field, source, row)
        row += table.num_rows


def _has_text(texts: pa.Array) -> pa.Array:
    """Mask of the rows holding a string with something besides white space."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        return pa.array([False] * len(texts))
    blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0)
    return pc.fill_null(pc.invert(blank), False)


def _parquet_batch(
    table: pa.RecordBatch, text_field: str, id_field: str, source: str, first_row: int
) -> DocBatch:
    """The documents with text of a Parquet batch, vectorised (no per-row Python checks)."""
    keep = _has_text(table.column(text_field))
    rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    texts = table.column(text_field).filter(keep).to_pylist()
    if id_field in table.schema.names:
        ids = [
            None if v is None else str(v) for v in table.column(id_field).filter(keep).to_pylist()
        ]
    else:
        ids = [None] * len(texts)
    lines: list[int | None] = [int(row) + first_row + 1 for row in rows]
    return DocBatch(
        ids=ids,
        sources=[source] * len(texts),
        lines=lines,
        texts=texts,
        skipped=table.num_rows - len(texts),
    )


def _read_texts(unit: WorkUnit, text_field: str, id_field: str, size: int) -> Iterator[DocBatch]:
    batch = DocBatch()
    for path in unit.paths:
        try:
            text: str | None = Path(path).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            text = None
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
        batch.add(None, path, None, text)
        if batch.size() >= size:
            yield batch
            batch = DocBatch()
    yield batch
