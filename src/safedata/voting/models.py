"""Votes: one per voter per document, enforced by the database; and what the refit learns.

A vote carries two flags the consensus reads: ``independent`` (could the voter
not see the tally when voting?) and ``counted`` (is it in the consensus now?).
``QuarantineGroup`` holds votes taken out together (a burst, a serial voter) until
a moderator releases or confirms them; ``VoterReliability`` and ``ConsensusFit``
hold what the last ``safedata consensus recompute`` learned, which the vote path
uses until the next refit (``docs/consensus.md``).
"""

from __future__ import annotations

from django.db import models

from safedata.choices import text_choices
from safedata.consensus import LABEL_NAMES, LABELS, Label
from safedata.consensus.votes import VoterClass
from safedata.documents.models import Document
from safedata.fields import member_ref

Rating = text_choices("Rating", Label, LABEL_NAMES)
"""A vote's choices: the consensus labels (``safedata.consensus.Label``)."""


_QUARANTINE_STATES = ("open", "released", "confirmed")


class QuarantineGroup(models.Model):
    """Votes taken out of the consensus together, and why; reversible by a moderator."""

    class Reason(models.TextChoices):
        BURST = "burst", "Burst of young identities on one document"
        SERIAL = "serial", "One voter rating many documents of one uploader"
        MANUAL = "manual", "Set aside by a moderator"

    class State(models.TextChoices):
        OPEN = _QUARANTINE_STATES[0], "Open: votes not counted"
        RELEASED = _QUARANTINE_STATES[1], "Released: votes counted again"
        CONFIRMED = _QUARANTINE_STATES[2], "Confirmed: votes stay out"

    reason = models.CharField(max_length=32, choices=Reason.choices)
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quarantine_groups",
        help_text="The document a burst was aimed at (none for a serial voter).",
    )
    target_uploader = member_ref(
        help_text="The uploader a serial voter was aimed at (none for a burst)."
    )
    detail = models.JSONField(default=dict, blank=True)
    """What the detector saw (window, identities, shares), for the moderator's page."""
    status = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = member_ref()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=_QUARANTINE_STATES),
                name="quarantine_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reason} group {self.pk} ({self.status})"


class Vote(models.Model):
    """A voter's current rating of a document; voting again replaces it.

    ``voter_key`` is ``u:<user id>`` for members and ``a:<random id>`` for
    anonymous visitors (from a signed cookie); ``demo:reviewer-<n>`` marks the
    simulated votes of the built-in sample (``safedata.demo``). No IP address is stored.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    user = member_ref(related_name="votes")
    rating = models.CharField(max_length=16, choices=Rating.choices)
    independent = models.BooleanField(default=False)
    """Cast while the document still needed votes, on a page that hides its tally (the
    review page), as the voter's first vote on it. Only such votes teach consensus v2
    who is reliable; the others count through their voter class's pooled matrix."""
    counted = models.BooleanField(default=True)
    """False while the vote is quarantined or its voter suspended: left out of the consensus."""
    quarantine_group = models.ForeignKey(
        QuarantineGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="votes",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "voter_key"], name="one_vote_per_voter"),
            models.CheckConstraint(
                condition=models.Q(rating__in=[label.value for label in LABELS]),
                name="vote_rating_valid",
            ),
        ]
        indexes = [models.Index(fields=["voter_key", "document"])]

    def __str__(self) -> str:
        return f"{self.voter_key} → {self.rating} on {self.document_id}"


class VoterReliability(models.Model):
    """One voter's confusion matrix from the last refit (consensus v2)."""

    voter_key = models.CharField(max_length=64, unique=True)
    voter_class = models.PositiveSmallIntegerField(
        choices=[(c.value, c.name.lower()) for c in VoterClass]
    )
    matrix = models.JSONField()
    """Nine probabilities, row by row: P(rating | true label), rows and columns in label order."""
    accuracy = models.FloatField()
    """Probability of rating a random document correctly, under the fitted label shares."""
    independent_votes = models.PositiveIntegerField(default=0)
    """Votes the matrix was learned from."""
    fitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.voter_key}: accuracy {self.accuracy:.2f}"


class ConsensusFit(models.Model):
    """One run of ``safedata consensus recompute``; the newest holds the vote path's state."""

    method = models.CharField(max_length=40)
    params = models.JSONField()
    state = models.JSONField()
    """``ModelState.as_dict()``: label shares and each voter class's new-voter matrix."""
    fitted_at = models.DateTimeField(auto_now_add=True)
    votes = models.PositiveIntegerField()
    documents = models.PositiveIntegerField()
    voters = models.PositiveIntegerField()
    iterations = models.PositiveIntegerField()
    converged = models.BooleanField()
    seconds = models.FloatField()
    """Wall time of reading the votes and fitting (the write-back follows)."""

    class Meta:
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"{self.method} fit {self.pk} on {self.votes} votes"
