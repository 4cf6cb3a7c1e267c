"""Groups of near-duplicate documents (MinHash LSH), so that cross-validation keeps them together.

Two documents whose word-trigram sets have an estimated Jaccard similarity
above the threshold share a group, transitively. Without this, copies of a
document on both sides of a split inflate every metric.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NUM_PERM = 64
THRESHOLD = 0.7
SHINGLE = 3


def shingles(text: str) -> set[bytes]:
    """Lower-cased word trigrams (the words themselves for shorter texts)."""
    words = text.lower().split()
    if len(words) < SHINGLE:
        return {word.encode("utf-8") for word in words}
    return {
        " ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)
    }


def near_duplicate_groups(
    texts: Sequence[str], threshold: float = THRESHOLD, seed: int = 1
) -> np.ndarray:
    """A group number per text; near-duplicates share one."""
    from datasketch import MinHash, MinHashLSH

    sets = [shingles(text) for text in texts]
    hashes = MinHash.bulk(sets, num_perm=NUM_PERM, seed=seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    parent = list(range(len(texts)))
    for index, (minhash, shingle_set) in enumerate(zip(hashes, sets, strict=True)):
        if not shingle_set:
            continue
        for other in lsh.query(minhash):
            _union(parent, index, int(other))
        lsh.insert(str(index), minhash)
    return np.array([_root(parent, i) for i in range(len(texts))])


def _root(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _union(parent: list[int], a: int, b: int) -> None:
    parent[_root(parent, a)] = _root(parent, b)
