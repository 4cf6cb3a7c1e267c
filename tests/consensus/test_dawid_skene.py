"""Consensus v2 (Dawid–Skene): properties, convergence, defences, crowd-kit agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata.consensus import ConsensusParams, Counts, Label, Status, get_method
from safedata.consensus.dawid_skene import (
    DawidSkeneParams,
    LiveVote,
    ModelState,
    compute,
    document_consensus,
    fit,
    vote_weights,
)
from safedata.consensus.votes import VoteLevelMethod, VoterClass, Votes


def synthetic(
    n_docs: int = 1500, n_voters: int = 60, k: int = 5, spam: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, Votes, np.ndarray]:
    """Known truth; voters careful (0.85), careless (0.6), constant and random spammers."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, n_docs, p=[0.3, 0.45, 0.25])
    n_spam = int(spam * n_voters)
    accuracy = np.where(rng.random(n_voters) < 0.7, 0.85, 0.6)
    kind = np.zeros(n_voters, int)
    kind[:n_spam] = np.where(np.arange(n_spam) % 2 == 0, 1, 2)  # 1 constant, 2 random
    voters = np.stack([rng.choice(n_voters, k, replace=False) for _ in range(n_docs)])
    doc, voter = np.repeat(np.arange(n_docs), k), voters.ravel()
    true = truth[doc]
    rating = np.where(
        rng.random(doc.size) < accuracy[voter], true, (true + rng.integers(1, 3, doc.size)) % 3
    )
    rating = np.where(kind[voter] == 1, voter % 3, rating)
    rating = np.where(kind[voter] == 2, rng.integers(0, 3, doc.size), rating)
    return truth, Votes.from_arrays(doc, voter, rating, n_voters=n_voters), kind


vote_rows = st.lists(
    st.tuples(
        st.integers(0, 5), st.integers(0, 6), st.integers(0, 2), st.booleans(), st.booleans()
    ),
    min_size=1,
    max_size=40,
)


def _votes(rows: list[tuple[int, int, int, bool, bool]], **extra: np.ndarray) -> Votes:
    doc, voter, rating, independent, _ = (np.array(c) for c in zip(*rows, strict=True))
    classes = (voter % 2).astype(int)  # voters with odd ids are anonymous
    return Votes.from_arrays(
        doc,
        voter,
        rating,
        voter_class=classes,
        independent=independent,
        n_docs=6,
        n_voters=7,
        **extra,
    )


def _unique(rows: list[tuple[int, int, int, bool, bool]]) -> list[tuple[int, int, int, bool, bool]]:
    seen: dict[tuple[int, int], tuple[int, int, int, bool, bool]] = {}
    for row in rows:
        seen.setdefault((row[0], row[1]), row)
    return list(seen.values())


@settings(max_examples=60, deadline=None)
@given(vote_rows, st.randoms(use_true_random=False))
def test_order_of_votes_voters_and_documents_does_not_matter(rows, rnd) -> None:  # type: ignore[no-untyped-def]
    rows = _unique(rows)
    base = fit(_votes(rows))
    doc_perm = list(range(6))
    rnd.shuffle(doc_perm)
    # Voter ids keep their parity so each voter keeps its class.
    evens, odds = [0, 2, 4, 6], [1, 3, 5]
    rnd.shuffle(evens)
    rnd.shuffle(odds)
    voter_perm = dict(zip([0, 2, 4, 6, 1, 3, 5], evens + odds, strict=True))
    moved = [(doc_perm[d], voter_perm[v], r, i, q) for d, v, r, i, q in rows]
    rnd.shuffle(moved)
    other = fit(_votes(moved))
    np.testing.assert_allclose(other.posterior[doc_perm], base.posterior, atol=1e-6)
    for old, new in voter_perm.items():
        np.testing.assert_allclose(other.confusion[new], base.confusion[old], atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(vote_rows)
def test_quarantined_votes_have_no_effect(rows) -> None:  # type: ignore[no-untyped-def]
    rows = _unique(rows)
    kept = [row for row in rows if not row[4]]
    if not kept:
        return
    weights = np.array([0.0 if row[4] else 1.0 for row in rows])
    with_quarantine = fit(_votes(rows, weight=weights))
    without = fit(_votes(kept))
    np.testing.assert_allclose(with_quarantine.posterior, without.posterior, atol=1e-9)
    voters = sorted({row[1] for row in kept})  # a voter with no other vote has no class
    np.testing.assert_allclose(
        with_quarantine.confusion[voters], without.confusion[voters], atol=1e-9
    )
    assert with_quarantine.quarantined.sum() == sum(row[4] for row in rows)


live_votes = st.lists(
    st.builds(
        LiveVote,
        rating=st.sampled_from(list(Label)),
        voter_class=st.sampled_from(list(VoterClass)),
        independent=st.booleans(),
        weight=st.sampled_from([0.0, 0.5, 1.0]),
        matrix=st.one_of(
            st.none(),
            st.lists(st.floats(0.05, 1.0), min_size=9, max_size=9).map(
                lambda m: [
                    x / sum(m[r * 3 : r * 3 + 3]) for r in range(3) for x in m[r * 3 : r * 3 + 3]
                ]
            ),
        ),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(live_votes, st.sampled_from(list(VoterClass)))
def test_one_more_great_vote_never_lowers_the_score(votes, voter_class) -> None:  # type: ignore[no-untyped-def]
    # A new voter's matrix (the class pool) always favours the label it names.
    state = ModelState.initial(DawidSkeneParams())
    before = document_consensus(votes, state)
    after = document_consensus([*votes, LiveVote(Label.GREAT, voter_class)], state)
    assert after.score >= before.score - 1e-9 or before.counts.total == 0


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_counts_only_path_one_more_great_vote(unsafe: int, neutral: int, great: int) -> None:
    before = compute(Counts(unsafe, neutral, great))
    after = compute(Counts(unsafe, neutral, great + 1))
    assert after.score >= before.score - 1e-9
    assert -1 <= after.score <= 1
    assert 0 <= after.confidence <= 1
    low, high = after.score_interval
    assert low <= high


def test_converges_and_learns_who_to_trust() -> None:
    truth, votes, kind = synthetic()
    result = fit(votes)
    assert result.converged
    assert result.iterations < 100
    accuracy = (result.table["label"] == truth).mean()
    majority = (np.argmax(votes.counts() + np.array([0, 0.1, 0]), axis=1) == truth).mean()
    assert accuracy > majority + 0.02
    assert accuracy > 0.9
    reliability = result.voter_accuracy()
    assert reliability[kind == 0].min() > reliability[kind == 1].max()  # constant spammers
    weights = vote_weights(votes, result.confusion, np.asarray(result.state.pooled), result.params)
    assert (
        weights[kind[votes.voter] == 1].mean() < 0.2 < 1.0 < weights[kind[votes.voter] == 0].mean()
    )
    np.testing.assert_allclose(result.effective_votes.sum(), weights.sum())


def test_equally_reliable_raters_are_pooled_with_their_community() -> None:
    """The careful raters (all 0.85) come out alike and the random ones near uniform: the
    community's rates keep twice the weight of an account's own counts
    (``account_prior_growth``); without that each keeps more of its own noise."""
    truth, votes, kind = synthetic(n_docs=3000, n_voters=60, k=5, spam=0.2, seed=1)
    pooled, alone = fit(votes), fit(votes, DawidSkeneParams(account_prior_growth=0))
    spread, random_gap, correct = [], [], []
    for result in (pooled, alone):
        accuracy = result.voter_accuracy()
        spread.append(accuracy[(kind == 0) & (accuracy > 0.72)].std())
        random_gap.append(np.abs(result.confusion[kind == 2] - 1 / 3).max())
        correct.append((result.table["label"] == truth).mean())
    assert spread[0] < 0.01 < 0.02 < spread[1]
    assert random_gap[0] < 0.04 < 0.08 < random_gap[1]
    assert correct[0] > correct[1]


def test_matches_crowd_kit_dawid_skene_on_clean_votes() -> None:
    truth, votes, _ = synthetic(n_docs=600, n_voters=30, k=5, spam=0.0, seed=3)
    ours = fit(votes).table["label"]
    frame = pd.DataFrame({"task": votes.doc, "worker": votes.voter, "label": votes.rating})
    theirs = DawidSkene(n_iter=100).fit_predict(frame).sort_index().to_numpy()
    assert (ours == theirs).mean() >= 0.97
    assert abs((ours == truth).mean() - (theirs == truth).mean()) < 0.02


def test_live_path_reproduces_the_refit() -> None:
    _, votes, _ = synthetic(n_docs=300, n_voters=40, seed=5)
    rng = np.random.default_rng(1)
    classes = (votes.voter % 2).astype(int)
    votes = Votes.from_arrays(
        votes.doc,
        votes.voter,
        votes.rating,
        voter_class=classes,
        independent=rng.random(votes.size) < 0.8,
        n_voters=40,
    )
    result = fit(votes)
    state = ModelState.from_dict(result.state.as_dict())
    for doc in (0, 17, 299):
        rows = np.flatnonzero(votes.doc == doc)
        live = [
            LiveVote(
                rating=Label(["unsafe", "neutral", "great"][votes.rating[i]]),
                voter_class=VoterClass(int(classes[i])),
                independent=bool(votes.independent[i]),
                matrix=result.voter_matrix(int(votes.voter[i])),
            )
            for i in rows
        ]
        assert document_consensus(live, state, result.params) == result.consensus(doc)


def test_voters_who_only_follow_the_consensus_gain_no_weight() -> None:
    truth, votes, _ = synthetic(n_docs=800, n_voters=40, spam=0.0, seed=7)
    # Voter 40 agrees with the truth on 200 documents, every vote cast after seeing the tally.
    docs = np.arange(200)
    doc = np.concatenate([votes.doc, docs])
    voter = np.concatenate([votes.voter, np.full(200, 40)])
    rating = np.concatenate([votes.rating, truth[docs]])
    independent = np.concatenate([votes.independent, np.zeros(200, bool)])
    result = fit(Votes.from_arrays(doc, voter, rating, independent=independent, n_voters=42))
    new_voter = np.asarray(result.state.pooled[VoterClass.ACCOUNT])
    np.testing.assert_allclose(result.confusion[40], new_voter)
    np.testing.assert_allclose(result.confusion[41], new_voter)  # never voted


def _brigade(account_votes: int) -> Votes:
    """Background votes, then document 500: account `great` votes, 20 fresh anonymous `unsafe`."""
    _truth, votes, _ = synthetic(n_docs=500, n_voters=40, spam=0.0, seed=11)
    docs = np.full(account_votes + 20, 500)
    voter = np.concatenate([np.arange(account_votes), 40 + np.arange(20)])
    rating = np.array([2] * account_votes + [0] * 20)
    classes = np.concatenate([np.zeros(40, int), np.ones(20, int)])  # by voter id
    return Votes.from_arrays(
        np.concatenate([votes.doc, docs]),
        np.concatenate([votes.voter, voter]),
        np.concatenate([votes.rating, rating]),
        voter_class=classes[np.concatenate([votes.voter, voter])],
        independent=np.concatenate(
            [votes.independent, np.arange(account_votes + 20) < account_votes]
        ),
        n_docs=501,
        n_voters=60,
    )


def test_a_brigade_of_fresh_identities_does_not_flip_five_account_votes() -> None:
    result = fit(_brigade(5))
    assert result.consensus(500).label is Label.GREAT
    live = [
        LiveVote(Label.GREAT, VoterClass.ACCOUNT, True, 1.0, result.voter_matrix(v))
        for v in range(5)
    ]
    live += [LiveVote(Label.UNSAFE, VoterClass.ANONYMOUS, False) for _ in range(20)]
    assert document_consensus(live, result.state, result.params).label is Label.GREAT
    fresh = [LiveVote(Label.GREAT) for _ in range(5)]
    fresh += [LiveVote(Label.UNSAFE, VoterClass.ANONYMOUS) for _ in range(20)]
    assert document_consensus(fresh, ModelState.initial(DawidSkeneParams())).label is Label.GREAT


def test_no_votes_reads_like_an_unvoted_document() -> None:
    result = compute(Counts())
    assert (result.label, result.score, result.confidence) == (Label.NEUTRAL, 0.0, 0.0)
    assert result.status is Status.NEEDS_VOTES
    assert result.score_interval == (-1.0, 1.0)


def test_registered_beside_v1_with_a_counts_only_path() -> None:
    method = get_method("dawid-skene-v2")
    assert isinstance(method, VoteLevelMethod)
    assert not isinstance(get_method("dirichlet-v1"), VoteLevelMethod)
    result = method.compute(Counts(0, 1, 4), ConsensusParams(min_votes=6))
    assert result.label is Label.GREAT
    assert result.status is Status.NEEDS_VOTES
    assert compute(Counts(0, 0, 9)).score_interval == (1.0, 1.0)
    assert compute(Counts(4, 0, 4)).score_interval == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rating": [3]}, "rating"),
        ({"voter_class": [2]}, "voter_class"),
        ({"weight": [1.5]}, "weight"),
        ({"doc": [0.5]}, "integers"),
    ],
)
def test_bad_vote_tables_are_refused(kwargs: dict[str, list[float]], message: str) -> None:
    columns = {"doc": [0], "voter": [0], "rating": [1], **kwargs}
    doc, voter, rating = columns.pop("doc"), columns.pop("voter"), columns.pop("rating")
    with pytest.raises(ValueError, match=message):
        Votes.from_arrays(doc, voter, rating, **columns)  # type: ignore[arg-type]


def test_one_class_per_voter() -> None:
    with pytest.raises(ValueError, match="same voter_class"):
        Votes.from_arrays([0, 1], [0, 0], [1, 1], voter_class=[0, 1])


def test_params_are_checked_and_recorded() -> None:
    with pytest.raises(ValueError, match="anonymous_trust"):
        DawidSkeneParams(anonymous_trust=0)
    recorded = DawidSkeneParams.from_consensus_params(ConsensusParams(threshold=0.9)).as_dict()
    assert recorded["threshold"] == 0.9
    assert recorded["anonymous_trust"] == 0.05


def test_worked_example_from_the_docs() -> None:
    # docs/consensus.md: 3 great votes from new accounts, 2 unsafe from new anonymous identities.
    state = ModelState.initial(DawidSkeneParams())
    votes = [LiveVote(Label.GREAT)] * 3 + [LiveVote(Label.UNSAFE, VoterClass.ANONYMOUS)] * 2
    result = document_consensus(votes, state)
    assert result.posterior == pytest.approx((0.0113, 0.0096, 0.9790), abs=1e-4)
    assert result.score == pytest.approx(0.968, abs=1e-3)
    assert result.score_interval == (1.0, 1.0)
    assert result.status is Status.SETTLED
    brigade = [LiveVote(Label.GREAT)] * 3 + [LiveVote(Label.UNSAFE, VoterClass.ANONYMOUS)] * 20
    assert document_consensus(brigade, state).confidence == pytest.approx(0.943, abs=1e-3)
