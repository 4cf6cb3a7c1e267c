"""Schemas shared by every router of the JSON API: the error body and the consensus.

Below the apps, next to ``apierrors``: each app's ``api.py`` imports from here,
never from another app's ``api.py``.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from safedata.consensus import LABELS, Consensus, Label, Status
from safedata.consensus.dawid_skene import WeightedConsensus


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorDetail


class VotesOut(Schema):
    unsafe: int
    neutral: int
    great: int


class ConsensusOut(Schema):
    label: Label
    score: float
    score_interval: tuple[float, float]
    """[low, high] on the spectrum (-1 unsafe, 0 neutral, +1 great) holding 90 % of the belief."""
    confidence: float
    status: Status
    votes: VotesOut
    effective_votes: float
    """Sum of the counted votes' weights (a new account's vote weighs 1)."""
    uncounted: int
    """Votes left out: quarantined, or cast by a suspended member."""


def consensus_payload(consensus: Consensus) -> dict[str, Any]:
    """The ``ConsensusOut`` body of a consensus, the same for a document and a vote."""
    weighted = consensus if isinstance(consensus, WeightedConsensus) else None
    return {
        "label": consensus.label.value,
        "score": consensus.score,
        "score_interval": list(weighted.score_interval) if weighted else [-1.0, 1.0],
        "confidence": consensus.confidence,
        "status": consensus.status.value,
        "votes": {
            label.value: n for label, n in zip(LABELS, consensus.counts.as_tuple(), strict=True)
        },
        "effective_votes": weighted.effective_votes if weighted else float(consensus.counts.total),
        "uncounted": weighted.quarantined if weighted else 0,
    }
