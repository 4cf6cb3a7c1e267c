"""The configured consensus, computed for one document from its vote rows.

Every path that changes a document's votes (a vote, an undo, a suspension, a
quarantine and its release, the refit's catch-up) ends here, so a document
always equals a fresh recount of its counted votes. ``dirichlet-v1`` needs only
the counts; ``dawid-skene-v2`` weighs each vote by its voter's matrix from the
last refit (``ConsensusFit``, ``VoterReliability``), a vote that was not
independent or whose voter is not fitted yet by its voter class's new-voter
matrix, and leaves uncounted votes out. A member's class is looked up with the
votes: until the account is established its votes weigh as an anonymous
identity's (``identity.voter_class``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np
from django.conf import settings

from safedata.consensus import Counts, DawidSkeneConsensus, Label, get_method
from safedata.consensus.dawid_skene import (
    DawidSkeneParams,
    LiveVote,
    ModelState,
    WeightedConsensus,
    document_consensus,
    summarise,
)
from safedata.consensus.dirichlet import label_probabilities
from safedata.consensus.votes import VoterClass
from safedata.voting import identity
from safedata.voting.models import ConsensusFit
from safedata.voting.sql import VoteRow

V2 = DawidSkeneConsensus.identifier


def method_id() -> str:
    """The configured method's identifier (``CONSENSUS_METHOD``), checked to be registered."""
    identifier: str = settings.SAFEDATA_CONSENSUS_METHOD
    get_method(identifier)
    return identifier


def is_vote_level() -> bool:
    """True when the configured method weighs voters (needs every vote, not only counts)."""
    return method_id() == V2


def v2_params() -> DawidSkeneParams:
    """v2's parameters, sharing the status rules of ``SAFEDATA_CONSENSUS``."""
    return DawidSkeneParams.from_consensus_params(settings.SAFEDATA_CONSENSUS)


def method_params() -> dict[str, object]:
    """The configured method's parameters, as releases record them."""
    return v2_params().as_dict() if is_vote_level() else settings.SAFEDATA_CONSENSUS.as_dict()


def voter_classes(keys: Iterable[str]) -> list[VoterClass]:
    """The voter class of each key, in order (``identity.voter_classes``).

    Anonymous identities (``a:``) form their own class; a member's votes weigh as an
    account's once the account is established (``ACCOUNT_ESTABLISHED_DAYS``, or a
    verified e-mail with ``ACCOUNT_ESTABLISHED_BY_EMAIL``) and as an anonymous
    identity's until then; the demo's reviewers are accounts.
    """
    ordered = list(keys)
    known = identity.voter_classes(set(ordered))
    return [known[key] for key in ordered]


class _StateCache:
    """The newest fit's model state, reloaded only when a newer fit id shows up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fit_id: int | None = None
        self._state: ModelState | None = None

    def get(self, fit_id: int | None) -> ModelState:
        with self._lock:
            if self._state is None or fit_id != self._fit_id:
                self._state = _load_state(fit_id)
                self._fit_id = fit_id
            return self._state


def _load_state(fit_id: int | None) -> ModelState:
    if fit_id is not None:
        fit = ConsensusFit.objects.filter(pk=fit_id, method=V2).first()
        if fit is not None:
            return ModelState.from_dict(fit.state)
    return ModelState.initial(v2_params())


STATE = _StateCache()


def consensus_of(rows: Sequence[VoteRow], fit_id: int | None) -> WeightedConsensus:
    """One document's consensus from all its vote rows (counted or not)."""
    if is_vote_level():
        classes = voter_classes(row.voter_key for row in rows)
        live = [
            LiveVote(
                rating=Label(row.rating),
                voter_class=cls,
                independent=row.independent,
                weight=1.0 if row.counted else 0.0,
                matrix=row.matrix,
            )
            for row, cls in zip(rows, classes, strict=True)
        ]
        return document_consensus(live, STATE.get(fit_id), v2_params())
    counted = [row.rating for row in rows if row.counted]
    counts = Counts(*(counted.count(label.value) for label in Label))
    return v1_consensus(counts, uncounted=len(rows) - len(counted))


def v1_consensus(counts: Counts, *, uncounted: int) -> WeightedConsensus:
    """``dirichlet-v1`` with the interval of its label probabilities (v2's interval rule)."""
    params = settings.SAFEDATA_CONSENSUS
    base = get_method(method_id()).compute(counts, params)
    probabilities = np.array([label_probabilities(counts, params.prior)])
    table = summarise(probabilities, np.array([counts.total]), v2_params())
    return WeightedConsensus(
        label=base.label,
        score=base.score,
        confidence=base.confidence,
        status=base.status,
        counts=counts,
        score_interval=(float(table["low"][0]), float(table["high"][0])),
        effective_votes=float(counts.total),
        quarantined=uncounted,
    )
