"""Documents: uploaded text, its tallies and its consensus."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from safedata.choices import text_choices
from safedata.consensus import (
    LABEL_NAMES,
    LABELS,
    STATUS_NAMES,
    Consensus,
    Counts,
    Label,
    Status,
)
from safedata.consensus.dawid_skene import WeightedConsensus


class Visibility(models.TextChoices):
    """Who can see a document. Moderation moves documents between these."""

    VISIBLE = "visible", "Visible"
    HELD = "held", "Held for review"
    HIDDEN = "hidden", "Hidden by a moderator"
    REMOVED = "removed", "Removed (takedown)"


ConsensusLabel = text_choices("ConsensusLabel", Label, LABEL_NAMES)
"""The choices of ``Document.label`` (and of a vote's rating): ``safedata.consensus.Label``."""

ConsensusStatus = text_choices("ConsensusStatus", Status, STATUS_NAMES)
"""The choices of ``Document.status``: ``safedata.consensus.Status``."""


class License(models.TextChoices):
    """SPDX identifiers an uploader may choose from."""

    CC0 = "CC0-1.0", "CC0 1.0 (public domain dedication)"
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    MIT = "MIT", "MIT"
    APACHE = "Apache-2.0", "Apache 2.0"
    PUBLIC_DOMAIN = "LicenseRef-Public-Domain", "Public domain"
    UNKNOWN = "", "Unknown / not stated"


def consensus_fields(consensus: Consensus) -> dict[str, Any]:
    """The ``Document`` fields that hold ``consensus`` (the tallies and the verdict), with values.

    The one mapping from a consensus to the row, used by the vote's SQL
    (``voting/sql.py``) and by ORM updates; ``Document.consensus`` is the way back.
    A ``WeightedConsensus`` (what the vote path and the refit store) also fills the
    score interval, the effective votes and the count of votes left out.
    """
    counts = consensus.counts
    fields = {
        **{f"votes_{label}": n for label, n in zip(LABELS, counts.as_tuple(), strict=True)},
        "votes_total": counts.total,
        "score": consensus.score,
        "label": consensus.label.value,
        "confidence": consensus.confidence,
        "status": consensus.status.value,
    }
    if isinstance(consensus, WeightedConsensus):
        fields["score_low"], fields["score_high"] = consensus.score_interval
        fields["effective_votes"] = consensus.effective_votes
        fields["votes_uncounted"] = consensus.quarantined
    return fields


class DocumentQuerySet(models.QuerySet["Document"]):
    def public(self) -> DocumentQuerySet:
        """Documents anyone may see, list, vote on and download."""
        return self.filter(visibility=Visibility.VISIBLE)


class Document(models.Model):
    """One text, identified by the SHA-256 of its normalised form."""

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    content_sha256 = models.CharField(max_length=64, unique=True)
    source_url = models.URLField(max_length=2000, blank=True)
    license = models.CharField(max_length=40, choices=License.choices, blank=True)
    language = models.CharField(max_length=16, blank=True)
    char_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.VISIBLE, db_index=True
    )

    votes_unsafe = models.PositiveIntegerField(default=0)
    votes_neutral = models.PositiveIntegerField(default=0)
    votes_great = models.PositiveIntegerField(default=0)
    votes_total = models.PositiveIntegerField(default=0, db_index=True)
    score = models.FloatField(default=0.0)
    label = models.CharField(
        max_length=16, choices=ConsensusLabel.choices, default=Label.NEUTRAL.value
    )
    confidence = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=16, choices=ConsensusStatus.choices, default=Status.NEEDS_VOTES.value
    )
    score_low = models.FloatField(default=-1.0)
    """Lower end of the score interval (a spectrum value: -1, 0 or +1)."""
    score_high = models.FloatField(default=1.0)
    """Upper end of the score interval; [-1, 1] until the votes narrow it."""
    effective_votes = models.FloatField(default=0.0)
    """Sum of the counted votes' weights (a new account's vote weighs 1)."""
    votes_uncounted = models.PositiveIntegerField(default=0)
    """Votes left out of the consensus: quarantined, or their voter suspended."""
    vote_version = models.PositiveBigIntegerField(default=0)
    """Bumped by every change to the document's votes; the refit writes a document back
    only if it is unchanged since the votes were read (compare-and-set)."""

    model_label = models.CharField(max_length=16, blank=True)
    model_score = models.FloatField(null=True, blank=True)
    model_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=80, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["visibility", "votes_total", "confidence"]),
            models.Index(fields=["visibility", "label", "status"]),
            models.Index(fields=["visibility", "score"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=-1.0) & Q(score__lte=1.0), name="document_score_range"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0.0) & Q(confidence__lte=1.0),
                name="document_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    votes_total=models.F("votes_unsafe")
                    + models.F("votes_neutral")
                    + models.F("votes_great")
                ),
                name="document_votes_total_sum",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
            models.CheckConstraint(
                condition=Q(score_low__gte=-1.0)
                & Q(score_low__lte=models.F("score_high"))
                & Q(score_high__lte=1.0),
                name="document_score_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(label__in=[label.value for label in LABELS]),
                name="document_label_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[status.value for status in Status]),
                name="document_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line[:80] + ("…" if len(first_line) > 80 else "")

    @property
    def counts(self) -> Counts:
        return Counts(unsafe=self.votes_unsafe, neutral=self.votes_neutral, great=self.votes_great)

    @property
    def consensus(self) -> WeightedConsensus:
        """The stored consensus, as ``safedata.consensus`` computed it."""
        return WeightedConsensus(
            label=Label(self.label),
            score=self.score,
            confidence=self.confidence,
            status=Status(self.status),
            counts=self.counts,
            score_interval=(self.score_low, self.score_high),
            effective_votes=self.effective_votes,
            quarantined=self.votes_uncounted,
        )
