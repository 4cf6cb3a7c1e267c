"""The same scorer as a Ray Data pipeline, for a cluster: read → map_batches → write_parquet.

Reading uses this package's own readers as a Ray ``Datasource`` (one read task
per work unit), so ids, line numbers and skipped documents match the local
engine exactly. Scoring runs in a fixed pool of actors that each load the model
once. The pool is sized from the cluster's CPUs so that reading and writing
always keep some: an actor pool that reserves every CPU starves the read tasks
and the job hangs.

Output goes to a hidden staging folder and is moved into place when the whole
job succeeded; a rerun of a finished job does nothing, an interrupted one starts
over.
"""

from __future__ import annotations

import functools
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from safedata.classify.backends.base import import_extra
from safedata.classify.engines.base import Engine, ScoringJob, register_engine
from safedata.classify.errors import InputError
from safedata.classify.inputs import WorkUnit, read_unit
from safedata.classify.model import Model
from safedata.classify.shards import (
    ScoreOptions,
    ShardStats,
    read_run_file,
    score_batch,
    write_run_file,
)

IO_CPUS = 0.25
"""CPUs reserved by each read and write task."""
IO_RESERVE = 0.5
"""CPUs of the cluster left free of actors, for reading and writing."""
DONE_FILE = "_RAY_SUCCESS.parquet"
"""Written when the whole job succeeded: model fingerprint and counts (``write_run_file``)."""
LEGACY_DONE_FILE = "_RAY_SUCCESS.json"
"""The same record as older versions wrote it."""


def actor_cpus(cluster_cpus: float, actors: int) -> float:
    """CPUs per actor: at most one, and never so many that reads and writes get none."""
    share = (cluster_cpus - IO_RESERVE) / actors
    if share <= 0:
        raise InputError(f"a Ray cluster of {cluster_cpus:g} CPUs is too small for {actors} actors")
    return min(1.0, share)


DOC_SCHEMA = pa.schema(
    [("id", pa.string()), ("source", pa.string()), ("line", pa.int64()), ("text", pa.string())]
)


class Tally:
    """A Ray actor counting documents seen and skipped by the read tasks."""

    def __init__(self) -> None:
        self.documents = 0
        self.skipped = 0

    def add(self, documents: int, skipped: int) -> None:
        self.documents += documents
        self.skipped += skipped

    def totals(self) -> tuple[int, int]:
        return self.documents, self.skipped


def read_documents(unit: WorkUnit, options: ScoreOptions, tally: Any) -> Iterator[pa.Table]:
    """The documents with text of a unit, as tables; counts go to the ``tally`` actor."""
    seen = skipped = 0
    for batch in read_unit(unit, options.text_field, options.id_field, options.batch_size):
        seen, skipped = seen + batch.size(), skipped + batch.skipped
        columns = [batch.ids, batch.sources, batch.lines, batch.texts]
        yield pa.Table.from_arrays(
            [pa.array(c, type=f.type) for c, f in zip(columns, DOC_SCHEMA, strict=True)],
            schema=DOC_SCHEMA,
        )
    tally.add.remote(seen, skipped)


class ActorScorer:
    """The ``map_batches`` callable: loads the model once per actor, scores Arrow batches."""

    def __init__(self, model_dir: str, options: ScoreOptions) -> None:
        self.model = Model.load(model_dir)
        self.options = options

    def __call__(self, table: pa.Table) -> pa.Table:
        from safedata.classify.inputs import DocBatch

        batch = DocBatch(
            ids=table.column("id").to_pylist(),
            sources=table.column("source").to_pylist(),
            lines=table.column("line").to_pylist(),
            texts=table.column("text").to_pylist(),
        )
        return score_batch(self.model, batch, self.options)


def _datasource(ray: Any, units: list[WorkUnit], options: ScoreOptions, tally: Any) -> Any:
    """A Ray ``Datasource`` with one read task per work unit."""
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    class UnitDatasource(Datasource):
        def get_read_tasks(
            self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
        ) -> list[ReadTask]:
            return [
                ReadTask(
                    functools.partial(read_documents, unit, options, tally),
                    BlockMetadata(None, None, None, input_files=unit.paths),
                    schema=DOC_SCHEMA,
                )
                for unit in units
            ]

        def estimate_inmemory_data_size(self) -> int | None:
            return None

    return UnitDatasource()  # type: ignore[no-untyped-call]


@register_engine
class RayEngine(Engine):
    """Scores on a Ray cluster (``--address``) or a local Ray instance; needs ``safedata[ray]``."""

    identifier: ClassVar[str] = "ray"

    def run(self, job: ScoringJob) -> ShardStats:
        ray = import_extra("ray", "ray")
        previous = _previous_record(job.out_dir)
        if previous is not None:
            return _previous_result(previous, job)
        if not ray.is_initialized():
            ray.init(address=job.address, include_dashboard=False, logging_level="WARNING")
        ray.data.DataContext.get_current().enable_progress_bars = job.progress
        staging = job.out_dir / f".ray-staging-{uuid.uuid4().hex}"
        try:
            stats = self._pipeline(ray, job, staging)
            _publish(staging, job.out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        record = {"model": job.model.fingerprint, "stats": asdict(stats)}
        write_run_file(job.out_dir / DONE_FILE, record)
        return stats

    @staticmethod
    def _pipeline(ray: Any, job: ScoringJob, staging: Path) -> ShardStats:
        actors = max(1, job.workers)
        cpus = actor_cpus(ray.cluster_resources().get("CPU", 1.0), actors)
        tally = ray.remote(Tally).options(num_cpus=0).remote()
        source = _datasource(ray, job.units, job.options, tally)
        dataset = ray.data.read_datasource(source, num_cpus=IO_CPUS).map_batches(
            ActorScorer,
            fn_constructor_args=(str(job.model_dir), job.options),
            batch_format="pyarrow",
            batch_size=job.options.batch_size,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus,
        )
        dataset.write_parquet(str(staging), ray_remote_args={"num_cpus": IO_CPUS})
        written = sum(pq.read_metadata(p).num_rows for p in staging.glob("*.parquet"))
        documents, skipped = ray.get(tally.totals.remote())
        return ShardStats(
            documents=documents, scored=documents - skipped, skipped=skipped, written=written
        )


def _publish(staging: Path, out_dir: Path) -> None:
    for index, path in enumerate(sorted(staging.glob("*.parquet"))):
        path.rename(out_dir / f"ray-part-{index:05d}.parquet")


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
