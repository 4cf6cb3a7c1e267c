"""The review queue: what a voter is shown next, and in which order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from safedata.accounts.models import User
from safedata.documents.models import Document, Visibility
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.queue import next_document

ANON = Voter(key="a:queue-test")


def _set_votes(document: Any, great: int) -> None:
    Document.objects.filter(pk=document.pk).update(votes_great=great, votes_total=great)


def _draws(voter: Voter, n: int, exclude: list[int] | None = None) -> list[int]:
    picks = [next_document(voter, exclude or []) for _ in range(n)]
    return [pick.pk for pick in picks if pick is not None]


def test_never_shows_a_document_the_voter_rated(make_document: Callable[..., Any]) -> None:
    rated = make_document()
    fresh = make_document()
    Vote.objects.create(document=rated, voter_key=ANON.key, rating="great")
    assert set(_draws(ANON, 30)) == {fresh.pk}


def test_never_shows_uploaders_their_own_documents(
    make_document: Callable[..., Any], uploader: User, member: User
) -> None:
    make_document(owner=uploader)
    theirs = make_document(owner=member)
    assert set(_draws(Voter(key=uploader.voter_key, user=uploader), 30)) == {theirs.pk}
    assert next_document(Voter(key=member.voter_key, user=member)) is not None


def test_skipped_and_invisible_documents_are_left_out(make_document: Callable[..., Any]) -> None:
    skipped = make_document()
    hidden = make_document()
    Document.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    shown = make_document()
    assert set(_draws(ANON, 30, exclude=[skipped.pk])) == {shown.pk}


def test_nothing_left_gives_none(make_document: Callable[..., Any]) -> None:
    assert next_document(ANON) is None
    only = make_document()
    assert next_document(ANON, [only.pk]) is None


def test_prefers_the_fewest_votes(make_document: Callable[..., Any]) -> None:
    well_rated = [make_document() for _ in range(5)]
    for document in well_rated:
        _set_votes(document, 3)
    needy = make_document()
    _set_votes(needy, 1)
    assert set(_draws(ANON, 30)) == {needy.pk}


def test_prefers_the_least_certain_within_a_tier(make_document: Callable[..., Any]) -> None:
    certain = [make_document() for _ in range(12)]
    Document.objects.filter(pk__in=[d.pk for d in certain]).update(confidence=0.9)
    uncertain = make_document()
    Document.objects.filter(pk=uncertain.pk).update(confidence=0.34)
    picks = Counter(_draws(ANON, 200))
    # Ranked first of the top ten with weight 1/(rank+1): about a third of the draws.
    assert picks[uncertain.pk] > 200 / 10


def test_two_reviewers_do_not_see_the_same_order(make_document: Callable[..., Any]) -> None:
    tied = {make_document().pk for _ in range(10)}
    picks = [next_document(Voter(key=f"a:reviewer-{i}")) for i in range(20)]
    firsts = {pick.pk for pick in picks if pick is not None}
    assert firsts <= tied
    # All ten tied: the chance that 20 independent draws agree is below 1e-18.
    assert len(firsts) >= 2


def test_exposure_is_spread_across_uploaders(
    make_document: Callable[..., Any], uploader: User, member: User
) -> None:
    for _ in range(50):
        make_document(owner=uploader)
    lone = make_document(owner=member)
    draws = _draws(ANON, 300)
    share = draws.count(lone.pk) / len(draws)
    # One uploader is drawn uniformly first: about 1/2, where per-document sampling gives 1/51.
    assert 0.3 < share < 0.7


def test_queue_cost_does_not_grow_with_the_table(
    make_document: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(40):
        make_document()
    with django_assert_max_num_queries(3):
        # A long skip list stays one bounded NOT IN, not one query per id.
        assert next_document(ANON, list(range(10**6, 10**6 + 200))) is not None
