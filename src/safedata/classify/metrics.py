"""Honest metrics for three-label probabilities, and temperature calibration.

Labels are indices into ``LABELS`` (unsafe 0, neutral 1, great 2); probabilities
are (n, 3) matrices in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from safedata.consensus import LABELS, Label

ECE_BINS = 15
UNSAFE = LABELS.index(Label.UNSAFE)
GREAT = LABELS.index(Label.GREAT)


def expected_calibration_error(
    labels: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Top-label ECE: mean |accuracy - confidence| over equal-width confidence bins, weighted."""
    confidence, accuracy, counts = reliability(labels, probs, bins)
    if counts.sum() == 0:
        return 0.0
    filled = counts > 0
    gaps = np.abs(accuracy[filled] - confidence[filled]) * counts[filled]
    return float(gaps.sum() / counts.sum())


def reliability(
    labels: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per confidence bin: mean confidence, accuracy and count of the top label."""
    top = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    index = np.minimum((top * bins).astype(int), bins - 1)
    counts = np.bincount(index, minlength=bins).astype(float)
    safe = np.maximum(counts, 1)
    confidence = np.bincount(index, weights=top, minlength=bins) / safe
    accuracy = np.bincount(index, weights=correct, minlength=bins) / safe
    return confidence, accuracy, counts


def _one_vs_rest_auc(labels: np.ndarray, probs: np.ndarray, label: int) -> float | None:
    from sklearn.metrics import roc_auc_score

    positive = labels == label
    if positive.all() or not positive.any():
        return None
    return float(roc_auc_score(positive, probs[:, label]))


def classification_metrics(
    labels: np.ndarray, probs: np.ndarray, predicted: np.ndarray | None = None
) -> dict[str, Any]:
    """Macro-F1, accuracy, per-label precision/recall, ROC-AUCs, confusion matrix, ECE, log loss.

    Label metrics use ``predicted`` (default: the most probable label); ROC-AUC,
    ECE and log loss use the probabilities.
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    predicted = probs.argmax(axis=1) if predicted is None else predicted
    indices = list(range(len(LABELS)))
    present = sorted(set(labels.tolist()))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=indices, zero_division=0
    )
    clipped = np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0)
    return {
        "documents": len(labels),
        "macro_f1": float(f1_score(labels, predicted, labels=present, average="macro")),
        "accuracy": float((predicted == labels).mean()),
        "per_label": {
            label.value: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(LABELS)
        },
        "roc_auc": {
            "great_vs_rest": _one_vs_rest_auc(labels, probs, GREAT),
            "unsafe_vs_rest": _one_vs_rest_auc(labels, probs, UNSAFE),
        },
        "confusion": confusion_matrix(labels, predicted, labels=indices).tolist(),
        "ece": expected_calibration_error(labels, probs),
        "log_loss": float(-np.log(clipped).mean()),
    }


@dataclass(frozen=True)
class Calibration:
    """softmax(log p / temperature + bias): temperature scaling plus a per-label bias.

    The bias undoes the shift that class-balanced training gives the
    probabilities of rare and common labels; the temperature fixes over- or
    under-confidence.
    """

    temperature: float = 1.0
    bias: tuple[float, ...] = (0.0, 0.0, 0.0)

    def apply(self, probs: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        logits = np.log(np.clip(probs, 1e-12, 1.0)) / self.temperature + np.array(self.bias)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit_calibration(labels: np.ndarray, probs: np.ndarray) -> Calibration:
    """The temperature and biases that minimise the log loss of ``probs``."""
    from scipy.optimize import minimize

    rows = np.arange(len(labels))

    def loss(x: np.ndarray) -> float:
        calibration = Calibration(float(np.exp(x[0])), (0.0, float(x[1]), float(x[2])))
        scaled = calibration.apply(probs)
        return float(-np.log(np.clip(scaled[rows, labels], 1e-12, 1.0)).mean())

    bounds = [(np.log(0.05), np.log(20.0)), (-5.0, 5.0), (-5.0, 5.0)]
    result = minimize(loss, np.zeros(3), method="L-BFGS-B", bounds=bounds)
    x = result.x
    return Calibration(float(np.exp(x[0])), (0.0, float(x[1]), float(x[2])))


def cross_fitted_calibration(
    labels: np.ndarray, probs: np.ndarray, folds: np.ndarray
) -> np.ndarray:
    """Out-of-fold probabilities calibrated with a calibration fitted on the other folds only."""
    calibrated = np.empty_like(probs)
    for fold in np.unique(folds):
        held = folds == fold
        calibrated[held] = fit_calibration(labels[~held], probs[~held]).apply(probs[held])
    return calibrated


COARSE_OFFSETS = np.linspace(-3.0, 3.0, 31)
FINE_OFFSETS = np.linspace(-0.2, 0.2, 21)
"""Offsets tried for each label's log-probability (the first label's stays 0): a coarse grid,
then a fine one around the best, by coordinate ascent."""


@dataclass(frozen=True)
class DecisionRule:
    """The label of a document: argmax(log p + bias), with per-label offsets.

    The offsets are fitted to maximise macro-F1 (the metric the model card
    reports) on out-of-fold probabilities. They change which label is reported,
    never the probabilities: rare labels can win with less than the top
    probability, as balanced classification needs.
    """

    bias: tuple[float, ...] = (0.0, 0.0, 0.0)

    def labels(self, probs: np.ndarray) -> np.ndarray:
        """The label index of each row of ``probs``."""
        scores = np.log(np.clip(probs, 1e-12, 1.0)) + np.array(self.bias)
        return np.asarray(scores.argmax(axis=1))


def macro_f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels present in ``labels`` (sklearn's definition, vectorised)."""
    present = np.unique(labels)
    n = len(LABELS)
    confusion = np.bincount(labels * n + predicted, minlength=n * n).reshape(n, n)
    hits = np.diag(confusion)[present]
    totals = confusion.sum(axis=1)[present] + confusion.sum(axis=0)[present]
    return float(np.mean(np.where(totals > 0, 2 * hits / np.maximum(totals, 1), 0.0)))


def fit_decision_rule(labels: np.ndarray, probs: np.ndarray) -> DecisionRule:
    """The offsets with the best macro-F1, by coordinate ascent (plain argmax unless better)."""
    logs = np.log(np.clip(probs, 1e-12, 1.0))
    bias = np.zeros(probs.shape[1])
    best = macro_f1(labels, logs.argmax(axis=1))
    for grid, relative in ((COARSE_OFFSETS, False), (FINE_OFFSETS, True)):
        for _ in range(2):
            for label in range(1, len(bias)):
                for offset in grid + (bias[label] if relative else 0.0):
                    trial = bias.copy()
                    trial[label] = offset
                    score = macro_f1(labels, (logs + trial).argmax(axis=1))
                    if score > best + 1e-12:
                        bias, best = trial, score
    return DecisionRule(tuple(float(b) for b in bias))


def cross_fitted_labels(labels: np.ndarray, probs: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Out-of-fold labels, each fold's by a decision rule fitted on the other folds only."""
    predicted = np.empty(len(labels), dtype=int)
    for fold in np.unique(folds):
        held = folds == fold
        predicted[held] = fit_decision_rule(labels[~held], probs[~held]).labels(probs[held])
    return predicted
