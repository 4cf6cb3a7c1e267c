"""Moderation records: holds with their reasons, reports, decisions, tombstones, appeals.

A document's ``visibility`` (``documents.Visibility``) says who may see it; the rows
here say why, and who decided. Every change goes through ``services``, which also
writes the audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from safedata.documents.models import Document
from safedata.fields import member_ref
from safedata.screening.policy import Severity


class ReportReason(models.TextChoices):
    """Why a document is reported: one reason per section of the Acceptable Use Policy.

    The policy page (``templates/pages/policy.html``) gives each section the anchor
    ``policy-<value>``; ``REASON_SEVERITY`` orders the moderators' queue.
    """

    MINORS = "minors", "Sexualises minors"
    PERSONAL_DATA = "personal_data", "Personal data of other people"
    MALWARE = "malware", "Malware, attack material, credentials or keys"
    NO_RIGHTS = "no_rights", "Material the uploader has no right to share"
    HARASSMENT = "harassment", "Targeted harassment or doxxing"
    ILLEGAL = "illegal", "Illegal to distribute"
    SPAM = "spam", "Spam or manipulation of the dataset"


REASON_SEVERITY: dict[str, Severity] = {
    ReportReason.MINORS: Severity.HIGH,
    ReportReason.PERSONAL_DATA: Severity.HIGH,
    ReportReason.MALWARE: Severity.HIGH,
    ReportReason.ILLEGAL: Severity.HIGH,
    ReportReason.HARASSMENT: Severity.MEDIUM,
    ReportReason.NO_RIGHTS: Severity.MEDIUM,
    ReportReason.SPAM: Severity.LOW,
}
"""How urgent a report of each reason is, on the policy checks' scale."""

MAX_NOTE_CHARS = 1000
"""Longest note a reporter, moderator or appellant may write."""


class Hold(models.Model):
    """A document kept back from the public until a moderator decides (or the uploader fixes it)."""

    class Cause(models.TextChoices):
        SCREENING = "screening", "Flagged by the policy checks at upload"
        REPORTS = "reports", "Reported by enough people"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="holds")
    cause = models.CharField(max_length=16, choices=Cause.choices)
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text="The policy findings: check, reason, severity, count (never the matched text).",
    )
    severity = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(released_at__isnull=True),
                name="one_open_hold_per_document",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=0) & Q(severity__lte=max(Severity)),
                name="hold_severity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"hold of {self.document_id} ({self.cause})"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class Report(models.Model):
    """One person's report of a document; one per reporter and document."""

    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        UPHELD = "upheld", "Upheld (the document was hidden or removed)"
        DISMISSED = "dismissed", "Dismissed"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reports")
    reporter_key = models.CharField(
        max_length=64, help_text="The reporter's voter key (member or anonymous); never an IP."
    )
    reporter = member_ref()
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    note = models.TextField(max_length=MAX_NOTE_CHARS, blank=True)
    severity = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(
        max_length=16, choices=Resolution.choices, blank=True, default=Resolution.OPEN
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "reporter_key"], name="one_report_per_reporter"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="report_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["document", "resolution"])]

    def __str__(self) -> str:
        return f"report of {self.document_id}: {self.reason}"


class Decision(models.Model):
    """A moderator's decision on a document, with the reason shown to its uploader."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved (published)"
        HIDE = "hide", "Hidden"
        REMOVE = "remove", "Removed (takedown)"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(max_length=MAX_NOTE_CHARS, blank=True)
    moderator = member_ref(blank=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.document_id}"


class Tombstone(models.Model):
    """What is left of a removed document: its content hash, so the text cannot come back."""

    content_sha256 = models.CharField(max_length=64, unique=True)
    document = models.OneToOneField(
        Document, null=True, on_delete=models.SET_NULL, related_name="tombstone"
    )
    reason = models.TextField(max_length=MAX_NOTE_CHARS, blank=True)
    removed_by = member_ref(blank=False)
    removed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    release_version = models.CharField(
        max_length=32,
        blank=True,
        db_index=True,
        help_text="The first dataset release built after the removal (its manifest counts it).",
    )

    def __str__(self) -> str:
        return f"tombstone {self.content_sha256[:12]}"


class Appeal(models.Model):
    """An uploader's one appeal against a decision on their document."""

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        OVERTURNED = "overturned", "Overturned (the document is published again)"
        UPHELD = "upheld", "Upheld (the decision stands)"

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="appeal")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="appeals")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(max_length=MAX_NOTE_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, default=Outcome.OPEN
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"appeal of {self.document_id}"


class Suspension(models.Model):
    """A member's suspension; the documents it hid come back when it is lifted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions"
    )
    reason = models.TextField(max_length=MAX_NOTE_CHARS)
    created_by = member_ref(blank=False)
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    hidden_documents = models.ManyToManyField(Document, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="one_open_suspension_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"suspension of {self.user_id}"
