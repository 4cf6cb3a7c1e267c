"""Which document a reviewer sees next.

Candidates are public documents this voter has not rated, did not upload and
did not skip. Among them the queue prefers the fewest votes (the *tier*), and
inside that tier:

1. an uploader is drawn uniformly among the uploaders with documents in the
   tier, so a bulk upload of thousands of texts cannot crowd out everyone else;
2. that uploader's documents are ranked by ``ranking()`` (least certain
   consensus first) and one of the first ``TOP_K`` is drawn, the better ranked
   more likely, so two reviewers rarely see the same order.

Every query is bounded by a LIMIT and served by the indexes on
``(visibility, votes_total, confidence)``, ``uploader`` and
``(voter_key, document)``: no full-table random sort, no Python-side scan.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, Exists, F, OrderBy, OuterRef, Q, When

from safedata.documents.models import Document, DocumentQuerySet
from safedata.voting.identity import Voter
from safedata.voting.models import Vote

TOP_K = 10
"""How many of an uploader's best-ranked documents the final draw considers."""
MAX_UPLOADERS = 1000
"""Upper bound on the uploaders read from one tier (keeps the query bounded)."""
WAITING_CAP = 1000
"""The progress strip counts waiting documents up to this many, then says "1,000+"."""

_rng = random.SystemRandom()


def ranking() -> tuple[OrderBy, ...]:
    """Order of preference inside a tier: the least certain consensus first.

    With ``ACTIVE_LEARNING`` on and a classifier configured, documents where the
    model disagrees with the votes so far come first, then those the model is
    least sure about: the votes that teach the next model the most.
    """
    community = (F("confidence").asc(), F("id").asc())
    if not (settings.SAFEDATA_ACTIVE_LEARNING and settings.SAFEDATA_MODEL_DIR):
        return community
    disagrees = Case(
        When(Q(votes_total__gt=0) & ~Q(model_label="") & ~Q(model_label=F("label")), then=0),
        default=1,
    )
    return (disagrees.asc(), F("model_confidence").asc(nulls_last=True), *community)


def candidates(voter: Voter, exclude_ids: Iterable[int] = ()) -> DocumentQuerySet:
    """Public documents ``voter`` may review: not rated, not their own, not excluded."""
    rated = Vote.objects.filter(voter_key=voter.key).values("document_id")
    queryset = Document.objects.public().exclude(pk__in=rated)
    if voter.user_id is not None:
        queryset = queryset.exclude(uploader_id=voter.user_id)
    excluded = list(exclude_ids)
    if excluded:
        queryset = queryset.exclude(pk__in=excluded)
    return queryset.order_by()


def _lowest_tier(pool: DocumentQuerySet) -> int | None:
    return pool.order_by("votes_total").values_list("votes_total", flat=True).first()


def _uploaders_with(pool: DocumentQuerySet, tier: int, voter: Voter) -> list[int]:
    """Ids of the uploaders with a candidate in ``tier``.

    One index probe per uploader (on ``documents.uploader``) instead of a
    DISTINCT over the whole tier, which can hold most of the table.
    """
    in_tier = pool.filter(votes_total=tier)
    if connection.vendor == "sqlite":
        # SQLite's planner has no statistics and would walk the whole tier for each
        # uploader; ``votes_total + 0`` hides that column from it, so it takes the
        # uploader index (5 ms instead of 57 ms with 100k documents). PostgreSQL
        # plans this well on its own, and worse with the trick.
        in_tier = pool.alias(tier_votes=F("votes_total") + 0).filter(tier_votes=tier)
    has_candidate = Exists(in_tier.filter(uploader_id=OuterRef("pk")))
    users = get_user_model().objects.filter(has_candidate).order_by()
    if voter.user_id is not None:
        users = users.exclude(pk=voter.user_id)
    return list(users.values_list("pk", flat=True)[:MAX_UPLOADERS])


def _best_of(pool: DocumentQuerySet, tier: int, uploader_id: int) -> list[Document]:
    """The uploader's ``TOP_K`` best-ranked candidates in the tier."""
    mine = pool.filter(votes_total=tier, uploader_id=uploader_id)
    return list(mine.order_by(*ranking())[:TOP_K])


def _weighted_pick(documents: Sequence[Document]) -> Document:
    """Draw one, weight ``1 / (rank + 1)``: the best ranked is the most likely."""
    weights = [1.0 / (rank + 1) for rank in range(len(documents))]
    return _rng.choices(documents, weights=weights, k=1)[0]


def next_document(voter: Voter, exclude_ids: Iterable[int] = ()) -> Document | None:
    """The next document for ``voter`` to review, or ``None`` when nothing is left."""
    pool = candidates(voter, exclude_ids)
    tier = _lowest_tier(pool)
    if tier is None:
        return None
    uploaders = _uploaders_with(pool, tier, voter)
    top = _best_of(pool, tier, _rng.choice(uploaders)) if uploaders else []
    if not top:
        # The tier moved on between the queries (concurrent votes): take the best left.
        return pool.order_by("votes_total", *ranking()).first()
    return _weighted_pick(top)


def shown_again(voter: Voter, pk: int, exclude_ids: Iterable[int] = ()) -> Document | None:
    """Document ``pk`` if ``voter`` may still review it (a refused vote, an undone one)."""
    return candidates(voter, exclude_ids).filter(pk=pk).first()


@dataclass(frozen=True)
class Progress:
    """What the progress strip shows: the voter's votes so far and the documents left."""

    rated: int
    waiting: int
    """Documents left for this voter, counted up to ``WAITING_CAP + 1``."""

    cap: int = WAITING_CAP

    @property
    def waiting_capped(self) -> bool:
        return self.waiting > self.cap


def progress(voter: Voter, exclude_ids: Iterable[int] = ()) -> Progress:
    """Two bounded counts: the voter's votes (an index range) and up to ``WAITING_CAP + 1`` left."""
    rated = Vote.objects.filter(voter_key=voter.key).count()
    waiting = candidates(voter, exclude_ids)[: WAITING_CAP + 1].count()
    return Progress(rated=rated, waiting=waiting, cap=WAITING_CAP)


class Empty(StrEnum):
    """Why the queue has nothing for a voter: each case gets its own message and next step."""

    NO_DOCUMENTS = "no_documents"
    """Nothing public on the site yet."""
    OWN_ONLY = "own_only"
    """What is left unrated is the voter's own uploads."""
    SKIPPED = "skipped"
    """Only documents skipped in this session are left."""
    DONE = "done"
    """The voter has rated every document there is."""


def why_empty(voter: Voter, exclude_ids: Iterable[int] = ()) -> Empty:
    """The reason ``next_document`` found nothing (call it only then)."""
    excluded = list(exclude_ids)
    if not Document.objects.public().exists():
        return Empty.NO_DOCUMENTS
    rated = Vote.objects.filter(voter_key=voter.key).values("document_id")
    unrated = Document.objects.public().exclude(pk__in=rated)
    if voter.user_id is not None and unrated.filter(uploader_id=voter.user_id).exists():
        return Empty.OWN_ONLY
    if excluded and candidates(voter).exists():
        return Empty.SKIPPED
    return Empty.DONE
