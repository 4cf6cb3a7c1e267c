"""Near-duplicate detection and the content-hash train/validation split. Pure.

The MinHash set-up lives in ``safedata.records.neardup``, shared with training.
"""

from __future__ import annotations

from safedata.records.neardup import NearDuplicates, shingles

__all__ = ["NearDuplicates", "shingles", "split_for"]


def split_for(content_sha256: str, validation_percent: float) -> str:
    """``validation`` for a stable ``validation_percent`` of hashes, else ``train``."""
    bucket = int(content_sha256[:8], 16) % 10_000
    return "validation" if bucket < validation_percent * 100 else "train"
