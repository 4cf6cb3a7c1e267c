"""``safedata score`` as a function: check everything, then let an engine do the work."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safedata.classify.engines import ScoringJob, get_engine
from safedata.classify.errors import InputError
from safedata.classify.inputs import expand_inputs, plan_units
from safedata.classify.model import Model
from safedata.classify.shards import ScoreOptions, read_run_file, write_run_file

SUMMARY_FILE = "_summary.parquet"
"""The run's summary, in a file every Parquet reader of the folder skips or reads as no rows."""
LEGACY_SUMMARY_FILE = "summary.json"
"""Where older versions wrote the summary; a rerun replaces it with ``SUMMARY_FILE``."""


def score(
    model_dir: Path,
    inputs: list[str],
    out_dir: Path,
    options: ScoreOptions,
    engine: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Score ``inputs`` into Parquet shards in ``out_dir``; return the summary written there.

    The model and every input are checked before anything is written. The
    folder reads as one table in pandas, pyarrow and polars: the summary goes
    to ``_summary.parquet`` (see ``read_summary``).
    """
    runner = get_engine(engine)
    job = ScoringJob(
        model_dir=model_dir,
        model=Model.load(model_dir),
        units=plan_units(expand_inputs(inputs), options.text_field, options.unit_rows),
        out_dir=out_dir,
        options=options,
        workers=workers,
        address=address,
        progress=progress,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stats = runner.run(job)
    seconds = time.perf_counter() - started
    summary = {
        "model": str(model_dir),
        "model_fingerprint": job.model.fingerprint,
        "engine": engine,
        "inputs": inputs,
        "shards": len(job.units),
        **asdict(stats),
        "seconds": round(seconds, 3),
        "options": asdict(options),
    }
    write_run_file(out_dir / SUMMARY_FILE, summary)
    (out_dir / LEGACY_SUMMARY_FILE).unlink(missing_ok=True)
    return summary


def read_summary(out_dir: Path) -> dict[str, Any]:
    """The summary of the last ``score`` run into ``out_dir``, older versions' folders too."""
    summary = read_run_file(out_dir / SUMMARY_FILE)
    if summary is not None:
        return summary
    legacy = out_dir / LEGACY_SUMMARY_FILE
    if not legacy.exists():
        raise InputError(f"{out_dir}: no {SUMMARY_FILE}; is it a `safedata score` output folder?")
    old: dict[str, Any] = json.loads(legacy.read_text(encoding="utf-8"))
    return old
