"""The default engine: this machine, in-process for one worker or a pool of processes.

Each worker process loads the model once. Finished shards are skipped, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import sys
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, ClassVar

from tqdm import tqdm

from safedata.classify.engines.base import Engine, ScoringJob, register_engine
from safedata.classify.inputs import WorkUnit, total_documents
from safedata.classify.model import Model
from safedata.classify.shards import ScoreOptions, ShardStats, finished_shard, score_unit

_WORKER: dict[str, Any] = {}
POLL_SECONDS = 0.2


def remove_temporaries(out_dir: Path) -> None:
    """Delete shards left half-written by a killed run (their names start with a dot)."""
    for path in out_dir.glob(".*.parquet.*.tmp"):
        path.unlink(missing_ok=True)


def resume(job: ScoringJob) -> tuple[ShardStats, list[WorkUnit]]:
    """Clear half-written shards; the counts of the units already scored, and the units left."""
    remove_temporaries(job.out_dir)
    total, pending = ShardStats(), []
    for unit in job.units:
        done = finished_shard(job.out_dir, unit, job.model.fingerprint)
        if done is None:
            pending.append(unit)
        else:
            total += done
    return total, pending


def progress_bar(job: ScoringJob, units: list[WorkUnit]) -> tqdm:
    """A docs/s progress bar on stderr, with a total and ETA when the size of ``units`` is known."""
    total = total_documents(units) if job.progress else None
    return tqdm(
        total=total, unit=" docs", desc="scoring", file=sys.stderr, disable=not job.progress
    )


@register_engine
class LocalEngine(Engine):
    """Scores with ``--workers`` processes on this machine."""

    identifier: ClassVar[str] = "local"

    def run(self, job: ScoringJob) -> ShardStats:
        total, pending = resume(job)
        with progress_bar(job, pending) as bar:
            try:
                if job.workers <= 1 or len(pending) <= 1:
                    return total + self._in_process(job, pending, bar)
                return total + self._in_pool(job, pending, bar)
            except BaseException:
                remove_temporaries(job.out_dir)
                raise

    @staticmethod
    def _in_process(job: ScoringJob, units: list[WorkUnit], bar: tqdm) -> ShardStats:
        total = ShardStats()
        for unit in units:
            total += score_unit(job.model, unit, job.out_dir, job.options, bar.update)
        return total

    @staticmethod
    def _in_pool(job: ScoringJob, units: list[WorkUnit], bar: tqdm) -> ShardStats:
        context = multiprocessing.get_context("spawn")
        updates: Any = context.Queue()
        processes = min(job.workers, len(units))
        with context.Pool(processes, _start_worker, (str(job.model_dir), updates)) as pool:
            results = [
                pool.apply_async(_score_in_worker, (unit, job.out_dir, job.options))
                for unit in units
            ]
            _follow(results, updates, bar)
            total = ShardStats()
            for result in results:
                total += result.get()
        return total


def _follow(results: list[AsyncResult[ShardStats]], updates: Any, bar: tqdm) -> None:
    """Move the workers' progress to the bar until every unit is done (or one failed)."""
    while not all(result.ready() for result in results):
        with contextlib.suppress(queue.Empty):
            bar.update(updates.get(timeout=POLL_SECONDS))
        if any(result.ready() and not result.successful() for result in results):
            return
    while not updates.empty():
        bar.update(updates.get())


def _start_worker(model_dir: str, updates: Any) -> None:
    _WORKER["model"] = Model.load(model_dir)
    _WORKER["updates"] = updates


def _score_in_worker(unit: WorkUnit, out_dir: Path, options: ScoreOptions) -> ShardStats:
    return score_unit(_WORKER["model"], unit, out_dir, options, _WORKER["updates"].put)
