"""Casting, withdrawing and recounting votes; tallies and consensus updated in the same transaction.

Public API for other apps: ``cast_vote``, ``withdraw_vote`` (undo),
``recount_documents`` (after any change to which votes count) and
``set_votes_counted`` (suspension, quarantine and release).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from safedata.accounts.roles import Person, require_not_suspended
from safedata.audit.models import log_actions
from safedata.consensus import LABELS, ConsensusParams, Counts, Label, Status
from safedata.consensus.dawid_skene import WeightedConsensus
from safedata.documents.models import Document
from safedata.voting import defences, sql, weights
from safedata.voting.identity import Voter
from safedata.voting.models import QuarantineGroup, Vote


class VoteError(Exception):
    """A vote that cannot be accepted; ``code`` maps to an HTTP status."""

    code = "invalid"


class OwnDocument(VoteError):
    code = "own_document"


class InvalidRating(VoteError):
    code = "invalid_rating"


_MAX_ID = 2**63 - 1
_RECOUNT_BATCH = 500


def _adjusted(counts: Counts, previous: str | None, rating: str) -> Counts:
    values = {label.value: n for label, n in zip(LABELS, counts.as_tuple(), strict=True)}
    if previous is not None:
        values[previous] -= 1
    values[rating] += 1
    return Counts(**values)


_RATINGS = frozenset(label.value for label in Label)


def cast_vote(
    document_id: int, voter: Voter, rating: str, *, blind: bool = False
) -> tuple[Document, WeightedConsensus]:
    """Record ``voter``'s ``rating`` of a visible document and return the new consensus.

    ``blind`` says the page the vote came from hid the document's tally (the
    review page): a first vote through it on a document that still needs votes
    is *independent*, the only kind consensus v2 learns reliability from.
    Raises ``Document.DoesNotExist``, ``InvalidRating``, ``OwnDocument``,
    ``AccountSuspended`` or ``safedata.ratelimit.RateLimited``. The document row
    is locked for the duration, so concurrent votes on it never lose an update.
    The returned document holds the tallies; its other fields load when read.
    """
    if rating not in _RATINGS:
        raise InvalidRating(f"rating must be one of: {', '.join(LABELS)}")
    require_not_suspended(voter.user)
    defences.admit_vote(voter)
    if not 0 < document_id <= _MAX_ID:
        # The ORM answers "no such row" for ids beyond BIGINT; plain SQL would overflow.
        raise Document.DoesNotExist(f"no visible document {document_id}")
    with transaction.atomic():
        tally = sql.lock_tally(
            document_id,
            voter.key,
            with_votes=weights.is_vote_level(),
            rating=rating,
            since=defences.burst_since(timezone.now()),
        )
        if tally is None:
            raise Document.DoesNotExist(f"no visible document {document_id}")
        if voter.user_id is not None and voter.user_id == tally.uploader_id:
            raise OwnDocument("You cannot vote on a document you uploaded.")
        if tally.previous == rating:
            return sql.partial_document(document_id, tally, tally.stored), tally.stored
        independent = blind and tally.previous is None and tally.stored.status == Status.NEEDS_VOTES
        consensus = _after_vote(document_id, tally, voter.key, rating, independent)
        now = timezone.now()
        sql.write_vote(
            document_id=document_id,
            voter_key=voter.key,
            user_id=voter.user_id,
            rating=rating,
            independent=independent,
            consensus=consensus,
            previous=tally.previous,
            now=now,
        )
        # Burst and serial checks (voting.defences); a quarantine recounts the documents.
        defences.after_vote(
            document_id,
            voter,
            rating,
            uploader_id=tally.uploader_id,
            now=now,
            same_before=tally.same_since,
            independent=independent,
        )
    return sql.partial_document(document_id, tally, consensus), consensus


def _after_vote(
    document_id: int, tally: sql.LockedTally, voter_key: str, rating: str, independent: bool
) -> WeightedConsensus:
    """The consensus once the vote is in, computed before it is written.

    v1 adjusts the locked counts; v2 recomputes from the locked rows with the
    voter's row as it will be stored (a replaced vote keeps its ``counted`` flag
    and is no longer independent).
    """
    if not weights.is_vote_level():
        counts = tally.counts
        if tally.previous_counted:
            counts = _adjusted(counts, tally.previous, rating)
        return _v1_consensus(
            counts, tally.stored.quarantined, weights.method_id(), settings.SAFEDATA_CONSENSUS
        )
    mine = sql.VoteRow(
        document_id, voter_key, rating, independent, tally.previous_counted, tally.voter_matrix
    )
    rows = [mine if row.voter_key == voter_key else row for row in tally.rows]
    if tally.previous is None:
        rows.append(mine)
    return weights.consensus_of(rows, tally.fit_id)


@functools.lru_cache(maxsize=4096)
def _v1_consensus(
    counts: Counts, uncounted: int, method: str, params: ConsensusParams
) -> WeightedConsensus:
    """``weights.v1_consensus``, memoised: it depends only on the counts and the settings
    (the method and its parameters are part of the key), and costs a few NumPy calls."""
    return weights.v1_consensus(counts, uncounted=uncounted)


@dataclass(frozen=True)
class Withdrawn:
    """A vote taken back: what it was, and the document's consensus without it."""

    rating: str
    consensus: WeightedConsensus


def withdraw_vote(document: Document, voter: Voter) -> Withdrawn | None:
    """Delete ``voter``'s vote on ``document`` and recount it (the review page's undo).

    Returns None when the voter had no vote there. Raises ``AccountSuspended``
    for a suspended member (their votes stay as moderation left them). Writes
    ``vote.withdrawn`` with the withdrawn rating.
    """
    require_not_suspended(voter.user)
    with transaction.atomic():
        if not sql.lock_documents([document.pk]):
            return None
        rating = sql.delete_vote(document.pk, voter.key)
        if rating is None:
            return None
        consensus = _recount_locked([document.pk])[document.pk]
        sql.insert_audit(
            action="vote.withdrawn",
            document_id=document.pk,
            actor_id=voter.user_id,
            actor_key=voter.key,
            data={"rating": rating},
            now=timezone.now(),
        )
    return Withdrawn(rating=rating, consensus=consensus)


def recount_documents(document_ids: Iterable[int]) -> dict[int, WeightedConsensus]:
    """Recompute the tallies and consensus of those documents from their counted votes.

    Uses the configured method and the newest refit's voter matrices, in batches,
    each under the documents' row locks (so no vote in flight is lost). Returns
    the new consensus of each document found.
    """
    ids = sorted(set(document_ids))
    result: dict[int, WeightedConsensus] = {}
    for start in range(0, len(ids), _RECOUNT_BATCH):
        with transaction.atomic():
            result.update(_recount_locked(ids[start : start + _RECOUNT_BATCH]))
    return result


def _recount_locked(document_ids: list[int]) -> dict[int, WeightedConsensus]:
    """Recount within the caller's transaction; locks the rows first."""
    found = sql.lock_documents(document_ids)
    if not found:
        return {}
    rows, fit_id = sql.document_votes(found)
    by_document: dict[int, list[sql.VoteRow]] = {pk: [] for pk in found}
    for row in rows:
        by_document[row.document_id].append(row)
    result = {}
    for pk, votes in by_document.items():
        result[pk] = weights.consensus_of(votes, fit_id)
        sql.store_consensus(pk, result[pk])
    return result


def set_votes_counted(
    votes: QuerySet[Vote], counted: bool, *, actor: Person | None, reason: str
) -> int:
    """Take ``votes`` out of the consensus (``counted=False``) or back in, and recount.

    Counting a vote again skips those still held by an open quarantine group or
    cast by a suspended member: releasing one hold never lifts another. Writes one
    ``vote.uncounted`` / ``vote.counted`` entry per touched document (reason and
    number of votes). Returns the number of votes changed.
    """
    with transaction.atomic():
        selected = votes.filter(counted=not counted)
        if counted:
            selected = selected.exclude(
                quarantine_group__status__in=[
                    QuarantineGroup.State.OPEN,
                    QuarantineGroup.State.CONFIRMED,
                ]
            ).exclude(user__suspended_at__isnull=False)
        changed = list(selected.values_list("pk", "document_id"))
        if not changed:
            return 0
        Vote.objects.filter(pk__in=[pk for pk, _ in changed]).update(counted=counted)
        per_document: dict[int, int] = {}
        for _, document_id in changed:
            per_document[document_id] = per_document.get(document_id, 0) + 1
        recount_documents(per_document)
        targets = Document.objects.filter(pk__in=per_document).only("pk")
        log_actions(
            "vote.counted" if counted else "vote.uncounted",
            [(doc, {"reason": reason, "votes": per_document[doc.pk]}) for doc in targets],
            actor=actor,
        )
    return len(changed)


def rating_of(document: Document, voter: Voter) -> str | None:
    """The voter's current rating of ``document``, if any."""
    return (
        Vote.objects.filter(document=document, voter_key=voter.key)
        .values_list("rating", flat=True)
        .first()
    )
