"""The classifier export: every settled document with its label and soft labels.

Files hold the record schema's columns followed by ``soft_unsafe``,
``soft_neutral`` and ``soft_great`` (vote fractions), so the record readers
load them with ``keep_extra=True``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from django.db.models import QuerySet

from safedata.consensus import Status
from safedata.datasets.exporters import EXPORT_FORMATS, export_path
from safedata.datasets.rows import publishable_documents, record_batches
from safedata.documents.models import Document
from safedata.records import SCHEMA, all_or_nothing, open_writer
from safedata.records.files import atomic_write_bytes

SOFT_LABELS = ("soft_unsafe", "soft_neutral", "soft_great")
CLASSIFY_SCHEMA = pa.schema(
    [*SCHEMA, *(pa.field(name, pa.float64(), nullable=False) for name in SOFT_LABELS)],
    metadata=SCHEMA.metadata,
)


def stats_bytes(stats: dict[str, Any]) -> bytes:
    """An export's ``stats.json``."""
    return (json.dumps(stats, indent=2, sort_keys=True) + "\n").encode()


def settled_documents() -> QuerySet[Document]:
    return publishable_documents().filter(status=Status.SETTLED)


def with_soft_labels(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` (record schema) with the share of each rating appended."""
    votes = [pc.cast(batch.column(f"votes_{name[5:]}"), pa.float64()) for name in SOFT_LABELS]
    total = pc.max_element_wise(pc.add(pc.add(votes[0], votes[1]), votes[2]), 1.0)
    shares = [pc.divide(count, total) for count in votes]
    return pa.RecordBatch.from_arrays([*batch.columns, *shares], schema=CLASSIFY_SCHEMA)


def export_classify(out: Path, formats: tuple[str, ...] = EXPORT_FORMATS) -> dict[str, Any]:
    """Write ``classify.jsonl``, ``data/classify.parquet`` and ``stats.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    writers = [
        open_writer(export_path(out, "classify", fmt), fmt, CLASSIFY_SCHEMA) for fmt in formats
    ]
    labels: Counter[str] = Counter()
    with all_or_nothing(writers):
        for records in record_batches(settled_documents()):
            batch = with_soft_labels(records)
            labels.update(batch.column("label").to_pylist())
            for writer in writers:
                writer.write_batch(batch)
    stats = {"documents": sum(labels.values()), "labels": dict(sorted(labels.items()))}
    atomic_write_bytes(out / "stats.json", stats_bytes(stats))
    return stats
