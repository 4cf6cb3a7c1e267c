"""The one moderation service: every path (queue, API, bulk actions, Django admin) calls it.

Each operation follows the same order: check who acts and the document's state,
raise a ``ModerationError`` (its ``status`` is the HTTP answer), then change the
rows in one transaction with the row locked, and write the audit entry with a
namespaced code (``document.held``, ``document.approved``, ``document.hidden``,
``document.removed``, ``report.created``, ``report.dismissed``, ``appeal.created``,
``appeal.upheld``, ``user.suspended``, ``user.reinstated``, ``document.revised``,
``document.review_requested``). A rejected request changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from safedata.accounts.models import User
from safedata.accounts.roles import Person, is_moderator, require_not_suspended
from safedata.audit.models import AuditEntry, log_action, log_actions
from safedata.documents.models import Document, Visibility
from safedata.documents.services import NewDocument, UploadError, screen
from safedata.moderation.models import (
    MAX_NOTE_CHARS,
    REASON_SEVERITY,
    Appeal,
    Decision,
    Hold,
    Report,
    ReportReason,
    Suspension,
    Tombstone,
)
from safedata.ratelimit import Rate, hit
from safedata.screening.policy import Finding
from safedata.voting import services as voting_services
from safedata.voting.models import Vote

_Row = TypeVar("_Row", bound=models.Model)

REMOVED_TEXT = "[removed by the moderators]"
"""What a removed document's text becomes: the row stays, for the audit and the tombstone."""


class ModerationError(Exception):
    """A moderation request that cannot be carried out; nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ModerationError):
    status = 403
    code = "forbidden"


class NotModerator(NotAllowed):
    """The actor is not a moderator."""


class NotFound(ModerationError):
    status = 404
    code = "not_found"


class Conflict(ModerationError):
    status = 409
    code = "conflict"


class AlreadyRemoved(Conflict):
    code = "already_removed"


class InvalidReason(ModerationError):
    code = "invalid_reason"


ACTIONS: dict[str, str] = {
    Decision.Action.APPROVE: Visibility.VISIBLE,
    Decision.Action.HIDE: Visibility.HIDDEN,
    Decision.Action.REMOVE: Visibility.REMOVED,
}
"""Each decision and the visibility it gives the document."""


def _require_moderator(actor: Person | None) -> User:
    if actor is None or not isinstance(actor, User) or not is_moderator(actor):
        raise NotModerator("Only moderators may do this.")
    return actor


def _acting(moderator: Person | None, reason: str) -> tuple[User, str]:
    """The moderator who acts and their checked reason, or the error refusing them."""
    return _require_moderator(moderator), _note(reason)


def _note(text: str, name: str = "reason") -> str:
    value = text.strip()
    if len(value) > MAX_NOTE_CHARS:
        raise ModerationError(f"The {name} is longer than {MAX_NOTE_CHARS} characters.")
    return value


def _locked(model: type[_Row], pk: int, noun: str) -> _Row:
    """Row ``pk`` of ``model``, locked until the transaction ends; ``NotFound`` without it."""
    found = model._default_manager.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No {noun} with id {pk}.")
    return found


def _locked_open(model: type[_Row], pk: int, noun: str, closed: str, **state: str) -> _Row:
    """``_locked``, then ``Conflict(closed)`` unless the row still has the open ``state``."""
    found = _locked(model, pk, noun)
    if any(getattr(found, name) != value for name, value in state.items()):
        raise Conflict(closed)
    return found


def _locked_document(document_id: int) -> Document:
    return _locked(Document, document_id, "document")


def _open_hold(document: Document) -> Hold | None:
    return Hold.objects.filter(document=document, released_at__isnull=True).first()


def _finding_rows(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [
        {"check": f.check, "reason": f.reason, "severity": int(f.severity), "count": f.count}
        for f in findings
    ]


def _severity(findings: Sequence[Finding]) -> int:
    return max((int(f.severity) for f in findings), default=0)


# --- Held uploads -------------------------------------------------------------------------


def record_held_uploads(
    sender: Any, held: Sequence[tuple[Document, Sequence[Finding]]], actor: Any, **_: Any
) -> None:
    """Receiver of ``documents.signals.upload_held``: a hold row and ``document.held`` each.

    Runs inside the transaction that stored the documents, so a document is never
    held without its reasons.
    """
    holds = [
        Hold(
            document=document,
            cause=Hold.Cause.SCREENING,
            findings=_finding_rows(findings),
            severity=_severity(findings),
        )
        for document, findings in held
    ]
    Hold.objects.bulk_create(holds)
    log_actions(
        "document.held",
        [(hold.document, {"cause": hold.cause, "checks": _checks(hold)}) for hold in holds],
        actor=actor,
    )


def _checks(hold: Hold) -> list[str]:
    return [str(row["check"]) for row in hold.findings]


def revise_held(document_id: int, uploader: User, text: str) -> Document:
    """The uploader's new text for a document held by the policy checks.

    The upload pipeline runs once on the new text: without findings the document
    is published at once, otherwise the hold keeps the new findings.
    """
    require_not_suspended(uploader)
    hold = Hold.objects.filter(document_id=document_id, released_at__isnull=True).first()
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.uploader_id != uploader.pk:
        raise NotFound(f"No document with id {document_id} of yours.")
    if hold is None or hold.cause != Hold.Cause.SCREENING:
        raise Conflict("Only a document held by the upload checks can be edited.")
    new = NewDocument(
        text=text,
        title=document.title,
        source_url=document.source_url,
        license=document.license,
        language=document.language,
    )
    try:
        upload = screen(new)
    except UploadError as exc:
        raise ModerationError(exc.message) from exc
    if Document.objects.filter(content_sha256=upload.sha256).exclude(pk=document_id).exists():
        raise Conflict("That text is already on the site (or was removed from it).")
    try:
        with transaction.atomic():
            document = _locked_document(document_id)
            hold = _open_hold(document)
            if hold is None or hold.cause != Hold.Cause.SCREENING:
                raise Conflict("The document is no longer held; reload the page.")
            document.text = upload.text
            document.content_sha256 = upload.sha256
            document.char_count = len(upload.text)
            fields = ["text", "content_sha256", "char_count"]
            if not upload.findings:
                document.visibility = Visibility.VISIBLE
                fields.append("visibility")
                _release(hold, "revised")
            else:
                hold.findings = _finding_rows(upload.findings)
                hold.severity = _severity(upload.findings)
                hold.save(update_fields=["findings", "severity"])
            document.save(update_fields=fields)
            log_action(
                "document.revised",
                document,
                actor=uploader,
                data={"published": not upload.findings, "checks": _checks(hold)},
            )
    except IntegrityError as exc:
        raise Conflict("That text is already on the site (or was removed from it).") from exc
    return document


def request_review(document_id: int, uploader: User, message: str = "") -> Hold:
    """The uploader asks a moderator to look at their held document as it is."""
    note = _note(message, "message")
    with transaction.atomic():
        document = _locked_document(document_id)
        if document.uploader_id != uploader.pk:
            raise NotFound(f"No document with id {document_id} of yours.")
        hold = _open_hold(document)
        if hold is None:
            raise Conflict("The document is not held.")
        if hold.review_requested_at is not None:
            raise Conflict("You already asked for a review of this document.")
        hold.review_requested_at = timezone.now()
        hold.save(update_fields=["review_requested_at"])
        log_action("document.review_requested", document, actor=uploader, data={"message": note})
    return hold


def _release(hold: Hold | None, outcome: str) -> None:
    if hold is not None:
        hold.released_at = timezone.now()
        hold.outcome = outcome
        hold.save(update_fields=["released_at", "outcome"])


# --- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Reporter:
    """Who reports: a voter key (member or anonymous) and the hash of their address."""

    key: str
    user: User | None = None
    network_key: str = ""


def _count_report(reporter: Reporter) -> None:
    rate = Rate.parse(settings.SAFEDATA_REPORT_RATE_LIMIT)
    hit("report", reporter.key, rate)
    if reporter.network_key:
        hit("report-address", reporter.network_key, rate)


def parse_reason(value: str) -> ReportReason:
    """The report reason ``value``, or ``InvalidReason`` naming the accepted ones."""
    if value not in ReportReason.values:
        allowed = ", ".join(ReportReason.values)
        raise InvalidReason(f"Unknown report reason {value[:40]!r}; use one of: {allowed}.")
    return ReportReason(value)


def report_document(document_id: int, reporter: Reporter, reason: str, note: str = "") -> Report:
    """Record a report of a public document; enough open reports hold it for a moderator.

    Raises ``InvalidReason`` (400), ``AccountSuspended`` (403), ``NotFound`` (404),
    ``Conflict`` (409, reported before) or ``RateLimited`` (429).
    """
    chosen = parse_reason(reason)
    text = _note(note, "note")
    require_not_suspended(reporter.user)
    if not Document.objects.public().filter(pk=document_id).exists():
        raise NotFound(f"No visible document with id {document_id}.")
    _count_report(reporter)
    try:
        with transaction.atomic():
            document = _locked_document(document_id)
            if document.visibility != Visibility.VISIBLE:
                raise NotFound(f"No visible document with id {document_id}.")
            report = Report.objects.create(
                document=document,
                reporter_key=reporter.key,
                reporter=reporter.user,
                reason=chosen,
                note=text,
                severity=int(REASON_SEVERITY[chosen]),
            )
            log_action(
                "report.created",
                document,
                actor=reporter.user,
                actor_key=reporter.key,
                data={"report": report.pk, "reason": chosen.value},
            )
            _hold_when_reported(document)
    except IntegrityError as exc:
        raise Conflict("You have already reported this document; the moderators have it.") from exc
    return report


def _hold_when_reported(document: Document) -> None:
    reports = Report.objects.filter(document=document, resolution=Report.Resolution.OPEN)
    count = reports.count()
    if count < settings.SAFEDATA_REPORTS_TO_HOLD or _open_hold(document) is not None:
        return
    severity = reports.aggregate(top=Max("severity"))["top"] or 0
    Hold.objects.create(document=document, cause=Hold.Cause.REPORTS, severity=severity)
    document.visibility = Visibility.HELD
    document.save(update_fields=["visibility"])
    log_action("document.held", document, data={"cause": Hold.Cause.REPORTS, "reports": count})


def dismiss_report(report_id: int, moderator: Person | None, reason: str = "") -> Report:
    """Close an open report without acting on its document."""
    actor, note = _acting(moderator, reason)
    with transaction.atomic():
        closed = "This report is already closed."
        report = _locked_open(
            Report, report_id, "report", closed, resolution=Report.Resolution.OPEN
        )
        _resolve_reports([report], Report.Resolution.DISMISSED, actor, note)
    return report


def _resolve_reports(reports: Sequence[Report], resolution: str, actor: User, reason: str) -> None:
    now = timezone.now()
    for report in reports:
        report.resolution = resolution
        report.resolved_at = now
    Report.objects.bulk_update(reports, ["resolution", "resolved_at"])
    if resolution == Report.Resolution.DISMISSED:
        log_actions(
            "report.dismissed",
            [(r.document, {"report": r.pk, "reason": reason}) for r in reports],
            actor=actor,
        )


# --- Decisions ----------------------------------------------------------------------------


def decide(document_id: int, action: str, moderator: Person | None, reason: str = "") -> Decision:
    """Approve, hide or remove a document: the one path for every caller.

    Approving publishes it and dismisses its open reports; hiding keeps it out of
    the review queue and every download; removing erases its text and keeps a
    tombstone with its content hash so the same text cannot be uploaded again.
    A removed document cannot be acted on again (``AlreadyRemoved``, 409).
    """
    actor = _require_moderator(moderator)
    if action not in ACTIONS:
        raise ModerationError(f"Unknown action {action[:40]!r}; use one of: {', '.join(ACTIONS)}.")
    note = _note(reason)
    with transaction.atomic():
        document = _locked_document(document_id)
        if document.visibility == Visibility.REMOVED:
            raise AlreadyRemoved(f"Document {document_id} was removed already; nothing changed.")
        return _apply(document, Decision.Action(action), actor, note)


def _apply(document: Document, action: Decision.Action, actor: User, reason: str) -> Decision:
    previous = document.visibility
    document.visibility = ACTIONS[action]
    fields = ["visibility"]
    if action == Decision.Action.REMOVE:
        fields += _erase(document, actor, reason)
    document.save(update_fields=fields)
    _release(_open_hold(document), action.value)
    open_reports = list(Report.objects.filter(document=document, resolution=Report.Resolution.OPEN))
    upheld = action != Decision.Action.APPROVE
    resolution = Report.Resolution.UPHELD if upheld else Report.Resolution.DISMISSED
    _resolve_reports(open_reports, resolution, actor, reason)
    _close_appeal(document, Appeal.Outcome.UPHELD if upheld else Appeal.Outcome.OVERTURNED)
    decision = Decision.objects.create(
        document=document, action=action, reason=reason, moderator=actor
    )
    log_action(
        _ACTION_CODES[action],
        document,
        actor=actor,
        data={"reason": reason, "previous": previous, "decision": decision.pk},
    )
    return decision


_ACTION_CODES = {
    Decision.Action.APPROVE: "document.approved",
    Decision.Action.HIDE: "document.hidden",
    Decision.Action.REMOVE: "document.removed",
}


def _erase(document: Document, actor: User, reason: str) -> list[str]:
    Tombstone.objects.create(
        content_sha256=document.content_sha256, document=document, reason=reason, removed_by=actor
    )
    document.text = REMOVED_TEXT
    document.title = ""
    document.source_url = ""
    document.char_count = 0
    return ["text", "title", "source_url", "char_count"]


def _close_appeal(document: Document, outcome: str) -> None:
    Appeal.objects.filter(document=document, outcome=Appeal.Outcome.OPEN).update(
        outcome=outcome, resolved_at=timezone.now()
    )


@dataclass(frozen=True)
class BulkOutcome:
    decided: list[int]
    refused: dict[int, str]
    """Document id → why it was left unchanged (for example, removed already)."""


def decide_many(
    document_ids: Iterable[int], action: str, moderator: Person | None, reason: str = ""
) -> BulkOutcome:
    """``decide`` for each document; one refused document does not stop the others."""
    _require_moderator(moderator)
    decided: list[int] = []
    refused: dict[int, str] = {}
    for document_id in dict.fromkeys(document_ids):
        try:
            decide(document_id, action, moderator, reason)
        except ModerationError as exc:
            if exc.status in (400, 403):
                raise
            refused[document_id] = exc.message
        else:
            decided.append(document_id)
    return BulkOutcome(decided, refused)


# --- Appeals ------------------------------------------------------------------------------


def appeal(document_id: int, uploader: User, message: str) -> Appeal:
    """The uploader's one appeal against the last decision on their document."""
    text = _note(message, "message")
    if not text:
        raise ModerationError("Say why the decision should change.")
    with transaction.atomic():
        document = _locked_document(document_id)
        if document.uploader_id != uploader.pk:
            raise NotFound(f"No document with id {document_id} of yours.")
        decision = Decision.objects.filter(document=document).first()
        if decision is None or decision.action == Decision.Action.APPROVE:
            raise Conflict("There is no decision against this document to appeal.")
        if Appeal.objects.filter(document=document).exists():
            raise Conflict("You have appealed the decision on this document already.")
        created = Appeal.objects.create(
            document=document, decision=decision, uploader=uploader, message=text
        )
        log_action(
            "appeal.created", document, actor=uploader, data={"appeal": created.pk, "message": text}
        )
    return created


def uphold_appeal(appeal_id: int, moderator: Person | None, reason: str = "") -> Appeal:
    """Reject an appeal: the decision stands (for removed documents the only answer)."""
    actor, note = _acting(moderator, reason)
    with transaction.atomic():
        answered = "This appeal is already answered."
        found = _locked_open(Appeal, appeal_id, "appeal", answered, outcome=Appeal.Outcome.OPEN)
        found.outcome = Appeal.Outcome.UPHELD
        found.resolved_at = timezone.now()
        found.save(update_fields=["outcome", "resolved_at"])
        log_action(
            "appeal.upheld", found.document, actor=actor, data={"appeal": found.pk, "reason": note}
        )
    return found


# --- Suspensions --------------------------------------------------------------------------


def suspend_user(user_id: int, moderator: Person | None, reason: str) -> Suspension:
    """Suspend a member: their public uploads are hidden and their votes stop counting."""
    actor, note = _acting(moderator, reason)
    if not note:
        raise ModerationError("Give a reason for the suspension; the member will see it.")
    with transaction.atomic():
        user = _locked(User, user_id, "user")
        if user.pk == actor.pk or is_moderator(user):
            raise NotAllowed("Moderators and staff cannot be suspended here.")
        if user.suspended_at is not None:
            raise Conflict(f"{user.username} is suspended already.")
        user.suspended_at = timezone.now()
        user.save(update_fields=["suspended_at"])
        suspension = Suspension.objects.create(user=user, reason=note, created_by=actor)
        uploads = list(Document.objects.public().filter(uploader=user))
        Document.objects.filter(pk__in=[d.pk for d in uploads]).update(visibility=Visibility.HIDDEN)
        suspension.hidden_documents.set(uploads)
        _set_votes_counted(user, actor, counted=False, reason=f"user.suspended: {note}")
        log_action(
            "user.suspended", user, actor=actor, data={"reason": note, "hidden": len(uploads)}
        )
        log_actions(
            "document.hidden",
            [(d, {"cause": "suspension", "reason": note}) for d in uploads],
            actor=actor,
        )
    return suspension


def reinstate_user(user_id: int, moderator: Person | None, reason: str = "") -> Suspension:
    """Lift a suspension: the uploads it hid come back (unless a moderator acted on them since)
    and the member's votes count again."""
    actor, note = _acting(moderator, reason)
    with transaction.atomic():
        user = _locked(User, user_id, "user")
        suspension = Suspension.objects.filter(user=user, lifted_at__isnull=True).first()
        if suspension is None or user.suspended_at is None:
            raise Conflict(f"{user.username} is not suspended.")
        user.suspended_at = None
        user.save(update_fields=["suspended_at"])
        suspension.lifted_at = timezone.now()
        suspension.save(update_fields=["lifted_at"])
        hidden = suspension.hidden_documents.filter(visibility=Visibility.HIDDEN)
        restored = list(
            hidden.exclude(
                Exists(
                    Decision.objects.filter(
                        document=OuterRef("pk"), created_at__gt=suspension.created_at
                    )
                )
            )
        )
        Document.objects.filter(pk__in=[d.pk for d in restored]).update(
            visibility=Visibility.VISIBLE
        )
        _set_votes_counted(user, actor, counted=True, reason=f"user.reinstated: {note}")
        log_action(
            "user.reinstated", user, actor=actor, data={"reason": note, "restored": len(restored)}
        )
    return suspension


def _set_votes_counted(user: User, actor: User, *, counted: bool, reason: str) -> None:
    """Take the member's votes out of the consensus (or back in); voting recounts them."""
    votes = Vote.objects.filter(voter_key=user.voter_key)
    voting_services.set_votes_counted(votes, counted, actor=actor, reason=reason)


# --- Reading ------------------------------------------------------------------------------


def queue(moderator: Person | None) -> QuerySet[Document]:
    """Documents that wait for a moderator, the most urgent first.

    Held uploads, documents with open reports and documents with an open appeal,
    ordered by severity (screening findings and report reasons), then by the
    number of open reports, then oldest first. Annotated with ``severity``,
    ``open_reports`` and ``open_appeal``.
    """
    _require_moderator(moderator)
    reports = Report.objects.filter(document=OuterRef("pk"), resolution=Report.Resolution.OPEN)
    holds = Hold.objects.filter(document=OuterRef("pk"), released_at__isnull=True)
    appeals = Appeal.objects.filter(document=OuterRef("pk"), outcome=Appeal.Outcome.OPEN)
    report_count = reports.order_by().values("document").annotate(n=Count("pk")).values("n")
    report_severity = reports.order_by("-severity").values("severity")[:1]
    zero = 0
    documents = Document.objects.filter(
        Q(visibility=Visibility.HELD) | Exists(reports) | Exists(appeals)
    )
    return (
        documents.annotate(
            open_reports=Coalesce(Subquery(report_count, output_field=IntegerField()), zero),
            severity=Greatest(
                Coalesce(Subquery(holds.values("severity")[:1], output_field=IntegerField()), zero),
                Coalesce(Subquery(report_severity, output_field=IntegerField()), zero),
            ),
            open_appeal=Exists(appeals),
        )
        .select_related("uploader")
        .order_by("-severity", "-open_reports", "created_at", "id")
    )


def document_log(document: Document, viewer: Person | None) -> QuerySet[AuditEntry]:
    """The audit entries about ``document`` (moderators only)."""
    _require_moderator(viewer)
    return AuditEntry.objects.filter(
        target_type=Document._meta.label_lower, target_id=str(document.pk)
    ).select_related("actor")


def user_log(user: User, viewer: Person | None) -> QuerySet[AuditEntry]:
    """The audit entries about ``user`` and the ones they made (moderators only)."""
    _require_moderator(viewer)
    about = Q(target_type=User._meta.label_lower, target_id=str(user.pk))
    return AuditEntry.objects.filter(about | Q(actor=user)).select_related("actor")[:200]


def claim_takedowns(version: str, released: QuerySet[Any]) -> int:
    """Give the removals no release has counted yet to release ``version``; how many.

    ``released`` holds the versions of the existing releases (a values queryset): a
    removal claimed by a release that was discarded is claimed again. Call it in the
    transaction that freezes the release's rows.
    """
    unclaimed = Tombstone.objects.filter(Q(release_version="") | ~Q(release_version__in=released))
    unclaimed.exclude(release_version=version).update(release_version=version)
    return takedowns_in(version)


def takedowns_in(version: str) -> int:
    """Documents removed after the previous release and before release ``version``."""
    return Tombstone.objects.filter(release_version=version).count()
