"""Schemas shared by every router of the JSON API: the error body and the consensus.

Below the apps, next to ``apierrors``: each app's ``api.py`` imports from here,
never from another app's ``api.py``.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from safedata.consensus import LABELS, Consensus, Label, Status


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
    confidence: float
    status: Status
    votes: VotesOut


def consensus_payload(consensus: Consensus) -> dict[str, Any]:
    """The ``ConsensusOut`` body of a consensus, the same for a document and a vote."""
    return {
        "label": consensus.label.value,
        "score": consensus.score,
        "confidence": consensus.confidence,
        "status": consensus.status.value,
        "votes": {
            label.value: n for label, n in zip(LABELS, consensus.counts.as_tuple(), strict=True)
        },
    }
