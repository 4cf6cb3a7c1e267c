"""Near-duplicate detection (MinHash LSH) and the content-hash train/validation split. Pure."""

from __future__ import annotations

import re

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Overlapping ``size``-word windows of the lower-cased text (the text itself if shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


class NearDuplicates:
    """Clusters texts whose estimated Jaccard similarity reaches ``threshold``.

    Add texts in a fixed order: the first text of a cluster is its representative.
    """

    def __init__(self, threshold: float = 0.8) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("the near-duplicate threshold must lie in (0, 1]")
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        template = MinHash(num_perm=NUM_PERM, seed=1)
        # Generating the permutations is the costly part of a MinHash: do it once.
        self._permutations = template.permutations
        self._scheme = template.scheme

    def add(self, key: str, text: str) -> str | None:
        """Index ``text`` under ``key``; returns the key of an earlier near-duplicate, if any."""
        signature = MinHash(num_perm=NUM_PERM, permutations=self._permutations, scheme=self._scheme)
        signature.update_batch(list(shingles(text)))
        matches = self._lsh.query(signature)
        if matches:
            return str(min(matches))
        self._lsh.insert(key, signature)
        return None


def split_for(content_sha256: str, validation_percent: float) -> str:
    """``validation`` for a stable ``validation_percent`` of hashes, else ``train``."""
    bucket = int(content_sha256[:8], 16) % 10_000
    return "validation" if bucket < validation_percent * 100 else "train"
