"""Training: tune on a validation split, cross-validate honestly, calibrate, save a model folder.

Splits keep near-duplicates together (MinHash groups, ``StratifiedGroupKFold``).
Hyperparameters are chosen by macro-F1 on one such split; the reported metrics
come from k-fold cross-validation with the chosen ones; a calibration fitted on
the out-of-fold predictions (temperature and per-label bias) is kept only when,
cross-fitted, it lowers the ECE. The reported label then follows a decision
rule (per-label offsets on the log-probabilities) fitted for macro-F1 on those
predictions, kept only when, cross-fitted, it raises macro-F1; the
probabilities stay calibrated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import safedata
from safedata.classify.backends import Backend, DivergedError, Params, get_backend
from safedata.classify.card import model_card
from safedata.classify.data import LabelledSet, check_trainable, load_labelled
from safedata.classify.errors import DataError
from safedata.classify.metrics import (
    classification_metrics,
    cross_fitted_calibration,
    cross_fitted_labels,
    fit_calibration,
    fit_decision_rule,
)
from safedata.classify.model import CARD_FILE, METRICS_FILE, ModelConfig, write_folder_atomically
from safedata.classify.options import TrainOptions as TrainOptions
from safedata.classify.plots import CONFUSION_PNG, RELIABILITY_PNG, confusion_png, reliability_png
from safedata.consensus import LABELS
from safedata.records.neardup import near_duplicate_groups

log = logging.getLogger(__name__)
FOLD_DUPLICATE_THRESHOLD = 0.7
"""Estimated Jaccard similarity from which two documents must share a fold: lower than the
SFT export's, since a split that separates copies inflates every metric."""
Progress = Callable[[str], None]
"""Told the name of each stage as it starts (``safedata train`` prints them on stderr)."""


def no_progress(stage: str) -> None:
    """Report nothing."""


@dataclass(frozen=True)
class Folds:
    """A fold number per document (cross-validation) and the validation split for tuning."""

    assignment: np.ndarray
    count: int

    def split(self, fold: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the training and held-out documents of ``fold``."""
        held = self.assignment == fold
        return np.flatnonzero(~held), np.flatnonzero(held)


def make_folds(data: LabelledSet, wanted: int, seed: int) -> Folds:
    """Stratified folds that never separate near-duplicates."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = near_duplicate_groups(data.texts, FOLD_DUPLICATE_THRESHOLD)
    smallest = min(count for count in data.class_counts.values() if count)
    count = min(wanted, smallest, len(np.unique(groups)))
    if count < 2:
        raise DataError(
            f"{data.provenance.path}: too few documents for cross-validation "
            "(each label needs at least 2 settled documents)"
        )
    splitter = StratifiedGroupKFold(n_splits=count, shuffle=True, random_state=seed)
    assignment = np.zeros(len(data), dtype=int)
    for fold, (_, held) in enumerate(splitter.split(data.texts, data.labels, groups)):
        assignment[held] = fold
    return Folds(assignment, count)


def sample_weights(data: LabelledSet) -> np.ndarray:
    """Consensus confidence times a class-balancing factor, scaled to a mean of 1."""
    counts = np.bincount(data.labels, minlength=len(LABELS)).astype(float)
    balance = len(data) / (np.count_nonzero(counts) * np.maximum(counts, 1))
    weights = data.confidence * balance[data.labels]
    return np.asarray(weights / weights.mean())


@dataclass(kw_only=True)
class Trainer:
    """One training run over featurized data."""

    data: LabelledSet
    options: TrainOptions
    probe: Backend
    features: np.ndarray
    weights: np.ndarray
    folds: Folds
    progress: Progress = no_progress

    def targets(self, params: Params) -> np.ndarray:
        if params.get("soft"):
            return self.data.soft
        return np.asarray(np.eye(len(LABELS))[self.data.labels])

    def fit_predict(self, params: Params, train: np.ndarray, held: np.ndarray) -> np.ndarray:
        backend = self.probe.with_params(params)
        backend.fit(self.features[train], self.targets(params)[train], self.weights[train])
        return backend.predict_features(self.features[held])

    def candidates(self) -> list[Params]:
        soft_options = {"tune": (False, True), "hard": (False,), "soft": (True,)}
        softs = soft_options[self.options.labels]
        hard = np.eye(len(LABELS))[self.data.labels]
        if np.allclose(self.data.soft, hard):
            softs = (False,)  # vote fractions say nothing beyond the label
        grid = self.probe.param_grid(self.options.quick)
        fixed = self.options.params
        unique = {
            json.dumps({**params, "soft": soft, **fixed}, sort_keys=True): None
            for params in grid
            for soft in softs
        }
        return [json.loads(key) for key in unique]

    def trial(self, params: Params) -> dict[str, Any]:
        """Train on the tuning split's training side; macro-F1 on its validation side."""
        train, held = self.folds.split(0)
        try:
            probs = self.fit_predict(params, train, held)
        except DivergedError as error:
            log.info("tried %s: %s", params, error)
            return {"params": params, "validation_macro_f1": None}
        score = classification_metrics(self.data.labels[held], probs)["macro_f1"]
        log.info("tried %s: validation macro-F1 %.4f", params, score)
        return {"params": params, "validation_macro_f1": score}

    def tune(self) -> tuple[Params, list[dict[str, Any]]]:
        """The grid candidate with the best validation macro-F1 (the first of equals), refined.

        Refinement changes one more hyperparameter at a time from the best so
        far (the backend's ``refinements``) and keeps a change only if it helps.
        """
        candidates = self.candidates()
        self.progress(f"tuning {len(candidates)} candidate(s) on a validation split…")
        trials = [self.trial(params) for params in candidates]
        scored = [trial for trial in trials if trial["validation_macro_f1"] is not None]
        if not scored:
            raise DataError("training diverged for every candidate; fix the parameters")
        best = max(scored, key=lambda trial: trial["validation_macro_f1"])
        for axis in [] if self.options.quick else self.probe.refinements():
            for change in axis:
                if set(change) & set(self.options.params):
                    continue
                trials.append(self.trial({**best["params"], **change}))
                score = trials[-1]["validation_macro_f1"]
                if score is not None and score > best["validation_macro_f1"]:
                    best = trials[-1]
        return dict(best["params"]), trials

    def cross_validate(self, params: Params) -> np.ndarray:
        """Out-of-fold probabilities for every document."""
        probs = np.zeros((len(self.data), len(LABELS)))
        for fold in range(self.folds.count):
            self.progress(f"cross-validation fold {fold + 1}/{self.folds.count}…")
            train, held = self.folds.split(fold)
            probs[held] = self.fit_predict(params, train, held)
        return probs


def prepare(data_path: Path, options: TrainOptions, progress: Progress = no_progress) -> Trainer:
    """Load, check and featurize the training data."""
    progress("reading data…")
    data = load_labelled(data_path)
    progress(f"{data.documents_read:,} documents read, {len(data):,} settled")
    check_trainable(data)
    probe = get_backend(options.backend)({"seed": options.seed, **options.params})
    progress("dedup groups and folds…")
    folds = make_folds(data, options.folds, options.seed)
    progress("featurizing…")
    features = probe.featurize(data.texts)
    return Trainer(
        data=data,
        options=options,
        probe=probe,
        features=features,
        weights=sample_weights(data),
        folds=folds,
        progress=progress,
    )


def train(
    data_path: Path, out: Path, options: TrainOptions, progress: Progress = no_progress
) -> dict[str, Any]:
    """Train a model on ``data_path`` and write its folder to ``out``; return its metrics.

    ``progress`` is told each stage as it starts.
    """
    if out.exists() and any(out.iterdir()):
        raise DataError(f"{out}: already exists and is not empty; choose a new folder")
    trainer = prepare(data_path, options, progress)
    params, trials = trainer.tune()
    raw = trainer.cross_validate(params)
    progress("calibrating and fitting the label rule…")
    labels = trainer.data.labels
    calibrated = cross_fitted_calibration(labels, raw, trainer.folds.assignment)
    metrics = _metrics(trainer, params, trials, raw, calibrated)
    applied = metrics["calibration"]["applied"]
    calibration = asdict(fit_calibration(labels, raw)) if applied else None
    decision = None
    if metrics["label_rule"]["applied"]:
        decision = asdict(fit_decision_rule(labels, calibrated if applied else raw))
        metrics["label_rule"]["bias"] = decision["bias"]
    progress("fitting final model…")
    final = trainer.probe.with_params(params)
    final.fit(trainer.features, trainer.targets(params), trainer.weights)

    def fill(folder: Path) -> None:
        weights = final.save(folder)
        config = ModelConfig(
            backend=options.backend,
            params=final.params,
            weights=weights,
            calibration=calibration,
            training=_training(trainer),
            decision=decision,
        )
        (folder / "config.json").write_text(config.to_json(), encoding="utf-8")
        (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        confusion_png(metrics["cross_validation"]["confusion"], folder / CONFUSION_PNG)
        curves = {"raw": (labels, raw), "calibrated": (labels, calibrated)}
        reliability_png(curves, folder / RELIABILITY_PNG)
        (folder / CARD_FILE).write_text(model_card(config, metrics), encoding="utf-8")

    progress("writing model…")
    write_folder_atomically(out, fill)
    return metrics


def _metrics(
    trainer: Trainer,
    params: Params,
    trials: list[dict[str, Any]],
    raw: np.ndarray,
    calibrated: np.ndarray,
) -> dict[str, Any]:
    labels = trainer.data.labels
    before = classification_metrics(labels, raw)
    after = classification_metrics(labels, calibrated)
    applied = after["ece"] < before["ece"]
    probs, argmax = (calibrated, after) if applied else (raw, before)
    ruled = cross_fitted_labels(labels, probs, trainer.folds.assignment)
    with_rule = classification_metrics(labels, probs, ruled)
    rule_applied = with_rule["macro_f1"] > argmax["macro_f1"]
    return {
        "cross_validation": with_rule if rule_applied else argmax,
        "uncalibrated": before,
        "calibration": {
            "method": "temperature scaling with per-label bias",
            "applied": applied,
            "ece_before": before["ece"],
            "ece_after_cross_fitted": after["ece"],
        },
        "label_rule": {
            "method": "argmax of log-probability plus per-label offsets fitted for macro-F1",
            "applied": rule_applied,
            "macro_f1_argmax": argmax["macro_f1"],
            "macro_f1_cross_fitted": with_rule["macro_f1"],
        },
        "folds": trainer.folds.count,
        "split": "StratifiedGroupKFold over MinHash near-duplicate groups",
        "chosen_params": params,
        "tuning": trials,
    }


def _training(trainer: Trainer) -> dict[str, Any]:
    data = trainer.data
    return {
        "data": data.provenance.path,
        "snapshot_version": data.provenance.snapshot_version,
        "sha256": data.provenance.sha256,
        "documents_read": data.documents_read,
        "settled_documents": len(data),
        "class_counts": data.class_counts,
        "seed": trainer.options.seed,
        "labels_mode": trainer.options.labels,
        "safedata_version": safedata.__version__,
    }
