"""The built-in sample is plain data: sixty original texts across the spectrum."""

from __future__ import annotations

from collections import Counter

from safedata.demo.sample import SAMPLE, VOTE_LETTERS, Kind


def test_sample_spans_the_spectrum_with_unique_titled_texts() -> None:
    assert len(SAMPLE) == 60
    assert Counter(doc.kind for doc in SAMPLE) == dict.fromkeys(Kind, 20)
    assert len({doc.title for doc in SAMPLE}) == len(SAMPLE)
    assert len({doc.text for doc in SAMPLE}) == len(SAMPLE)
    assert all(doc.title and 0 < len(doc.text) < 700 for doc in SAMPLE)


def test_simulated_votes_mostly_agree_with_the_kind_written() -> None:
    expected = {Kind.HELPFUL: "great", Kind.NEUTRAL: "neutral", Kind.UNHELPFUL: "unsafe"}
    for doc in SAMPLE:
        ratings = [rating for _, rating in doc.ratings()]
        assert set(doc.votes) <= set(VOTE_LETTERS)
        if ratings:
            assert Counter(ratings).most_common(1)[0][0] == expected[doc.kind], doc.title
    # Some documents arrive without votes or with too few to settle, so there is work left.
    assert sum(1 for doc in SAMPLE if len(doc.votes) < 3) >= 5
