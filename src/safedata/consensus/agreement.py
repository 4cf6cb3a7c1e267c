"""Rater agreement from per-document label counts.

Krippendorff's alpha compares the disagreement observed among the votes on
each document with the disagreement expected if votes were paired at random:
``alpha = 1 − D_o / D_e``. It only needs, per document, how many votes each
label got (the package's ``value_counts`` input, documents × 3), never a dense
voter × document matrix: the same figure in memory proportional to the number
of documents. Documents with fewer than two votes have no pairs and drop out.

Per-label agreement is the specific agreement of Fleiss (1971): given one vote
for a label, the probability that another vote on the same document (drawn at
random) is for that label too, ``Σ n_l (n_l − 1) / Σ n_l (n − 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np
from numpy.typing import ArrayLike, NDArray

from safedata.consensus.base import LABELS, Label


@dataclass(frozen=True)
class Agreement:
    """Agreement among the votes on a set of documents."""

    alpha: float | None
    """Krippendorff's alpha, nominal labels; None without two pairable votes and two labels."""
    alpha_ordinal: float | None
    """The same with the labels as ordered values (unsafe < neutral < great)."""
    per_label: dict[Label, float | None]
    """Specific agreement per label; None when no document has two votes and one for it."""
    documents: int
    """Documents with at least two votes (the ones that count)."""
    votes: int
    """Votes on those documents."""


def _value_counts(counts: ArrayLike) -> NDArray[np.int64]:
    matrix = np.asarray(counts)
    if matrix.ndim != 2 or matrix.shape[1] != len(LABELS):
        raise ValueError("counts must be a documents × 3 matrix (unsafe, neutral, great)")
    if matrix.size and (not np.issubdtype(matrix.dtype, np.integer) or matrix.min() < 0):
        raise ValueError("counts must be non-negative integers")
    return matrix.astype(np.int64, copy=False)


def _alpha(counts: NDArray[np.int64], level: Literal["nominal", "ordinal"]) -> float | None:
    if counts.sum() < 2 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    value = krippendorff.alpha(
        value_counts=counts, value_domain=[-1, 0, 1], level_of_measurement=level
    )
    return float(value)


def specific_agreement(counts: ArrayLike) -> dict[Label, float | None]:
    """Per label, the chance that a second vote on a document matches a first vote for it."""
    matrix = _value_counts(counts)
    totals = matrix.sum(axis=1, keepdims=True)
    agree = (matrix * (matrix - 1)).sum(axis=0)
    possible = (matrix * (totals - 1)).sum(axis=0)
    return {
        label: (float(agree[i] / possible[i]) if possible[i] > 0 else None)
        for i, label in enumerate(LABELS)
    }


def agreement(counts: ArrayLike) -> Agreement:
    """Alpha and per-label agreement for ``counts`` (documents × 3 vote counts)."""
    matrix = _value_counts(counts)
    pairable = matrix[matrix.sum(axis=1) >= 2]
    return Agreement(
        alpha=_alpha(pairable, "nominal"),
        alpha_ordinal=_alpha(pairable, "ordinal"),
        per_label=specific_agreement(pairable),
        documents=int(pairable.shape[0]),
        votes=int(pairable.sum()),
    )
