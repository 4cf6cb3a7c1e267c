"""Rater agreement from label counts, against the krippendorff package on a dense matrix."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from safedata.consensus import Label
from safedata.consensus.agreement import agreement, specific_agreement

COUNTS = np.array([[2, 1, 0], [0, 0, 3], [1, 1, 1], [0, 4, 0], [1, 0, 0], [0, 2, 2]])


def _dense(counts: np.ndarray) -> np.ndarray:
    """A voter × document matrix (NaN where a voter did not vote) with the same counts."""
    width = int(counts.sum(axis=1).max())
    dense = np.full((width, len(counts)), np.nan)
    for doc, row in enumerate(counts):
        values = np.repeat([-1.0, 0.0, 1.0], row)
        dense[: len(values), doc] = values
    return dense


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_alpha_matches_the_dense_computation(level: str) -> None:
    dense = krippendorff.alpha(reliability_data=_dense(COUNTS), level_of_measurement=level)
    result = agreement(COUNTS)
    value = result.alpha if level == "nominal" else result.alpha_ordinal
    assert value == pytest.approx(dense, abs=1e-12)
    assert result.documents == 5
    assert result.votes == 17


def test_specific_agreement_by_hand() -> None:
    per_label = specific_agreement(COUNTS)
    # unsafe: pairs agreeing 2·1 (doc 0); possible 2·2 + 1·2 + 1·0 = 6 (docs 0, 2, 4).
    assert per_label[Label.UNSAFE] == pytest.approx(2 / 6)
    # great: 3·2 + 2·1 agreeing of 3·2 + 1·2 + 2·3 possible.
    assert per_label[Label.GREAT] == pytest.approx(8 / 14)


def test_perfect_and_undefined_agreement() -> None:
    perfect = agreement([[3, 0, 0], [0, 2, 0], [0, 0, 4]])
    assert perfect.alpha == pytest.approx(1.0)
    assert all(value == pytest.approx(1.0) for value in perfect.per_label.values())
    lonely = agreement([[1, 0, 0], [0, 0, 0]])
    assert lonely.alpha is None
    assert lonely.documents == 0
    assert lonely.per_label == dict.fromkeys(Label)


def test_large_counts_stay_small_in_memory() -> None:
    counts = np.random.default_rng(0).multinomial(10, [0.3, 0.45, 0.25], size=100_000)
    result = agreement(counts)
    assert result.alpha is not None
    assert abs(result.alpha) < 0.01
    assert result.votes == 1_000_000


@pytest.mark.parametrize("bad", [[[1, 2]], [[-1, 0, 0]], [[0.5, 0, 0]]])
def test_bad_counts_are_refused(bad: list[list[float]]) -> None:
    with pytest.raises(ValueError, match="counts"):
        agreement(bad)
