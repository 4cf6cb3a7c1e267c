"""Snapshots: immutable, versioned releases of the dataset, with their frozen rows."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from safedata.documents.models import ConsensusLabel, ConsensusStatus, Document
from safedata.fields import member_ref


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def published(self) -> SnapshotQuerySet:
        return self.filter(status=Snapshot.Status.PUBLISHED)


class Snapshot(models.Model):
    """One release. Its files never change once published; ``SnapshotRow`` freezes its content."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        PUBLISHED = "published", "Published"

    version = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(
        help_text="Release timestamp; the only time written into the snapshot's files."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BUILDING)
    row_count = models.PositiveIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    formats = models.JSONField(default=list, help_text="Record formats of the data files.")
    consensus_method = models.CharField(max_length=40)
    consensus_params = models.JSONField(default=dict)
    code_version = models.CharField(max_length=80)
    manifest = models.JSONField(default=dict, blank=True)
    created_by = member_ref()

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="building") | Q(published_at__isnull=False),
                name="snapshot_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class SnapshotRow(models.Model):
    """A document as it stood at release: everything but its text, which never changes.

    No database foreign key to the document: a document deleted later must not
    take release history with it; ``--verify`` then reports the missing text.
    """

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    document = models.ForeignKey(
        Document, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    title = models.CharField(max_length=300, blank=True)
    source_url = models.CharField(max_length=2000, blank=True)
    license = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=16, blank=True)
    uploaded_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)
    votes_unsafe = models.PositiveIntegerField()
    votes_neutral = models.PositiveIntegerField()
    votes_great = models.PositiveIntegerField()
    score = models.FloatField()
    label = models.CharField(max_length=16, choices=ConsensusLabel.choices)
    confidence = models.FloatField()
    status = models.CharField(max_length=16, choices=ConsensusStatus.choices)
    score_low = models.FloatField(default=-1.0)
    """Rows of releases made before the score interval existed hold [-1, 1]."""
    score_high = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "document"], name="snapshot_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.document_id}"
