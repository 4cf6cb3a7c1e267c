"""``safedata score`` as a function: check everything, then let an engine do the work."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safedata.classify.engines import ScoringJob, get_engine
from safedata.classify.inputs import expand_inputs, plan_units
from safedata.classify.model import Model
from safedata.classify.scoring import ScoreOptions

SUMMARY_FILE = "summary.json"


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

    The model and every input are checked before anything is written.
    """
    runner = get_engine(engine)
    model = Model.load(model_dir)
    units = plan_units(expand_inputs(inputs), options.text_field, options.unit_rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    job = ScoringJob(model_dir, model, units, out_dir, options, workers, address, progress)
    started = time.perf_counter()
    stats = runner.run(job)
    seconds = time.perf_counter() - started
    summary = {
        "model": str(model_dir),
        "model_fingerprint": model.fingerprint,
        "engine": engine,
        "inputs": inputs,
        "shards": len(units),
        **asdict(stats),
        "seconds": round(seconds, 3),
        "options": asdict(options),
    }
    temporary = out_dir / f".{SUMMARY_FILE}.tmp"
    temporary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    temporary.rename(out_dir / SUMMARY_FILE)
    return summary
