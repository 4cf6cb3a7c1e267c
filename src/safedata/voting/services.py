"""Casting votes: one per voter per document, tallies updated in the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safedata.consensus import LABELS, Consensus, Counts, Label, get_method
from safedata.documents.models import Document
from safedata.ratelimit import Rate, hit
from safedata.voting import sql
from safedata.voting.identity import Voter
from safedata.voting.models import Vote


class VoteError(Exception):
    """A vote that cannot be accepted; ``code`` maps to an HTTP status."""

    code = "invalid"


class OwnDocument(VoteError):
    code = "own_document"


class InvalidRating(VoteError):
    code = "invalid_rating"


_MAX_ID = 2**63 - 1


def consensus_for(counts: Counts) -> Consensus:
    """The consensus under the configured method and parameters."""
    method = get_method(settings.SAFEDATA_CONSENSUS_METHOD)
    return method.compute(counts, settings.SAFEDATA_CONSENSUS)


def _adjusted(counts: Counts, previous: str | None, rating: str) -> Counts:
    values = {label.value: n for label, n in zip(LABELS, counts.as_tuple(), strict=True)}
    if previous is not None:
        values[previous] -= 1
    values[rating] += 1
    return Counts(**values)


_RATINGS = frozenset(label.value for label in Label)


def cast_vote(document_id: int, voter: Voter, rating: str) -> tuple[Document, Consensus]:
    """Record ``voter``'s ``rating`` of a visible document and return the new consensus.

    Raises ``Document.DoesNotExist``, ``InvalidRating``, ``OwnDocument`` or
    ``safedata.ratelimit.RateLimited``. The document row is locked for the
    duration, so concurrent votes on it never lose an update. The returned
    document holds the tallies; its other fields load when read.
    """
    if rating not in _RATINGS:
        raise InvalidRating(f"rating must be one of: {', '.join(LABELS)}")
    rate = Rate.parse(settings.SAFEDATA_VOTE_RATE_LIMIT)
    hit("vote", voter.key, rate)
    if voter.is_new and voter.network_key:
        hit("vote-new-voter", voter.network_key, rate)
    if not 0 < document_id <= _MAX_ID:
        # The ORM answers "no such row" for ids beyond BIGINT; plain SQL would overflow.
        raise Document.DoesNotExist(f"no visible document {document_id}")
    with transaction.atomic():
        tally = sql.lock_tally(document_id, voter.key)
        if tally is None:
            raise Document.DoesNotExist(f"no visible document {document_id}")
        if voter.user_id is not None and voter.user_id == tally.uploader_id:
            raise OwnDocument("You cannot vote on a document you uploaded.")
        if tally.previous == rating:
            consensus = consensus_for(tally.counts)
            return sql.partial_document(document_id, tally, consensus), consensus
        consensus = consensus_for(_adjusted(tally.counts, tally.previous, rating))
        now = timezone.now()
        sql.upsert_vote(
            document_id=document_id,
            voter_key=voter.key,
            user_id=voter.user_id,
            rating=rating,
            now=now,
        )
        sql.store_consensus(document_id, consensus)
        sql.insert_audit(
            action="vote.cast",
            document_id=document_id,
            actor_id=voter.user_id,
            actor_key=voter.key,
            data={"rating": rating, "previous": tally.previous},
            now=now,
        )
    return sql.partial_document(document_id, tally, consensus), consensus


def rating_of(document: Document, voter: Voter) -> str | None:
    """The voter's current rating of ``document``, if any."""
    return (
        Vote.objects.filter(document=document, voter_key=voter.key)
        .values_list("rating", flat=True)
        .first()
    )
