"""The cast_vote service: replacement, refusals, tallies and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.ratelimit import RateLimited
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import InvalidRating, OwnDocument, cast_vote


def test_voting_again_replaces_the_vote_and_moves_the_tally(
    member: User, document: Document
) -> None:
    voter = Voter(key=member.voter_key, user=member)
    cast_vote(document.pk, voter, "unsafe")
    stored, consensus = cast_vote(document.pk, voter, "great")
    assert Vote.objects.get().rating == "great"
    assert consensus.counts.as_tuple() == (0, 0, 1)
    document.refresh_from_db()
    assert (document.votes_unsafe, document.votes_great, document.votes_total) == (0, 1, 1)
    assert stored.score == document.score
    previous = [e.data["previous"] for e in AuditEntry.objects.filter(action="vote.cast")]
    assert sorted(previous, key=str) == [None, "unsafe"]


def test_same_vote_twice_changes_nothing(member: User, document: Document) -> None:
    voter = Voter(key=member.voter_key, user=member)
    cast_vote(document.pk, voter, "neutral")
    _, consensus = cast_vote(document.pk, voter, "neutral")
    assert consensus.counts.as_tuple() == (0, 1, 0)
    assert AuditEntry.objects.filter(action="vote.cast").count() == 1


def test_uploader_is_refused(uploader: User, document: Document) -> None:
    with pytest.raises(OwnDocument):
        cast_vote(document.pk, Voter(key=uploader.voter_key, user=uploader), "great")
    assert not Vote.objects.exists()


@pytest.mark.parametrize("rating", ["", "Great", "bad", "unsafe "])
def test_invalid_rating_is_refused(document: Document, rating: str) -> None:
    with pytest.raises(InvalidRating):
        cast_vote(document.pk, Voter(key="a:x"), rating)
    assert not Vote.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.HELD, Visibility.HIDDEN, Visibility.REMOVED])
def test_documents_out_of_view_cannot_be_voted_on(document: Document, visibility: str) -> None:
    Document.objects.filter(pk=document.pk).update(visibility=visibility)
    with pytest.raises(Document.DoesNotExist):
        cast_vote(document.pk, Voter(key="a:x"), "great")


def test_rate_limit_per_voter(make_document: Any, settings: Any) -> None:
    settings.SAFEDATA_VOTE_RATE_LIMIT = "2/h"
    voter = Voter(key="a:busy")
    docs = [make_document() for _ in range(3)]
    cast_vote(docs[0].pk, voter, "great")
    cast_vote(docs[1].pk, voter, "great")
    with pytest.raises(RateLimited):
        cast_vote(docs[2].pk, voter, "great")
    cast_vote(docs[2].pk, Voter(key="a:other"), "great")  # another voter is not affected
    assert Vote.objects.count() == 3


def test_new_anonymous_ids_are_limited_per_address(document: Document, settings: Any) -> None:
    settings.SAFEDATA_IDENTITY_RATE_LIMIT = "2/h"
    fresh = [Voter(key=f"a:new{i}", is_new=True, network_key="net") for i in range(3)]
    cast_vote(document.pk, fresh[0], "great")
    cast_vote(document.pk, fresh[1], "great")
    with pytest.raises(RateLimited):
        cast_vote(document.pk, fresh[2], "great")
    assert Vote.objects.count() == 2


@pytest.mark.parametrize("document_id", [0, -1, 2**63, 10**30])
def test_ids_beyond_the_database_range_are_not_found(db: None, document_id: int) -> None:
    with pytest.raises(Document.DoesNotExist):
        cast_vote(document_id, Voter(key="a:range"), "great")
