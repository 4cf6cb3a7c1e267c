"""Honest metrics for three-label probabilities, and temperature calibration.

Labels are indices into ``LABELS`` (unsafe 0, neutral 1, great 2); probabilities
are (n, 3) matrices in the same order.
"""

from __future__ import annotations

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


def classification_metrics(labels: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
    """Macro-F1, accuracy, per-label precision/recall, ROC-AUCs, confusion matrix, ECE, log loss."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    predicted = probs.argmax(axis=1)
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


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities rescaled as softmax(log p / T): T > 1 softens, T < 1 sharpens."""
    logits = np.log(np.clip(probs, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit_temperature(labels: np.ndarray, probs: np.ndarray) -> float:
    """The temperature that minimises the log loss of ``probs`` (searched in [0.05, 20])."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(labels))

    def loss(log_t: float) -> float:
        scaled = apply_temperature(probs, float(np.exp(log_t)))
        return float(-np.log(np.clip(scaled[rows, labels], 1e-12, 1.0)).mean())

    result = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


def cross_fitted_calibration(
    labels: np.ndarray, probs: np.ndarray, folds: np.ndarray
) -> np.ndarray:
    """Out-of-fold probabilities calibrated with a temperature fitted on the other folds only."""
    calibrated = np.empty_like(probs)
    for fold in np.unique(folds):
        held = folds == fold
        temperature = fit_temperature(labels[~held], probs[~held])
        calibrated[held] = apply_temperature(probs[held], temperature)
    return calibrated
