"""A multinomial logistic-regression head on embeddings, stored as plain arrays (no pickle)."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from safedata.classify.backends.base import N_LABELS, Backend, Params

HEAD_FILE = "head.npz"
ABSENT_LOGIT = -30.0
"""Logit of a label that had no training example: probability about 1e-13."""


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class LinearHead:
    """Logistic regression on features; soft targets become three weighted rows per sample."""

    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fit(
        cls, features: np.ndarray, targets: np.ndarray, weights: np.ndarray, c: float, seed: int
    ) -> LinearHead:
        """Fit with L2 strength ``1/c``; labels absent from ``targets`` get probability ~0."""
        from sklearn.linear_model import LogisticRegression

        rows = np.repeat(np.arange(len(features)), N_LABELS)
        labels = np.tile(np.arange(N_LABELS), len(features))
        row_weights = (targets * weights[:, None]).ravel()
        keep = row_weights > 0
        model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        model.fit(features[rows[keep]], labels[keep], sample_weight=row_weights[keep])
        coef, intercept = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # sklearn keeps one row for two classes
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-1, 1]) * intercept / 2
        full_coef = np.zeros((N_LABELS, features.shape[1]))
        full_intercept = np.full(N_LABELS, ABSENT_LOGIT)
        full_coef[model.classes_] = coef
        full_intercept[model.classes_] = intercept
        return cls(full_coef, full_intercept)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities (n, 3) in ``LABELS`` order."""
        return softmax(np.asarray(features, dtype=np.float64) @ self.coef.T + self.intercept)

    def save(self, directory: Path) -> str:
        """Write the head to ``directory``; the file name."""
        np.savez(directory / HEAD_FILE, coef=self.coef, intercept=self.intercept)
        return HEAD_FILE

    @classmethod
    def load(cls, directory: Path) -> LinearHead:
        """The head saved in ``directory``."""
        with np.load(directory / HEAD_FILE, allow_pickle=False) as data:
            return cls(data["coef"], data["intercept"])


HEAD_GRID = (0.3, 1.0, 3.0, 10.0)
"""Inverse regularisation strengths tried on the validation split."""


class HeadBackend(Backend):
    """A backend that trains a ``LinearHead`` on the features of a frozen encoder.

    Every head backend takes ``(params, encoder, head)``: the encoder is built
    by ``new_encoder`` on first use when None, the head is None until trained.
    """

    defaults: ClassVar[Params]
    """Hyperparameters used where ``params`` does not set them."""

    def __init__(self, params: Params, encoder: Any = None, head: LinearHead | None = None) -> None:
        super().__init__({**self.defaults, **params})
        self.encoder = encoder
        self.head = head

    @classmethod
    @abstractmethod
    def new_encoder(cls, params: Params) -> Any:
        """The frozen encoder for ``params`` (defaults filled in), built or loaded from a cache."""

    @classmethod
    def saved_encoder(cls, directory: Path, params: Params) -> Any:
        """The encoder of the model saved in ``directory``; a new one unless ``save`` wrote it."""
        return cls.new_encoder(params)

    def ready_encoder(self) -> Any:
        """The encoder, built on first use."""
        if self.encoder is None:
            self.encoder = self.new_encoder(self.params)
        return self.encoder

    @classmethod
    def load(cls, directory: Path, params: Params) -> Self:
        full = {**cls.defaults, **params}
        return cls(params, cls.saved_encoder(directory, full), LinearHead.load(directory))

    @classmethod
    def param_grid(cls, quick: bool) -> list[Params]:
        return [{"C": c} for c in ((1.0,) if quick else HEAD_GRID)]

    def fit(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        c, seed = self.params["C"], self.params["seed"]
        self.head = LinearHead.fit(features, targets, weights, c, seed)

    def _trained_head(self) -> LinearHead:
        if self.head is None:
            raise RuntimeError("the backend is not trained")
        return self.head

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        return self._trained_head().predict_proba(features)
