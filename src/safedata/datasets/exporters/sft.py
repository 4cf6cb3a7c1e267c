"""The fine-tuning export: highly rated documents, near-duplicates removed, split by hash."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from django.db.models import QuerySet

from safedata.consensus import Label
from safedata.datasets.exporters import EXPORT_FORMATS, export_path
from safedata.datasets.exporters.classify import stats_bytes
from safedata.datasets.exporters.dedup import NearDuplicates, split_for
from safedata.datasets.exporters.options import SftOptions as SftOptions
from safedata.datasets.rows import keyset_batches, publishable_documents
from safedata.documents.models import Document
from safedata.records import all_or_nothing, open_writer
from safedata.records.files import atomic_write_bytes

SFT_SCHEMA = pa.schema([pa.field("text", pa.string(), nullable=False)])
SPLITS = ("train", "validation")
CHARS_PER_TOKEN = 4


def candidates(options: SftOptions) -> QuerySet[Document]:
    return publishable_documents().filter(
        label=Label.GREAT,
        votes_total__gte=options.min_votes,
        confidence__gte=options.min_confidence,
    )


def assign_splits(options: SftOptions) -> tuple[dict[int, str], int]:
    """({kept document id: split}, near-duplicates removed), in one pass over the candidates."""
    index = NearDuplicates(options.dedup_threshold)
    kept: dict[int, str] = {}
    removed = 0
    for rows in keyset_batches(candidates(options), "id", ("id", "content_sha256", "text")):
        for document_id, sha, text in rows:
            if index.add(f"{document_id:020d}", text) is None:
                kept[document_id] = split_for(sha, options.val_percent)
            else:
                removed += 1
    return kept, removed


def export_sft(
    out: Path, options: SftOptions, formats: tuple[str, ...] = EXPORT_FORMATS
) -> dict[str, Any]:
    """Write ``train``/``validation`` files of ``{"text": ...}`` and ``stats.json`` into ``out``.

    JSON Lines as ``<split>.jsonl``, Parquet as ``data/<split>.parquet``.
    """
    out.mkdir(parents=True, exist_ok=True)
    kept, removed = assign_splits(options)
    writers = {
        (split, fmt): open_writer(export_path(out, split, fmt), fmt, SFT_SCHEMA)
        for split in SPLITS
        for fmt in formats
    }
    characters: Counter[str] = Counter()
    with all_or_nothing(writers.values()):
        for rows in keyset_batches(candidates(options), "id", ("id", "text")):
            texts: dict[str, list[str]] = {split: [] for split in SPLITS}
            for document_id, text in rows:
                if document_id in kept:
                    texts[kept[document_id]].append(text)
                    characters[kept[document_id]] += len(text)
            for (split, _), writer in writers.items():
                if texts[split]:
                    writer.write_batch(
                        pa.RecordBatch.from_arrays([pa.array(texts[split])], schema=SFT_SCHEMA)
                    )
    stats = sft_stats(options, kept, removed, characters)
    atomic_write_bytes(out / "stats.json", stats_bytes(stats))
    return stats


def sft_stats(
    options: SftOptions, kept: dict[int, str], removed: int, characters: Counter[str]
) -> dict[str, Any]:
    documents = Counter(kept.values())
    return {
        "options": asdict(options),
        "near_duplicates_removed": removed,
        "splits": {
            split: {
                "documents": documents[split],
                "characters": characters[split],
                "approx_tokens": characters[split] // CHARS_PER_TOKEN,
            }
            for split in SPLITS
        },
        "documents": len(kept),
        "characters": sum(characters.values()),
        "approx_tokens": sum(characters.values()) // CHARS_PER_TOKEN,
        "approx_tokens_method": f"characters / {CHARS_PER_TOKEN}",
    }
