"""model2vec's static embeddings computed faster: each distinct word is tokenised once.

``StaticModel.encode`` runs the whole Hugging Face tokenizer (normalise,
split, WordPiece) over up to ``max_length × median token length`` characters
of every document (3,072 for MiniLM), then keeps the first ``max_length``
tokens and averages their vectors. On 4 KB documents the tokenizer is nearly
all of the time, and a third of what it tokenises is thrown away.

:class:`WordCacheEncoder` averages the same token ids (a test compares them)
into the same vectors, up to rounding (model2vec averages in the table's
float16, this in float32), with less work:

* the text is split where the BERT pre-tokenizer would split it anyway (its
  white space), and each piece's token ids come from a cache, so a word is
  tokenised once per process however often it occurs;
* tokenising stops as soon as ``max_length`` tokens are collected, so nothing
  beyond what the model uses is tokenised;
* the mean of the token vectors of a whole batch is one sparse matrix product
  (documents × vocabulary counts, times the embedding table), which needs no
  grouping of documents by length.

Measured in docs/performance.md (classifier section).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

CACHE_WORDS = 500_000
"""Distinct pieces kept before the cache starts afresh (about 100 MB at most)."""
BERT_SPACE = re.compile(r"[\t\n\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
"""The characters BERT's normaliser and pre-tokenizer treat as white space (``Zs``, tab, CR, LF)."""


class WordCacheEncoder:
    """``StaticModel.encode(texts, max_length=max_length)``, tokenising each distinct word once."""

    def __init__(self, model: Any, max_length: int) -> None:
        self.model = model
        self.max_length = max_length
        self.char_cap = max_length * int(model.median_token_length)
        """model2vec cuts the text to this many characters before tokenising; so do we."""
        self.embedding = np.asarray(model.embedding, dtype=np.float32)
        self._pieces: dict[str, list[int]] = {}

    def token_ids(self, text: str) -> list[int]:
        """The ids model2vec averages: the first ``max_length`` tokens, less unknowns."""
        ids: list[int] = []
        for piece in BERT_SPACE.split(text[: self.char_cap]):
            cached = self._pieces.get(piece)
            ids.extend(self._tokenise(piece) if cached is None else cached)
            if len(ids) >= self.max_length:
                break
        del ids[self.max_length :]
        unknown = self.model.unk_token_id
        return ids if unknown is None else [i for i in ids if i != unknown]

    def _tokenise(self, piece: str) -> list[int]:
        if len(self._pieces) >= CACHE_WORDS:
            self._pieces.clear()
        ids: list[int] = self.model.tokenizer.encode(piece, add_special_tokens=False).ids
        self._pieces[piece] = ids
        return ids

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text (float32), L2-normalised when the model normalises."""
        from scipy.sparse import csr_matrix

        rows = [self.token_ids(text) for text in texts]
        counts = np.array([len(row) for row in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        ids = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=indptr[-1])
        bag = csr_matrix(
            (self._token_weights(ids), self._vector_rows(ids), indptr),
            shape=(len(rows), self.embedding.shape[0]),
        )
        vectors = np.asarray(bag @ self.embedding) / np.maximum(counts, 1)[:, None]
        if self.model.normalize:
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-32
        return vectors.astype(np.float32)

    def _token_weights(self, ids: np.ndarray) -> np.ndarray:
        weights = self.model.weights
        return np.ones(len(ids), dtype=np.float32) if weights is None else weights[ids]

    def _vector_rows(self, ids: np.ndarray) -> np.ndarray:
        mapping = self.model.token_mapping
        return ids if mapping is None else np.asarray(mapping)[ids]
