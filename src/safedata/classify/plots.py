"""PNG figures written next to the metrics: confusion matrix and reliability diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from safedata.classify.metrics import ECE_BINS, reliability
from safedata.consensus import LABELS

CONFUSION_PNG = "confusion.png"
RELIABILITY_PNG = "reliability.png"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_png(confusion: list[list[int]], path: Path) -> None:
    """A confusion matrix, true labels in rows, with counts in the cells."""
    plt = _pyplot()
    matrix = np.array(confusion)
    figure, axes = plt.subplots(figsize=(4.5, 4))
    axes.imshow(matrix, cmap="Blues")
    names = [label.value for label in LABELS]
    axes.set_xticks(range(len(names)), names)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(col, row, str(count), ha="center", va="center", color=colour)
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def reliability_png(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    """Accuracy against confidence of the top label, one line per named set of predictions."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(4.5, 4))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    for name, (labels, probs) in curves.items():
        confidence, accuracy, counts = reliability(labels, probs, ECE_BINS)
        filled = counts > 0
        axes.plot(confidence[filled], accuracy[filled], marker="o", label=name)
    axes.set_xlabel("confidence of the predicted label")
    axes.set_ylabel("accuracy")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
