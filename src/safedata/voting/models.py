"""Votes: one per voter per document, enforced by the database."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safedata.choices import text_choices
from safedata.consensus import LABEL_NAMES, LABELS, Label
from safedata.documents.models import Document

Rating = text_choices("Rating", Label, LABEL_NAMES)
"""A vote's choices: the consensus labels (``safedata.consensus.Label``)."""


class Vote(models.Model):
    """A voter's current rating of a document; voting again replaces it.

    ``voter_key`` is ``u:<user id>`` for members and ``a:<random id>`` for
    anonymous visitors (from a signed cookie); ``demo:reviewer-<n>`` marks the
    simulated votes of the built-in sample (``safedata.demo``). No IP address is stored.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="votes",
    )
    rating = models.CharField(max_length=16, choices=Rating.choices)
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
