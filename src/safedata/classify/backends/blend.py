"""fastText and static embeddings together: a weighted geometric mean of their probabilities.

fastText sees the exact words and word pairs, the static embeddings see word
meanings; their errors differ, so their blend beats each of them (measured on
the real sets of ``benchmarks/realdata.py``, see docs/performance.md). Scoring
costs about the sum of both. Needs the ``static`` extra; the weights folder
holds both models (``model.bin``, ``static-embeddings/``, ``head.npz``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from safedata.classify.backends.base import Backend, Params, register_backend
from safedata.classify.backends.fasttext import DEFAULTS as LEXICAL_DEFAULTS
from safedata.classify.backends.fasttext import FastTextBackend
from safedata.classify.backends.linear import softmax
from safedata.classify.backends.static import DEFAULTS as SEMANTIC_DEFAULTS
from safedata.classify.backends.static import StaticBackend

DEFAULTS: Params = {"weight": 0.6, "C": 10.0}
"""``weight``: fastText's share of the blend (on log-probabilities)."""


def _subset(params: Params, defaults: Params) -> Params:
    return {key: value for key, value in params.items() if key in defaults}


def _vectors(features: np.ndarray) -> np.ndarray:
    """The static embeddings of feature rows as one float matrix."""
    return np.stack(list(features[:, 1]))


@register_backend
class BlendBackend(Backend):
    """``fasttext`` and ``static`` trained on the same targets; probabilities blended."""

    identifier: ClassVar[str] = "blend"
    description: ClassVar[str] = "fastText and model2vec static embeddings, probabilities blended"

    def __init__(
        self,
        params: Params,
        lexical: FastTextBackend | None = None,
        semantic: StaticBackend | None = None,
    ) -> None:
        super().__init__({**LEXICAL_DEFAULTS, **SEMANTIC_DEFAULTS, **DEFAULTS, **params})
        self.lexical = lexical or FastTextBackend(_subset(self.params, LEXICAL_DEFAULTS))
        self.semantic = semantic or StaticBackend(_subset(self.params, SEMANTIC_DEFAULTS))

    def with_params(self, params: Params) -> BlendBackend:
        merged = {**self.params, **params}
        semantic = StaticBackend(
            _subset(merged, SEMANTIC_DEFAULTS),
            self.semantic.encoder,  # shares the encoder
        )
        return BlendBackend(merged, FastTextBackend(_subset(merged, LEXICAL_DEFAULTS)), semantic)

    @classmethod
    def param_grid(cls, quick: bool) -> list[Params]:
        if quick:
            return [{}]
        return [{"weight": w, "C": c} for w in (0.5, 0.7) for c in (1.0, 10.0)]

    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of (fastText's line, static embedding), in an object array."""
        features = np.empty((len(texts), 2), dtype=object)
        features[:, 0] = self.lexical.featurize(texts)
        features[:, 1] = list(self.semantic.featurize(texts))
        return features

    def fit(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        self.lexical.fit(features[:, 0], targets, weights)
        self.semantic.fit(_vectors(features), targets, weights)

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        weight = float(self.params["weight"])
        lexical = self.lexical.predict_features(features[:, 0])
        semantic = self.semantic.predict_features(_vectors(features))
        logits = weight * np.log(np.clip(lexical, 1e-12, 1.0))
        logits += (1.0 - weight) * np.log(np.clip(semantic, 1e-12, 1.0))
        return softmax(logits)

    def save(self, directory: Path) -> list[str]:
        return [*self.lexical.save(directory), *self.semantic.save(directory)]

    @classmethod
    def load(cls, directory: Path, params: Params) -> BlendBackend:
        merged = {**LEXICAL_DEFAULTS, **SEMANTIC_DEFAULTS, **DEFAULTS, **params}
        lexical = FastTextBackend.load(directory, _subset(merged, LEXICAL_DEFAULTS))
        semantic = StaticBackend.load(directory, _subset(merged, SEMANTIC_DEFAULTS))
        return cls(merged, lexical, semantic)
