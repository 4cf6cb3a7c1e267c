"""Supervised fastText with word n-grams: the quality filter of DCLM, Dolma and datatrove.

The weights are a plain fastText ``model.bin`` with labels ``__label__unsafe``,
``__label__neutral`` and ``__label__great``, so it loads unchanged in those
tools. New lines become spaces, as those tools do before ``predict``, and
nothing else changes (no lower-casing), so that predictions there match ours.

fastText has no sample weights: a document is repeated in the training file a
random number of times whose mean is its weight. Soft labels use fastText's
multi-label lines: with softmax loss, each pass draws one of a line's labels,
so ``__label__great __label__great __label__neutral`` trains towards (0, 1/3, 2/3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from safedata.classify.backends.base import (
    N_LABELS,
    Backend,
    DivergedError,
    Params,
    register_backend,
)
from safedata.consensus import LABELS

PREFIX = "__label__"
WEIGHTS_FILE = "model.bin"
SOFT_SLOTS = 6
"""Labels written per line for soft targets: fractions are rounded to sixths."""

NAN_RETRIES = 8
DEFAULTS: Params = {
    "lr": 0.5,
    "epoch": 25,
    "wordNgrams": 2,
    "dim": 64,
    "bucket": 500_000,
    "minCount": 1,
    "soft": False,
    "seed": 0,
}


def normalise(text: str) -> str:
    """The text on one line, as DCLM and datatrove pass it to fastText (which splits on spaces)."""
    return text.replace("\n", " ")


def label_prefix(targets: np.ndarray) -> str:
    """The labels of one training line; several when the target is a distribution."""
    counts = np.round(targets * SOFT_SLOTS).astype(int)
    if counts.sum() == 0:
        counts[int(np.argmax(targets))] = 1
    counts //= np.gcd.reduce(counts[counts > 0])
    return " ".join(
        f"{PREFIX}{label.value}"
        for label, count in zip(LABELS, counts, strict=True)
        for _ in range(count)
    )


def repetitions(weights: np.ndarray, seed: int) -> np.ndarray:
    """Integer copies per document whose expected value is its weight (stochastic rounding)."""
    rng = np.random.default_rng(seed)
    floor = np.floor(weights)
    return np.asarray(floor + (rng.random(len(weights)) < weights - floor), dtype=int)


@register_backend
class FastTextBackend(Backend):
    """fastText bag of words and word bigrams, linear softmax; thousands of documents per second."""

    identifier: ClassVar[str] = "fasttext"
    description: ClassVar[str] = "supervised fastText with word n-grams"

    def __init__(self, params: Params, model: Any = None) -> None:
        super().__init__({**DEFAULTS, **params})
        self.model = model

    @classmethod
    def param_grid(cls, quick: bool) -> list[Params]:
        if quick:
            return [{"wordNgrams": 2, "epoch": 25, "lr": 0.5}]
        return [
            {"wordNgrams": ngrams, "epoch": epoch, "lr": lr}
            for ngrams in (1, 2)
            for epoch in (10, 25)
            for lr in (0.2, 0.5, 1.0)
        ]

    @classmethod
    def refinements(cls) -> list[list[Params]]:
        """Vector size, then the rare-word cut-off, then character n-grams (subwords)."""
        return [
            [{"dim": 32}, {"dim": 100}],
            [{"minCount": 2}, {"minCount": 3}],
            [{"minn": 2, "maxn": 4}, {"minn": 3, "maxn": 6}],
        ]

    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([normalise(text) for text in texts], dtype=object)

    def fit(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        import fasttext

        with tempfile.TemporaryDirectory(prefix="safedata-fasttext-") as folder:
            path = Path(folder) / "train.txt"
            self._write_training_file(path, features, targets, weights)
            options = {k: v for k, v in self.params.items() if k != "soft"}
            self.model = _train_with_retries(fasttext, path, options)

    def _write_training_file(
        self, path: Path, features: np.ndarray, targets: np.ndarray, weights: np.ndarray
    ) -> None:
        if not self.params["soft"]:
            targets = np.eye(N_LABELS)[targets.argmax(axis=1)]
        copies = repetitions(weights, int(self.params["seed"]))
        order = np.random.default_rng(self.params["seed"]).permutation(
            np.repeat(np.arange(len(features)), copies)
        )
        with path.open("w", encoding="utf-8") as out:
            out.writelines(f"{label_prefix(targets[i])} {features[i]}\n" for i in order)

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        labels, probabilities = self.model.predict(list(features), k=-1)
        return to_matrix(labels, probabilities)

    def save(self, directory: Path) -> list[str]:
        self.model.save_model(str(directory / WEIGHTS_FILE))
        return [WEIGHTS_FILE]

    @classmethod
    def load(cls, directory: Path, params: Params) -> FastTextBackend:
        import fasttext

        path = directory / WEIGHTS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
        return cls(params, fasttext.load_model(os.fspath(path)))


def _train_with_retries(fasttext: Any, path: Path, options: Params) -> Any:
    """Train, retrying on NaN: the fastText build we ship at times reports NaN at random.

    A failed run is retried in a fresh interpreter, because a process where it
    failed once can keep failing (seen in CI: eight in-process retries in a row).
    """
    try:
        return fasttext.train_supervised(
            input=str(path), loss="softmax", thread=1, verbose=0, **options
        )
    except RuntimeError as error:
        failure: Exception = error
    for _ in range(NAN_RETRIES):
        try:
            return _train_in_fresh_process(fasttext, path, options)
        except RuntimeError as error:
            failure = error
    raise DivergedError(f"fastText training failed {NAN_RETRIES + 1} times: {failure}")


_FRESH_TRAINING = """
import json, sys
import fasttext
options = json.loads(sys.argv[3])
model = fasttext.train_supervised(input=sys.argv[1], loss="softmax", thread=1, verbose=0, **options)
model.save_model(sys.argv[2])
"""


def _train_in_fresh_process(fasttext: Any, path: Path, options: Params) -> Any:
    """One training run in a new interpreter; the model comes back through a file."""
    weights = path.with_suffix(".bin")
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_TRAINING, str(path), str(weights), json.dumps(options)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "failed")
    return fasttext.load_model(str(weights))


_COLUMN = {f"{PREFIX}{label.value}": i for i, label in enumerate(LABELS)}


def to_matrix(labels: Sequence[Sequence[str]], probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """fastText's per-document (labels, probabilities) as an (n, 3) matrix in ``LABELS`` order."""
    matrix = np.zeros((len(labels), N_LABELS))
    for row, (names, values) in enumerate(zip(labels, probabilities, strict=True)):
        for name, value in zip(names, values, strict=True):
            matrix[row, _COLUMN[name]] = value
    matrix = np.clip(matrix, 0.0, None)
    return np.asarray(matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1e-12))
