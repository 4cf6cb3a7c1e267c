"""Labelled documents for training and evaluation, from a snapshot, a records file or an export.

Only settled documents are used. Targets are the consensus label, or soft
targets: the ``soft_*`` columns of a ``safedata export classify`` file when
present, else the vote fractions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from safedata.classify.errors import DataError
from safedata.consensus import LABELS, Status
from safedata.records import RecordFormatError, detect_format, iter_batches
from safedata.records.files import file_sha256
from safedata.records.schema import MANIFEST, VOTE_FIELDS

FORMAT_PREFERENCE = ("parquet", "jsonl.zst", "jsonl.gz", "jsonl", "csv")
"""A snapshot may hold the same rows in several formats: read only the first one present."""
SOFT_COLUMNS = tuple(f"soft_{label.value}" for label in LABELS)
LABEL_INDEX = {label.value: i for i, label in enumerate(LABELS)}


@dataclass(frozen=True)
class Provenance:
    """Where the data came from, recorded in the model's ``config.json``."""

    path: str
    snapshot_version: str | None
    sha256: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class LabelledSet:
    """Settled documents with their labels, soft targets and consensus confidence."""

    texts: list[str]
    labels: np.ndarray
    soft: np.ndarray
    confidence: np.ndarray
    provenance: Provenance
    documents_read: int = 0
    class_counts: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def data_files(path: Path) -> tuple[list[Path], str | None]:
    """The record files of a snapshot folder or a single file, and the snapshot version."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        return [path], None
    version = _manifest_version(path / MANIFEST)
    for fmt in FORMAT_PREFERENCE:
        files = sorted(p for p in path.rglob("*") if p.is_file() and _has_format(p, fmt))
        if files:
            return files, version
    raise DataError(f"{path}: no record files (*.parquet, *.jsonl[.gz|.zst], *.csv) in the folder")


def _has_format(path: Path, fmt: str) -> bool:
    try:
        return detect_format(path) == fmt
    except RecordFormatError:
        return False


def _manifest_version(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        manifest: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: unreadable snapshot manifest: {error}") from None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return None if version is None else str(version)


def load_labelled(path: Path) -> LabelledSet:
    """The settled documents of ``path`` (snapshot folder, records file or export)."""
    files, version = data_files(path)
    parts: list[pa.RecordBatch] = []
    read = 0
    for file in files:
        try:
            for batch in iter_batches(file, keep_extra=True):
                read += batch.num_rows
                parts.append(_settled(batch))
        except RecordFormatError as error:
            raise DataError(str(error)) from None
    provenance = Provenance(str(path), version, {str(f): file_sha256(f) for f in files})
    return _labelled(parts, provenance, read)


def _settled(batch: pa.RecordBatch) -> pa.RecordBatch:
    mask = pc.equal(batch.column("status"), Status.SETTLED.value)
    return batch.filter(mask)


def _labelled(parts: list[pa.RecordBatch], provenance: Provenance, read: int) -> LabelledSet:
    labels = np.array(
        [LABEL_INDEX[v] for batch in parts for v in batch.column("label").to_pylist()], dtype=int
    )
    return LabelledSet(
        texts=[text for batch in parts for text in batch.column("text").to_pylist()],
        labels=labels,
        soft=np.vstack([_soft_targets(batch) for batch in parts] or [np.zeros((0, len(LABELS)))]),
        confidence=np.concatenate(
            [batch.column("confidence").to_numpy() for batch in parts] or [np.zeros(0)]
        ),
        provenance=provenance,
        documents_read=read,
        class_counts={label.value: int((labels == i).sum()) for i, label in enumerate(LABELS)},
    )


def _soft_targets(batch: pa.RecordBatch) -> np.ndarray:
    """Soft targets: export columns if present, else vote fractions, else the label."""
    names = SOFT_COLUMNS if set(SOFT_COLUMNS) <= set(batch.schema.names) else VOTE_FIELDS
    matrix = np.column_stack(
        [batch.column(n).cast(pa.float64()).to_numpy(zero_copy_only=False) for n in names]
    )
    onehot = np.eye(len(LABELS))[[LABEL_INDEX[v] for v in batch.column("label").to_pylist()]]
    totals = matrix.sum(axis=1, keepdims=True)
    return np.where(totals > 0, matrix / np.where(totals > 0, totals, 1), onehot)


def check_trainable(data: LabelledSet) -> None:
    """Refuse data with no settled documents or a single label, naming what was found."""
    where = data.provenance.path
    if len(data) == 0:
        raise DataError(
            f"{where}: no settled documents to train on "
            f"({data.documents_read} documents read, none with status 'settled')"
        )
    present = [label for label, count in data.class_counts.items() if count]
    if len(present) < 2:
        raise DataError(
            f"{where}: training needs at least two labels, but every settled document "
            f"is labelled {present[0]!r}"
        )
