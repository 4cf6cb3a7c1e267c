"""Concurrent votes: the database, not luck, keeps one vote per voter and exact tallies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection

from safedata.accounts.models import User
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote

THREADS = 50
REPEATS = 20


def _hammer(work: Callable[[int], None], threads: int) -> list[BaseException]:
    """Run ``work(i)`` in ``threads`` threads released together; returns their errors."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # the test reports every failure
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


@pytest.fixture
def unlimited(settings: Any) -> None:
    settings.SAFEDATA_VOTE_RATE_LIMIT = "1000000/m"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("unlimited")
def test_same_vote_from_fifty_threads_is_one_row(member: User, document: Document) -> None:
    voter = Voter(key=member.voter_key, user=member)

    def vote(_: int) -> None:
        for _ in range(REPEATS):
            cast_vote(document.pk, voter, "great")

    assert _hammer(vote, THREADS) == []
    assert Vote.objects.filter(document=document).count() == 1
    document.refresh_from_db()
    assert (document.votes_great, document.votes_total) == (1, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("unlimited")
def test_changing_votes_from_many_voters_keep_exact_tallies(document: Document) -> None:
    ratings = ("unsafe", "neutral", "great")

    def vote(i: int) -> None:
        voter = Voter(key=f"a:thread{i}")
        for n in range(5):
            cast_vote(document.pk, voter, ratings[(i + n) % 3])

    assert _hammer(vote, 20) == []
    # Twenty fresh identities may be set aside as a burst (counted=False) depending on how
    # the threads interleave; the tallies must equal the counted votes either way.
    stored = [
        Vote.objects.filter(document=document, rating=r, counted=True).count() for r in ratings
    ]
    document.refresh_from_db()
    assert [document.votes_unsafe, document.votes_neutral, document.votes_great] == stored
    assert document.votes_total == sum(stored)
    assert Vote.objects.filter(document=document).count() == 20  # one row per voter


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("unlimited")
@pytest.mark.parametrize(
    "ratings",
    [("great", "great"), ("great", "unsafe")],
    ids=["same-rating-counted-once", "different-rating-not-counted-as-new"],
)
def test_two_simultaneous_first_votes_by_one_voter(
    member: User, make_document: Callable[..., Any], ratings: tuple[str, str], settings: Any
) -> None:
    """Neither counts both first votes, nor counts the later one as a new vote."""
    # One member rating ten documents of one uploader at once is serial voting; this test
    # is about the race, so the serial check stays out of the way.
    settings.SAFEDATA_DEFENCES = replace(settings.SAFEDATA_DEFENCES, serial_min_votes=10**9)
    documents = [make_document(f"Race text number {n}.") for n in range(10)]
    voter = Voter(key=member.voter_key, user=member)
    for document in documents:
        assert _hammer(lambda i, d=document: cast_vote(d.pk, voter, ratings[i]), 2) == []
    for document in documents:
        document.refresh_from_db()
        stored = Vote.objects.get(document=document, voter_key=voter.key).rating
        assert document.votes_total == 1
        assert getattr(document, f"votes_{stored}") == 1
