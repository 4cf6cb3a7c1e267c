"""Near-duplicate texts with MinHash LSH: the one set-up every caller uses. Pure.

A text's features are its lower-cased 5-word shingles; their MinHash signature
(128 permutations, seed 1) estimates the Jaccard similarity of two texts, and
an LSH index finds the texts whose estimate reaches a threshold. Two ways in:

* streaming, :class:`NearDuplicates`: add texts one at a time and learn
  whether an earlier one is a near-duplicate (the SFT export drops it);
* bulk, :func:`near_duplicate_groups`: a group number per text, near-duplicates
  sharing one transitively (training keeps a group in one fold).

A text without words has no shingles and is nobody's near-duplicate.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SEED = 1
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Overlapping ``size``-word windows of the lower-cased words (all of them if fewer)."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


@functools.cache
def _template() -> MinHash:
    # Generating the permutations is the costly part of a MinHash: do it once per process.
    return MinHash(num_perm=NUM_PERM, seed=SEED)


def signature(features: set[bytes]) -> MinHash:
    """The MinHash of a set of shingles."""
    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM, seed=SEED, permutations=template.permutations, scheme=template.scheme
    )
    minhash.update_batch(list(features))
    return minhash


def new_index(threshold: float) -> MinHashLSH:
    """An empty LSH index that finds signatures of estimated Jaccard similarity ≥ ``threshold``."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("the near-duplicate threshold must lie in (0, 1]")
    return MinHashLSH(threshold=threshold, num_perm=NUM_PERM)


class NearDuplicates:
    """Clusters texts whose estimated Jaccard similarity reaches ``threshold``, one at a time.

    Add texts in a fixed order: the first text of a cluster is its representative.
    """

    def __init__(self, threshold: float = 0.8) -> None:
        self._lsh = new_index(threshold)

    def add(self, key: str, text: str) -> str | None:
        """Index ``text`` under ``key``; returns the key of an earlier near-duplicate, if any."""
        features = shingles(text)
        if not features:
            return None
        minhash = signature(features)
        matches = self._lsh.query(minhash)
        if matches:
            return str(min(matches))
        self._lsh.insert(key, minhash)
        return None


def near_duplicate_groups(texts: Sequence[str], threshold: float) -> np.ndarray:
    """A group number per text; near-duplicates share one, transitively."""
    lsh = new_index(threshold)
    parent = list(range(len(texts)))
    for index, text in enumerate(texts):
        features = shingles(text)
        if not features:
            continue
        minhash = signature(features)
        for other in lsh.query(minhash):
            _union(parent, index, int(other))
        lsh.insert(str(index), minhash)
    return np.array([_root(parent, i) for i in range(len(texts))], dtype=int)


def _root(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _union(parent: list[int], a: int, b: int) -> None:
    parent[_root(parent, a)] = _root(parent, b)
