"""Defences of the vote path: limits on who may vote how often, and quarantine of votes
that look coordinated.

``admit_vote`` runs before a vote is stored: a new anonymous identity is counted
against its address (``identity.claim_identity``), then the vote against the
voter and the address. ``after_vote`` runs in the vote's transaction once it is
stored and looks for two patterns:

- a *burst*: many young identities (anonymous ids first seen recently, accounts
  not established yet) giving one document the same rating within a short window,
  making up most of that window's votes on it;
- *serial voting*: one voter rating many documents of one uploader within a
  short window, nearly all the same way (review-page votes do not count: the
  queue picks those documents, not the voter).

Their votes go into one ``QuarantineGroup`` and out of the consensus
(``counted=False``) until a moderator releases or confirms the group, or it ages
in. Every step is an audit entry, and every decision can be changed again. The
voter is not told: the vote is accepted as usual. Thresholds:
``settings.SAFEDATA_DEFENCES`` (``docs/settings.md``), never shown to voters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from safedata.accounts.roles import Person
from safedata.audit.models import log_action
from safedata.consensus.votes import VoterClass
from safedata.ratelimit import Rate, hit, once_per, recent_count
from safedata.thresholds import Defences
from safedata.voting import services as vote_services
from safedata.voting.identity import Voter, claim_identity, voter_classes
from safedata.voting.models import QuarantineGroup, Vote

logger = logging.getLogger(__name__)

Reason = QuarantineGroup.Reason
State = QuarantineGroup.State
_AGE_IN_EVERY_SECONDS = 3600
AGE_IN_GATE = "quarantine:age-in"
"""Cache key present while the last age-in run is less than an hour old."""


def admit_vote(voter: Voter) -> None:
    """Count a vote against the limits; ``RateLimited`` when one is reached.

    A new anonymous identity counts against ``IDENTITY_RATE_LIMIT`` of its
    address; every vote against ``VOTE_RATE_LIMIT`` of its voter and
    ``VOTE_ADDRESS_RATE_LIMIT`` of its address.
    """
    claim_identity(voter)
    hit("vote", voter.key, Rate.parse(settings.SAFEDATA_VOTE_RATE_LIMIT))
    if voter.network_key:
        hit(
            "vote-address", voter.network_key, Rate.parse(settings.SAFEDATA_VOTE_ADDRESS_RATE_LIMIT)
        )


def _defences() -> Defences:
    defences: Defences = settings.SAFEDATA_DEFENCES
    return defences


@dataclass(frozen=True)
class _Recent:
    pk: int
    voter_key: str
    user_id: int | None
    rating: str
    counted: bool


def _young_keys(votes: Sequence[_Recent], now: datetime) -> set[str]:
    """The voter keys among ``votes`` that are young identities."""
    since = now - timedelta(hours=_defences().young_identity_hours)
    anonymous = {vote.voter_key for vote in votes if vote.voter_key.startswith("a:")}
    first_votes = (
        Vote.objects.filter(voter_key__in=anonymous)
        .values("voter_key")
        .annotate(first=Min("created_at"))
        .values_list("voter_key", "first")
    )
    young = {key for key, first in first_votes if first >= since}
    members = {f"u:{vote.user_id}" for vote in votes if vote.user_id is not None}
    classes = voter_classes(members, now)
    young.update(key for key, cls in classes.items() if cls == VoterClass.ANONYMOUS)
    return young


def _recent(rows: Iterable[tuple[Any, ...]]) -> list[_Recent]:
    return [_Recent(*row) for row in rows]


_RECENT_FIELDS = ("pk", "voter_key", "user_id", "rating", "counted")


def _burst(document_id: int, rating: str, now: datetime) -> list[_Recent]:
    """The votes of a burst on the document that includes a vote for ``rating``, or none."""
    defences = _defences()
    since = now - timedelta(minutes=defences.burst_window_minutes)
    recent = _recent(
        Vote.objects.filter(document_id=document_id, updated_at__gte=since).values_list(
            *_RECENT_FIELDS
        )
    )
    same = [vote for vote in recent if vote.rating == rating]
    if len(same) < defences.burst_min_votes:
        return []
    young = _young_keys(same, now)
    burst = [vote for vote in same if vote.voter_key in young]
    if len(burst) < defences.burst_min_votes or len(burst) < defences.burst_share * len(recent):
        return []
    return burst


def _series(voter_key: str, uploader_id: int, now: datetime) -> list[_Recent]:
    """The voter's recent votes on the uploader's documents, when they make a series."""
    defences = _defences()
    since = now - timedelta(minutes=defences.serial_window_minutes)
    votes = _recent(
        Vote.objects.filter(
            voter_key=voter_key,
            updated_at__gte=since,
            document__uploader_id=uploader_id,
            independent=False,
        ).values_list(*_RECENT_FIELDS)
    )
    if len(votes) < defences.serial_min_votes:
        return []
    ratings = [vote.rating for vote in votes]
    top = max(ratings.count(rating) for rating in set(ratings))
    return votes if top >= defences.serial_share * len(votes) else []


def _quarantine(
    votes: Sequence[_Recent], group: QuarantineGroup | None, create: dict[str, Any]
) -> QuarantineGroup | None:
    """Put the still-counted ``votes`` into ``group`` (or a new one) and out of the consensus."""
    pending = [vote.pk for vote in votes if vote.counted]
    if not pending:
        return group
    opened = group is None
    if group is None:
        group = QuarantineGroup.objects.create(**create)
    Vote.objects.filter(pk__in=pending).update(quarantine_group=group)
    vote_services.set_votes_counted(
        Vote.objects.filter(pk__in=pending), False, actor=None, reason=f"quarantine.{group.reason}"
    )
    log_action(
        "quarantine.opened" if opened else "quarantine.extended",
        group,
        data={"reason": group.reason, "votes": len(pending), **group.detail},
    )
    return group


def burst_since(now: datetime) -> datetime:
    """The start of the burst window that ends at ``now``."""
    return now - timedelta(minutes=_defences().burst_window_minutes)


def after_vote(
    document_id: int,
    voter: Voter,
    rating: str,
    *,
    uploader_id: int | None,
    now: datetime,
    same_before: int | None = None,
    independent: bool = False,
) -> None:
    """Look for a burst on the document and a series by the voter; quarantine what is found.

    Call in the vote's transaction, after the vote is stored, with the document's
    row locked. Also schedules the hourly age-in of old open groups after commit.

    Both checks are queries over recent votes; each runs only when a cheap count says
    it could find something, so a vote that cannot complete a pattern costs no query:

    - the burst check, when ``same_before`` (the votes on the document with this
      rating in the window, read with the lock by ``sql.lock_tally``) plus this one
      reach ``BURST_MIN_VOTES`` (None: always);
    - the serial check, when the voter's votes on the uploader's documents, counted
      in the rate-limit store over the last two windows (``ratelimit.recent_count``,
      never fewer than the window holds), reach ``SERIAL_MIN_VOTES``. An
      ``independent`` vote (through the review page) is no part of a series and
      neither counts nor checks.
    """
    thresholds = _defences()
    burst = (
        _burst(document_id, rating, now)
        if same_before is None or same_before + 1 >= thresholds.burst_min_votes
        else []
    )
    if burst:
        open_group = QuarantineGroup.objects.filter(
            reason=Reason.BURST, document_id=document_id, status=State.OPEN
        ).first()
        _quarantine(
            burst,
            open_group,
            {
                "reason": Reason.BURST,
                "document_id": document_id,
                "detail": {"rating": rating, "identities": len(burst)},
            },
        )
    series = (
        _series(voter.key, uploader_id, now)
        if uploader_id is not None
        and not independent
        and _serial_count(voter.key, uploader_id, now) >= thresholds.serial_min_votes
        else []
    )
    if series:
        open_group = QuarantineGroup.objects.filter(
            reason=Reason.SERIAL,
            target_uploader_id=uploader_id,
            status=State.OPEN,
            detail__voter_key=voter.key,
        ).first()
        _quarantine(
            series,
            open_group,
            {
                "reason": Reason.SERIAL,
                "target_uploader_id": uploader_id,
                "detail": {"voter_key": voter.key, "documents": len(series)},
            },
        )
    if once_per(AGE_IN_GATE, _AGE_IN_EVERY_SECONDS):
        transaction.on_commit(_age_in_quietly)


def _serial_count(voter_key: str, uploader_id: int, now: datetime) -> int:
    """Count this vote and return at least the voter's recent votes on the uploader's documents."""
    seconds = 60 * _defences().serial_window_minutes
    return recent_count("serial", f"{voter_key}:{uploader_id}", seconds, at=now.timestamp())


class QuarantineError(Exception):
    """A decision that cannot be taken; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_ACTIONS: dict[str, str] = {
    State.RELEASED: "quarantine.released",
    State.CONFIRMED: "quarantine.confirmed",
    State.OPEN: "quarantine.reopened",
}


def decide(
    group_id: int, state: str, actor: Person | None, *, action: str | None = None
) -> QuarantineGroup:
    """Move a quarantine group to ``state`` and count its votes accordingly.

    ``released``: its votes count again (except those another hold keeps out);
    ``confirmed``: they stay out; ``open``: back to undecided, out. Any decision
    can be changed by another. Writes ``quarantine.<decision>`` (or ``action``).
    Raises ``QuarantineError`` (404 unknown group or state, 409 already so).
    """
    if state not in _ACTIONS:
        raise QuarantineError(f"Unknown decision {state!r}.", status=400)
    with transaction.atomic():
        group = QuarantineGroup.objects.select_for_update().filter(pk=group_id).first()
        if group is None:
            raise QuarantineError(f"No quarantine group {group_id}.", status=404)
        if group.status == state:
            raise QuarantineError(f"Group {group_id} is {state} already.")
        previous = group.status
        group.status = state
        group.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
        group.resolved_at = None if state == State.OPEN else timezone.now()
        group.save(update_fields=["status", "resolved_by", "resolved_at"])
        changed = vote_services.set_votes_counted(
            group.votes.all(), state == State.RELEASED, actor=actor, reason=_ACTIONS[state]
        )
        log_action(
            action or _ACTIONS[state],
            group,
            actor=actor,
            data={"previous": previous, "votes": changed},
        )
    return group


def age_in(now: datetime | None = None) -> int:
    """Release every open group older than ``QUARANTINE_AGE_IN_DAYS``; how many were."""
    cutoff = (now or timezone.now()) - timedelta(days=_defences().age_in_days)
    stale = QuarantineGroup.objects.filter(status=State.OPEN, created_at__lt=cutoff)
    released = 0
    for pk in stale.values_list("pk", flat=True):
        try:
            decide(pk, State.RELEASED, None, action="quarantine.aged_in")
        except QuarantineError:
            continue  # decided meanwhile
        released += 1
    return released


def _age_in_quietly() -> None:
    try:
        age_in()
    except Exception:  # the vote is committed; the next hour's run tries again
        logger.exception("quarantine age-in failed")
        cache.delete(AGE_IN_GATE)
