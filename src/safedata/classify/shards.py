"""The output shards of ``safedata score``: one Parquet file per work unit, written atomically.

Every shard records, in its Parquet metadata, the fingerprint of the model that
wrote it and its document counts, so a rerun can skip finished shards (and
refuse shards written by another model) and the summary can be rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from safedata.classify.errors import InputError
from safedata.classify.inputs import DocBatch, WorkUnit, read_unit
from safedata.classify.model import Model
from safedata.classify.options import ScoreOptions as ScoreOptions
from safedata.consensus import LABELS, Label
from safedata.records.files import AtomicFile, atomic_write

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), metadata={"description": "The input's id field, as text"}),
        pa.field("source", pa.string(), metadata={"description": "Input file"}),
        pa.field("line", pa.int64(), metadata={"description": "1-based line or row in source"}),
        *[pa.field(f"p_{label.value}", pa.float32()) for label in LABELS],
        pa.field(
            "label",
            pa.string(),
            metadata={"description": "Label by the model's decision rule (see MODEL_CARD.md)"},
        ),
        pa.field("score", pa.float32(), metadata={"description": "p_great - p_unsafe"}),
    ]
)
MODEL_KEY = b"safedata.model"
STATS_KEY = b"safedata.stats"
UNIT_KEY = b"safedata.unit"
RUN_KEY = b"safedata.run"


@dataclass(frozen=True, kw_only=True)
class ShardStats:
    """Counts for one shard."""

    documents: int = 0
    scored: int = 0
    skipped: int = 0
    written: int = 0

    def __add__(self, other: ShardStats) -> ShardStats:
        mine, theirs = asdict(self), asdict(other)
        return ShardStats(**{name: mine[name] + theirs[name] for name in mine})


def score_table(
    probs: np.ndarray, predicted: np.ndarray, batch: DocBatch, options: ScoreOptions
) -> pa.Table:
    """The output rows for a batch, its probabilities and labels, filtered by the threshold."""
    labels = np.array([label.value for label in LABELS])[predicted]
    score = probs[:, LABELS.index(Label.GREAT)] - probs[:, LABELS.index(Label.UNSAFE)]
    columns: list[Any] = [batch.ids, batch.sources, batch.lines]
    columns += [probs[:, i].astype(np.float32) for i in range(len(LABELS))]
    columns += [labels, score.astype(np.float32)]
    table = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, OUTPUT_SCHEMA, strict=True)],
        schema=OUTPUT_SCHEMA,
    )
    if options.threshold is None:
        return table
    keep = probs[:, LABELS.index(Label(options.keep_label))] >= options.threshold
    return table.filter(pa.array(keep))


def score_batch(model: Model, batch: DocBatch, options: ScoreOptions) -> pa.Table:
    """Score the documents of one batch."""
    probs = model.predict_proba(batch.texts)
    return score_table(probs, model.labels(probs), batch, options)


def score_unit(
    model: Model,
    unit: WorkUnit,
    out_dir: Path,
    options: ScoreOptions,
    progress: Callable[[int], None],
) -> ShardStats:
    """Score a unit into its shard, which appears under its final name only when complete."""
    shard = AtomicFile(out_dir / unit.shard_name())
    stats = ShardStats()
    try:
        with pq.ParquetWriter(shard.sink, OUTPUT_SCHEMA, compression="zstd") as writer:
            for batch in read_unit(unit, options.text_field, options.id_field, options.batch_size):
                table = score_batch(model, batch, options)
                writer.write_table(table)
                stats += ShardStats(
                    documents=batch.size(),
                    scored=len(batch.texts),
                    skipped=batch.skipped,
                    written=table.num_rows,
                )
                progress(batch.size())
            writer.add_key_value_metadata(_shard_metadata(model, unit, stats))
    except BaseException:
        shard.discard()
        raise
    shard.commit()
    return stats


def _shard_metadata(model: Model, unit: WorkUnit, stats: ShardStats) -> dict[bytes, bytes]:
    return {
        MODEL_KEY: model.fingerprint.encode(),
        STATS_KEY: json.dumps(asdict(stats)).encode(),
        UNIT_KEY: unit.key().encode(),
    }


def finished_shard(out_dir: Path, unit: WorkUnit, fingerprint: str) -> ShardStats | None:
    """The counts of the unit's shard if a previous run finished it with this model."""
    path = out_dir / unit.shard_name()
    if not path.exists():
        return None
    try:
        metadata = pq.read_metadata(path).metadata or {}
    except (pa.ArrowInvalid, OSError):
        path.unlink()  # cannot happen with atomic writes, but never trust a broken shard
        return None
    if metadata.get(MODEL_KEY, b"").decode() != fingerprint:
        raise InputError(f"{path} was written by another model; score into a new --output folder")
    return ShardStats(**json.loads(metadata[STATS_KEY]))


def write_run_file(path: Path, payload: dict[str, Any]) -> None:
    """Write run metadata as a Parquet file with no rows that holds ``payload`` in its metadata.

    A JSON file among the shards would stop ``polars.read_parquet(folder)``,
    which reads every non-empty file of a folder; this one adds no rows, and its
    leading underscore makes pandas and pyarrow skip it.
    """
    table = OUTPUT_SCHEMA.empty_table().replace_schema_metadata(
        {RUN_KEY: json.dumps(payload, sort_keys=True).encode()}
    )
    with atomic_write(path) as sink:
        pq.write_table(table, sink)


def read_run_file(path: Path) -> dict[str, Any] | None:
    """The payload of a file written by ``write_run_file``; None if there is none."""
    if not path.exists():
        return None
    payload: dict[str, Any] = json.loads((pq.read_schema(path).metadata or {})[RUN_KEY])
    return payload
