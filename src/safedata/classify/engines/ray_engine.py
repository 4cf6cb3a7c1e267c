"""The same scorer on a Ray cluster: Ray Data hands whole work units to a pool of actors.

The dataset holds one row per work unit (its index); ``map_batches`` runs on a
fixed ``ActorPoolStrategy`` whose actors each load the model once and score a
unit exactly as the local engine does (``score_unit``: our reader, the model,
an atomic Parquet shard under the unit's own name). Reading, scoring and writing
are fused in the actor, so no document crosses Ray's object store: only unit
indices go out and four counts per unit come back. A profile of the earlier
pipeline (read tasks → ``map_batches`` → ``write_parquet``) on 2 cores found
its time in Ray Data's plumbing, not in the model: each read task's output cut
into 25 blocks of 50 documents, re-bundled for the actor, converted to Python
lists and back, and separate read and write worker processes competing with
the actor for the same CPUs (docs/classify.md, "Scaling model").

The output is the local engine's, shard for shard (same names, same rows, same
metadata), so a run resumes like a local one: finished shards are skipped,
half-written ones removed, and either engine can finish what the other began.
Every node must see the input and output paths (a shared file system), as with
Ray Data's own readers and writers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from safedata.classify.backends.base import import_extra
from safedata.classify.engines.base import Engine, ScoringJob, register_engine
from safedata.classify.engines.local import remove_temporaries, resume
from safedata.classify.errors import InputError
from safedata.classify.inputs import WorkUnit
from safedata.classify.model import Model
from safedata.classify.shards import (
    ScoreOptions,
    ShardStats,
    read_run_file,
    score_unit,
)

DONE_FILE = "_RAY_SUCCESS.parquet"
"""Where versions before shard-per-unit output recorded a finished job (read, never written)."""
LEGACY_DONE_FILE = "_RAY_SUCCESS.json"
"""The same record as still older versions wrote it."""
COUNTS = ("documents", "scored", "skipped", "written")


def actor_cpus(cluster_cpus: float, actors: int) -> float:
    """CPUs per actor: at most one, and never more than the cluster can give every actor.

    Actors read and write themselves, so no CPU needs to be kept for read or
    write tasks; a pool that asks for more than the cluster has never starts.
    """
    if cluster_cpus <= 0:
        raise InputError(f"a Ray cluster of {cluster_cpus:g} CPUs is too small for {actors} actors")
    return min(1.0, cluster_cpus / actors)


class UnitScorer:
    """The ``map_batches`` callable: loads the model once per actor, scores whole units."""

    def __init__(
        self, model_dir: str, units: list[WorkUnit], out_dir: str, options: ScoreOptions
    ) -> None:
        self.model = Model.load(model_dir)
        self.units = units
        self.out_dir = Path(out_dir)
        self.options = options

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        stats = [
            score_unit(self.model, self.units[i], self.out_dir, self.options, _no_progress)
            for i in batch["unit"].tolist()
        ]
        return {name: np.array([getattr(s, name) for s in stats]) for name in COUNTS}


def _no_progress(documents: int) -> None:
    """Progress inside an actor goes nowhere: Ray Data's bars count finished units."""


@register_engine
class RayEngine(Engine):
    """Scores on a Ray cluster (``--address``) or a local Ray instance; needs ``safedata[ray]``."""

    identifier: ClassVar[str] = "ray"

    def run(self, job: ScoringJob) -> ShardStats:
        previous = _previous_record(job.out_dir)
        if previous is not None:
            return _previous_result(previous, job)
        total, pending = resume(job)
        if not pending:
            return total
        try:
            return total + self._pipeline(job, pending)
        except BaseException:
            remove_temporaries(job.out_dir)
            raise

    @staticmethod
    def _pipeline(job: ScoringJob, units: list[WorkUnit]) -> ShardStats:
        ray = import_extra("ray", "ray")
        if not ray.is_initialized():
            ray.init(address=job.address, include_dashboard=False, logging_level="WARNING")
        ray.data.DataContext.get_current().enable_progress_bars = job.progress
        actors = min(max(1, job.workers), len(units))
        cpus = actor_cpus(ray.cluster_resources().get("CPU", 1.0), actors)
        indices = [{"unit": index} for index in range(len(units))]
        counts = ray.data.from_items(indices, override_num_blocks=len(units)).map_batches(
            UnitScorer,
            fn_constructor_args=(str(job.model_dir), units, str(job.out_dir), job.options),
            batch_format="numpy",
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=1),
            num_cpus=cpus,
        )
        total = ShardStats()
        for row in counts.iter_rows():
            total += ShardStats(**{name: int(row[name]) for name in COUNTS})
        return total


def _previous_record(out_dir: Path) -> dict[str, Any] | None:
    record = read_run_file(out_dir / DONE_FILE)
    legacy = out_dir / LEGACY_DONE_FILE
    if record is None and legacy.exists():
        record = json.loads(legacy.read_text(encoding="utf-8"))
    return record


def _previous_result(record: dict[str, Any], job: ScoringJob) -> ShardStats:
    if record["model"] != job.model.fingerprint:
        raise InputError(f"{job.out_dir} holds results of another model; use a new --output")
    return ShardStats(**record["stats"])
