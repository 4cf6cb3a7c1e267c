"""Casting votes: one per voter per document, tallies updated in the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from safedata.audit.models import log_action
from safedata.consensus import Consensus, Counts, get_method
from safedata.documents.models import Document
from safedata.ratelimit import Rate, hit
from safedata.voting.identity import Voter
from safedata.voting.models import Rating, Vote


class VoteError(Exception):
    """A vote that cannot be accepted; ``code`` maps to an HTTP status."""

    code = "invalid"


class OwnDocument(VoteError):
    code = "own_document"


class InvalidRating(VoteError):
    code = "invalid_rating"


_TALLY_FIELDS = (
    "uploader",
    "votes_unsafe",
    "votes_neutral",
    "votes_great",
    "votes_total",
    "score",
    "label",
    "confidence",
    "status",
)
"""What a vote reads from the locked row; the text (up to MAX_DOCUMENT_CHARS) stays deferred."""


def consensus_for(counts: Counts) -> Consensus:
    """The consensus under the configured method and parameters."""
    method = get_method(settings.SAFEDATA_CONSENSUS_METHOD)
    return method.compute(counts, settings.SAFEDATA_CONSENSUS)


def _adjusted(counts: Counts, previous: str | None, rating: str) -> Counts:
    values = dict(zip(("unsafe", "neutral", "great"), counts.as_tuple(), strict=True))
    if previous is not None:
        values[previous] -= 1
    values[rating] += 1
    return Counts(**values)


def cast_vote(document_id: int, voter: Voter, rating: str) -> tuple[Document, Consensus]:
    """Record ``voter``'s ``rating`` of a visible document and return the new consensus.

    Raises ``Document.DoesNotExist``, ``InvalidRating``, ``OwnDocument`` or
    ``safedata.ratelimit.RateLimited``. The document row is locked for the
    duration, so concurrent votes on it never lose an update.
    """
    if rating not in Rating.values:
        raise InvalidRating(f"rating must be one of: {', '.join(Rating.values)}")
    rate = Rate.parse(settings.SAFEDATA_VOTE_RATE_LIMIT)
    hit("vote", voter.key, rate)
    if voter.is_new and voter.network_key:
        hit("vote-new-voter", voter.network_key, rate)
    with transaction.atomic():
        document = (
            Document.objects.public().select_for_update().only(*_TALLY_FIELDS).get(pk=document_id)
        )
        if voter.user_id is not None and voter.user_id == document.uploader_id:
            raise OwnDocument("You cannot vote on a document you uploaded.")
        existing = Vote.objects.filter(document=document, voter_key=voter.key).first()
        if existing is not None and existing.rating == rating:
            return document, consensus_for(document.counts)
        previous = existing.rating if existing is not None else None
        if existing is None:
            Vote.objects.create(
                document=document, voter_key=voter.key, user=voter.user, rating=rating
            )
        else:
            existing.rating = rating
            existing.save(update_fields=["rating", "updated_at"])
        consensus = consensus_for(_adjusted(document.counts, previous, rating))
        document.save(update_fields=document.apply_consensus(consensus))
        log_action(
            "vote.cast",
            document,
            actor=voter.user,
            actor_key=voter.key,
            data={"rating": rating, "previous": previous},
        )
    return document, consensus


def rating_of(document: Document, voter: Voter) -> str | None:
    """The voter's current rating of ``document``, if any."""
    return (
        Vote.objects.filter(document=document, voter_key=voter.key)
        .values_list("rating", flat=True)
        .first()
    )
