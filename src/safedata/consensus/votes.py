"""Vote-level input for consensus methods that learn who to trust.

Counts are enough for ``dirichlet-v1``; a method that weights voters needs every
vote: which document, which voter, which rating, the voter's class, whether the
vote was cast independently, and its weight (0 for a quarantined vote). This
module holds that table as parallel NumPy arrays, checked once on the way in,
and the protocol such methods provide on top of ``ConsensusMethod``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from safedata.consensus.base import LABELS, ConsensusMethod, Label


class VoterClass(IntEnum):
    """Who cast a vote; each class has its own pooled reliability and prior."""

    ACCOUNT = 0
    """An established account (the web app decides what "established" means)."""
    ANONYMOUS = 1
    """An anonymous identity, or an account that is not established yet."""


VOTER_CLASSES: tuple[VoterClass, ...] = (VoterClass.ACCOUNT, VoterClass.ANONYMOUS)


def rating_index(label: Label | str) -> int:
    """Position of ``label`` in ``LABELS`` (unsafe 0, neutral 1, great 2)."""
    return LABELS.index(Label(label))


def _int_array(values: ArrayLike, name: str) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers")
    return array.astype(np.int64, copy=False)


def _check_range(array: NDArray[np.int64], name: str, upper: int) -> None:
    if array.size and (array.min() < 0 or array.max() >= upper):
        raise ValueError(f"{name} must lie in [0, {upper})")


@dataclass(frozen=True, eq=False)
class Votes:
    """Every vote as one row of parallel arrays (build it with ``Votes.from_arrays``).

    ``doc`` and ``voter`` are dense indices (0..n-1) that the caller maps to its
    own ids; ``rating`` indexes ``LABELS``; ``voter_class`` holds ``VoterClass``
    values and must be the same for all votes of one voter; ``independent``
    marks votes cast while the document still needed votes and before the voter
    could see its tally; ``weight`` is in [0, 1], 0 for a quarantined vote.
    """

    doc: NDArray[np.int64]
    voter: NDArray[np.int64]
    rating: NDArray[np.int64]
    voter_class: NDArray[np.int64]
    independent: NDArray[np.bool_]
    weight: NDArray[np.float64]
    n_docs: int
    n_voters: int

    @classmethod
    def from_arrays(
        cls,
        doc: ArrayLike,
        voter: ArrayLike,
        rating: ArrayLike,
        *,
        voter_class: ArrayLike | None = None,
        independent: ArrayLike | None = None,
        weight: ArrayLike | None = None,
        n_docs: int | None = None,
        n_voters: int | None = None,
    ) -> Votes:
        """Check and store the arrays; omitted columns mean account, independent, weight 1.

        ``n_docs`` and ``n_voters`` default to one more than the largest index;
        pass them to include documents or voters without votes.
        """
        doc_a = _int_array(doc, "doc")
        size = doc_a.size
        voter_a = _int_array(voter, "voter")
        rating_a = _int_array(rating, "rating")
        class_a = _int_array(
            np.zeros(size, np.int64) if voter_class is None else voter_class, "voter_class"
        )
        indep_a = (
            np.ones(size, np.bool_) if independent is None else np.asarray(independent, np.bool_)
        )
        weight_a = np.ones(size) if weight is None else np.asarray(weight, np.float64)
        for name, array in (
            ("voter", voter_a),
            ("rating", rating_a),
            ("voter_class", class_a),
            ("independent", indep_a),
            ("weight", weight_a),
        ):
            if array.shape != (size,):
                raise ValueError(f"{name} must have one entry per vote ({size})")
        n_docs = int(doc_a.max()) + 1 if n_docs is None and size else (n_docs or 0)
        n_voters = int(voter_a.max()) + 1 if n_voters is None and size else (n_voters or 0)
        _check_range(doc_a, "doc", n_docs)
        _check_range(voter_a, "voter", n_voters)
        _check_range(rating_a, "rating", len(LABELS))
        _check_range(class_a, "voter_class", len(VOTER_CLASSES))
        if size and (not np.all(np.isfinite(weight_a)) or weight_a.min() < 0 or weight_a.max() > 1):
            raise ValueError("weight must lie in [0, 1]")
        votes = cls(doc_a, voter_a, rating_a, class_a, indep_a, weight_a, n_docs, n_voters)
        votes.classes_of_voters()
        return votes

    @property
    def size(self) -> int:
        return int(self.doc.size)

    def classes_of_voters(self) -> NDArray[np.int64]:
        """The class of each voter (account for voters without votes)."""
        total = np.bincount(self.voter, minlength=self.n_voters)
        anonymous = np.bincount(
            self.voter, weights=self.voter_class == VoterClass.ANONYMOUS, minlength=self.n_voters
        )
        if np.any((anonymous > 0) & (anonymous < total)):
            raise ValueError("every vote of one voter must carry the same voter_class")
        return (anonymous > 0).astype(np.int64)

    def counts(self) -> NDArray[np.int64]:
        """Votes per document and rating (docs × 3), quarantined votes left out."""
        live = self.weight > 0
        flat = np.bincount(
            self.doc[live] * len(LABELS) + self.rating[live], minlength=self.n_docs * len(LABELS)
        )
        return flat.reshape(self.n_docs, len(LABELS))

    def take(self, rows: NDArray[np.int64] | NDArray[np.bool_] | Sequence[int]) -> Votes:
        """The same table restricted to ``rows`` (indices keep their meaning)."""
        index = np.asarray(rows)
        return Votes(
            self.doc[index],
            self.voter[index],
            self.rating[index],
            self.voter_class[index],
            self.independent[index],
            self.weight[index],
            self.n_docs,
            self.n_voters,
        )


@runtime_checkable
class VoteLevelMethod(ConsensusMethod, Protocol):
    """A consensus method that refits on every vote (``compute`` stays the counts-only path)."""

    def fit(self, votes: Votes, params: Any) -> Any: ...
