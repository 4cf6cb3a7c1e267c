"""The fine-tuning export's options, free of Django: the command line builds its own from them."""

from __future__ import annotations

from dataclasses import dataclass

from safedata.params import MAX_VOTES, bounded, check_bounds


@dataclass(frozen=True, kw_only=True)
class SftOptions:
    """What the fine-tuning export keeps; ``safedata export sft`` has an option for each."""

    min_votes: int = bounded(3, 0, MAX_VOTES)
    """Votes a document needs."""
    min_confidence: float = bounded(0.75, 0, 1)
    """Consensus confidence a document needs."""
    val_percent: float = bounded(5.0, 0, 100)
    """Share of near-duplicate clusters, by content hash, put in the validation split."""
    dedup_threshold: float = bounded(0.8, 0, 1, low_open=True)
    """Estimated Jaccard similarity (5-word shingles) from which texts are near-duplicates."""

    def __post_init__(self) -> None:
        check_bounds(self)
