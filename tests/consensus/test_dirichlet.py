"""Consensus v1: worked examples, edge cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata.consensus import (
    Consensus,
    ConsensusParams,
    Counts,
    Label,
    Status,
    compute,
    get_method,
    registered_methods,
)
from safedata.consensus.dirichlet import label_probabilities

counts_strategy = st.builds(
    Counts,
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
)


def test_no_votes_is_neutral_and_needs_votes() -> None:
    result = compute(Counts())
    assert result.label is Label.NEUTRAL
    assert result.score == 0
    assert result.confidence == pytest.approx(1 / 3, abs=1e-6)
    assert result.status is Status.NEEDS_VOTES


def test_worked_example_from_the_docs() -> None:
    # docs/consensus.md walks through exactly this case.
    result = compute(Counts(unsafe=0, neutral=1, great=4))
    assert result.label is Label.GREAT
    assert result.score == pytest.approx(4 / 8)
    assert result.confidence == pytest.approx(0.8703, abs=1e-4)
    assert result.status is Status.SETTLED


@pytest.mark.parametrize(
    ("counts", "label", "status"),
    [
        ((0, 0, 2), Label.GREAT, Status.NEEDS_VOTES),  # too few votes, however clear
        ((0, 0, 3), Label.GREAT, Status.SETTLED),
        ((3, 0, 0), Label.UNSAFE, Status.SETTLED),
        ((0, 3, 0), Label.NEUTRAL, Status.SETTLED),
        ((2, 0, 2), Label.UNSAFE, Status.CONTESTED),  # a tie breaks towards caution
        ((5, 0, 5), Label.UNSAFE, Status.CONTESTED),
        ((1, 1, 1), Label.NEUTRAL, Status.CONTESTED),
        ((0, 1, 2), Label.GREAT, Status.CONTESTED),
        ((1, 2, 7), Label.GREAT, Status.SETTLED),
    ],
)
def test_label_and_status_table(counts: tuple[int, int, int], label: Label, status: Status) -> None:
    result = compute(Counts(*counts))
    assert (result.label, result.status) == (label, status)


def test_min_votes_parameter_gates_settling() -> None:
    strict = ConsensusParams(min_votes=10)
    assert compute(Counts(great=9), strict).status is Status.NEEDS_VOTES
    assert compute(Counts(great=10), strict).status is Status.SETTLED


def test_threshold_parameter_gates_settling() -> None:
    assert compute(Counts(great=3), ConsensusParams(threshold=0.95)).status is not Status.SETTLED
    assert compute(Counts(great=3), ConsensusParams(threshold=0.8)).status is Status.SETTLED


def test_mild_disagreement_waits_for_more_votes_instead_of_contested() -> None:
    result = compute(Counts(unsafe=0, neutral=1, great=3), ConsensusParams(threshold=0.9))
    assert result.label is Label.GREAT
    assert result.status is Status.NEEDS_VOTES


def test_probabilities_match_monte_carlo() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    for counts in [(1, 2, 3), (0, 5, 4), (10, 0, 12)]:
        samples = rng.dirichlet(np.array(counts, dtype=float) + 1.0, size=200_000)
        empirical = np.bincount(samples.argmax(axis=1), minlength=3) / len(samples)
        exact = label_probabilities(Counts(*counts), 1.0)
        assert np.allclose(exact, empirical, atol=0.005)


@pytest.mark.parametrize(
    "bad",
    [
        {"prior": 0},
        {"min_votes": 0},
        {"threshold": 0},
        {"threshold": 1.5},
        {"contested_share": 0},
    ],
)
def test_invalid_params_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ConsensusParams(**bad)  # type: ignore[arg-type]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Counts(unsafe=-1)


def test_method_registry() -> None:
    assert "dirichlet-v1" in registered_methods()
    assert get_method("dirichlet-v1").compute(Counts(great=3), ConsensusParams()).label == "great"
    with pytest.raises(KeyError, match="dirichlet-v1"):
        get_method("nope")


@settings(max_examples=200, deadline=None)
@given(counts_strategy)
def test_outputs_stay_in_range(counts: Counts) -> None:
    result = compute(counts)
    assert -1 <= result.score <= 1
    assert 0 <= result.confidence <= 1
    assert result.confidence >= 1 / 3 - 1e-6  # the leader holds at least an even share


@settings(max_examples=200, deadline=None)
@given(counts_strategy)
def test_label_probabilities_sum_to_one(counts: Counts) -> None:
    assert sum(label_probabilities(counts, 1.0)) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(counts_strategy)
def test_mirror_symmetry(counts: Counts) -> None:
    mirrored = compute(Counts(counts.great, counts.neutral, counts.unsafe))
    result = compute(counts)
    assert mirrored.score == pytest.approx(-result.score, abs=1e-6)
    assert mirrored.confidence == pytest.approx(result.confidence, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(counts_strategy)
def test_another_great_vote_never_lowers_the_score(counts: Counts) -> None:
    more = Counts(counts.unsafe, counts.neutral, counts.great + 1)
    assert compute(more).score >= compute(counts).score


@settings(max_examples=200, deadline=None)
@given(counts_strategy)
def test_another_vote_for_the_leader_keeps_it_leading(counts: Counts) -> None:
    result = compute(counts)
    values = dict(zip(("unsafe", "neutral", "great"), counts.as_tuple(), strict=True))
    values[result.label.value] += 1
    after = compute(Counts(**values))
    assert after.label is result.label
    assert after.confidence >= result.confidence - 1e-9


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_settled_implies_enough_votes_and_confidence(counts: Counts) -> None:
    params = ConsensusParams()
    result: Consensus = compute(counts, params)
    if result.status is Status.SETTLED:
        assert counts.total >= params.min_votes
        assert result.confidence >= params.threshold
    if counts.total < params.min_votes:
        assert result.status is Status.NEEDS_VOTES
