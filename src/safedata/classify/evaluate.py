"""Evaluate a saved model on labelled data it was not trained on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from safedata.classify.data import load_labelled
from safedata.classify.errors import DataError
from safedata.classify.metrics import classification_metrics
from safedata.classify.model import Model
from safedata.classify.plots import CONFUSION_PNG, RELIABILITY_PNG, confusion_png, reliability_png
from safedata.records.files import atomic_write_bytes

EVALUATION_FILE = "evaluation.json"
PREDICT_BATCH = 4096


def predict_all(model: Model, texts: list[str]) -> np.ndarray:
    """Probabilities for ``texts``, predicted in batches."""
    parts = [
        model.predict_proba(texts[start : start + PREDICT_BATCH])
        for start in range(0, len(texts), PREDICT_BATCH)
    ]
    return np.vstack(parts) if parts else np.zeros((0, 3))


def evaluate(model_dir: Path, data_path: Path, out: Path) -> dict[str, Any]:
    """Metrics of the model on the settled documents of ``data_path``, with PNGs, in ``out``."""
    model = Model.load(model_dir)
    data = load_labelled(data_path)
    if len(data) == 0:
        raise DataError(f"{data_path}: no settled documents to evaluate on")
    probs = predict_all(model, data.texts)
    metrics = classification_metrics(data.labels, probs, model.labels(probs))
    report = {
        "model": str(model_dir),
        "model_fingerprint": model.fingerprint,
        "data": data.provenance.path,
        "snapshot_version": data.provenance.snapshot_version,
        "sha256": data.provenance.sha256,
        "metrics": metrics,
    }
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / EVALUATION_FILE, (json.dumps(report, indent=2) + "\n").encode())
    confusion_png(metrics["confusion"], out / CONFUSION_PNG)
    reliability_png({model.config.backend: (data.labels, probs)}, out / RELIABILITY_PNG)
    return report
