"""The upload pipeline's Django part: every upload path calls it once.

``upload_document`` (the form and the API) and ``bulk_upload`` (each line of a
JSONL file) run the pure pipeline, ``safedata.screening.screen_upload``, once
per upload, then ``store_document`` deduplicates by content hash, stores and
writes the audit entry. Adapters map ``UploadError`` to a form error or a JSON
error; ``field`` says where it belongs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from safedata.accounts.models import User, member_key
from safedata.accounts.roles import require_not_suspended
from safedata.audit.models import log_action, log_actions
from safedata.documents import language, predictions
from safedata.documents.models import Document, License, Visibility
from safedata.documents.signals import upload_held
from safedata.ratelimit import Rate, hit
from safedata.screening import (
    Limits,
    Metadata,
    ScreenedUpload,
    ScreeningError,
    UploadRules,
    screen_upload,
)
from safedata.screening.bulk import LineResult, LineStatus, LineVerdict, parse_jsonl
from safedata.screening.policy import Finding

__all__ = [
    "BulkReport",
    "BulkRow",
    "NewDocument",
    "UploadError",
    "UploadResult",
    "bulk_upload",
    "create_document",
    "screen",
    "store_document",
    "upload_document",
    "upload_rules",
]


class UploadError(ValueError):
    """Input that cannot become a document; the message is shown to the uploader.

    ``code`` names the failed rule (a screening check identifier, ``aup_required``...);
    ``field`` the upload field at fault, or empty for the upload as a whole.
    """

    code = "invalid"

    def __init__(self, message: str, code: str | None = None, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    @classmethod
    def screening(cls, exc: ScreeningError) -> UploadError:
        return cls(exc.message, code=exc.identifier, field=exc.field)

    @property
    def too_large(self) -> bool:
        return self.code in ("oversized", "too-many-lines")


@dataclass(frozen=True, kw_only=True)
class NewDocument(Metadata):
    """One upload's fields as given, before the pipeline screens them."""

    text: str = ""
    """Pasted text (ignored when ``file`` is given)."""
    file: bytes | None = None
    """A ``.txt``/``.md`` file's raw bytes."""


@dataclass(frozen=True)
class UploadResult:
    document: Document
    created: bool
    """False when an identical text already existed (``document`` is that one)."""
    findings: tuple[Finding, ...] = ()
    """The policy findings that hold a new document for a moderator (``Visibility.HELD``)."""


def upload_rules() -> UploadRules:
    """The pipeline's rules: the limits configured in settings and the licence codes."""
    limits = Limits(
        max_bytes=settings.SAFEDATA_MAX_UPLOAD_BYTES,
        max_chars=settings.SAFEDATA_MAX_DOCUMENT_CHARS,
        max_lines=settings.SAFEDATA_MAX_BULK_LINES,
    )
    return UploadRules(limits, frozenset(License.values), settings.SAFEDATA_POLICY)


def screen(new: NewDocument) -> ScreenedUpload:
    """The pure pipeline on ``new``: the screened upload, or ``UploadError``."""
    content = new.file if new.file is not None else new.text
    try:
        return screen_upload(content, new, upload_rules())
    except ScreeningError as exc:
        raise UploadError.screening(exc) from exc


def create_document(
    new: NewDocument, uploader: User, *, audit_data: dict[str, Any] | None = None
) -> UploadResult:
    """Screen and store ``new`` for ``uploader`` unless the same normalised text exists."""
    return store_document(screen(new), uploader, audit_data=audit_data)


def store_document(
    upload: ScreenedUpload, uploader: User, *, audit_data: dict[str, Any] | None = None
) -> UploadResult:
    """Store a screened upload, or return the document that already has its text."""
    existing = Document.objects.filter(content_sha256=upload.sha256).first()
    if existing is not None:
        return UploadResult(existing, created=False)
    try:
        with transaction.atomic():
            document = _unsaved_document(upload, uploader)
            document.save(force_insert=True)
            log_action("document.uploaded", document, actor=uploader, data=audit_data)
            if upload.findings:
                upload_held.send(Document, held=[(document, upload.findings)], actor=uploader)
    except IntegrityError:
        # A concurrent upload of the same text won the race.
        return UploadResult(Document.objects.get(content_sha256=upload.sha256), created=False)
    predictions.predict_new_document(document)
    return UploadResult(document, created=True, findings=upload.findings)


def _unsaved_document(upload: ScreenedUpload, uploader: User) -> Document:
    # An upload the policy checks flagged waits for a moderator (or the uploader's edit).
    return Document(
        visibility=Visibility.HELD if upload.findings else Visibility.VISIBLE,
        uploader=uploader,
        title=upload.title,
        text=upload.text,
        content_sha256=upload.sha256,
        source_url=upload.source_url,
        license=upload.license,
        language=upload.language,
        char_count=len(upload.text),
    )


def _require_aup(aup_accepted: bool) -> None:
    if not aup_accepted:
        raise UploadError(
            "You must accept the Acceptable Use Policy to upload.", code="aup_required", field="aup"
        )


def _count_upload(uploader: User) -> None:
    hit("upload", member_key(uploader.pk), Rate.parse(settings.SAFEDATA_UPLOAD_RATE_LIMIT))


def upload_document(
    new: NewDocument,
    uploader: User,
    *,
    aup_accepted: bool,
    detect_language: bool,
    via: str = "form",
) -> UploadResult:
    """A member's upload from the form or the API, screened once.

    Requires the Acceptable Use Policy to be accepted, counts against the
    upload rate limit (``RateLimited``) once the upload passed screening,
    detects the language when asked, and returns the existing document for a
    duplicate text.
    """
    _require_aup(aup_accepted)
    require_not_suspended(uploader)
    upload = screen(new)
    _count_upload(uploader)
    if detect_language:
        upload = replace(upload, language=language.detect(upload.text))
    return store_document(upload, uploader, audit_data={"aup_accepted": True, "via": via})


@dataclass(frozen=True)
class BulkRow(LineVerdict):
    """One line of a bulk upload report."""

    document: Document | None = None
    held: bool = False
    """Stored, but held for a moderator: ``reason`` lists the policy findings."""


@dataclass(frozen=True)
class BulkReport:
    rows: list[BulkRow]

    def count(self, status: LineStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def accepted(self) -> int:
        return self.count(LineStatus.ACCEPTED)

    @property
    def held(self) -> int:
        return sum(1 for row in self.rows if row.held)

    @property
    def duplicates(self) -> int:
        return self.count(LineStatus.DUPLICATE)

    @property
    def rejected(self) -> int:
        return self.count(LineStatus.REJECTED)


REMOVED_TEXT_MESSAGE = (
    "This text was removed by the moderators for breaking the Acceptable Use Policy; "
    "it cannot be uploaded again."
)
"""The upload pipeline's answer to a text whose document was taken down (a tombstone)."""

BULK_CHUNK = 500
"""Accepted lines stored per transaction: short write locks, few round trips."""


def bulk_upload(data: bytes, uploader: User, *, aup_accepted: bool) -> BulkReport:
    """Store every valid line of a JSONL file; report on each line.

    Accepted lines are stored in transactions of ``BULK_CHUNK`` lines; a
    rejected line stores nothing; a text already stored (or earlier in the
    file) is reported as a duplicate, so uploading the same file twice creates
    nothing new. Raises ``UploadError`` when the file as a whole is refused.
    """
    _require_aup(aup_accepted)
    require_not_suspended(uploader)
    rules = upload_rules()
    try:
        results = parse_jsonl(data, rules.limits, licenses=rules.licenses, policy=rules.policy)
    except ScreeningError as exc:
        raise UploadError.screening(exc) from exc
    _count_upload(uploader)
    accepted = [r for r in results if r.status == LineStatus.ACCEPTED]
    stored: dict[str, UploadResult] = {}
    for start in range(0, len(accepted), BULK_CHUNK):
        chunk = _store_chunk(accepted[start : start + BULK_CHUNK], uploader)
        predictions.predict_new_documents([r.document for r in chunk.values() if r.created])
        stored |= chunk
    return BulkReport([_report_row(result, stored) for result in results])


def _unsaved_line(result: LineResult, uploader: User) -> Document:
    upload = result.record
    assert upload is not None  # only accepted lines are stored
    if not upload.language:
        upload = replace(upload, language=language.detect(upload.text))
    return _unsaved_document(upload, uploader)


def _store_chunk(chunk: list[LineResult], uploader: User) -> dict[str, UploadResult]:
    """Store the chunk's new texts in one transaction; every hash maps to its document."""
    hashes = [result.record.sha256 for result in chunk if result.record is not None]
    known = set(
        Document.objects.filter(content_sha256__in=hashes).values_list("content_sha256", flat=True)
    )
    # Language detection is the slow part of a line: skip it for texts already stored.
    candidates = [
        (result, _unsaved_line(result, uploader))
        for result in chunk
        if result.record is not None and result.record.sha256 not in known
    ]
    try:
        with transaction.atomic():
            existing = Document.objects.in_bulk(hashes, field_name="content_sha256")
            fresh = [(r, d) for r, d in candidates if d.content_sha256 not in existing]
            Document.objects.bulk_create([document for _, document in fresh])
            log_actions(
                "document.uploaded",
                [(d, {"aup_accepted": True, "via": "bulk", "line": r.line}) for r, d in fresh],
                actor=uploader,
            )
            held = [(d, r.record.findings) for r, d in fresh if r.record and r.record.findings]
            if held:
                upload_held.send(Document, held=held, actor=uploader)
    except IntegrityError:
        # A concurrent upload stored one of these texts first: go line by line.
        existing = Document.objects.in_bulk(hashes, field_name="content_sha256")
        return _as_duplicates(existing) | {
            d.content_sha256: _store_one(r, d, uploader) for r, d in candidates
        }
    return _as_duplicates(existing) | {
        d.content_sha256: UploadResult(d, created=True) for _, d in fresh
    }


def _as_duplicates(existing: dict[str, Document]) -> dict[str, UploadResult]:
    return {sha: UploadResult(document, created=False) for sha, document in existing.items()}


def _store_one(result: LineResult, document: Document, uploader: User) -> UploadResult:
    assert result.record is not None  # only accepted lines are stored
    upload = replace(result.record, language=document.language)
    audit_data = {"aup_accepted": True, "via": "bulk", "line": result.line}
    return store_document(upload, uploader, audit_data=audit_data)


def _report_row(result: LineResult, stored: dict[str, UploadResult]) -> BulkRow:
    if result.record is None:
        return BulkRow(result.line, result.status, result.reason)
    upload = stored[result.record.sha256]
    if result.status == LineStatus.DUPLICATE:
        visible = upload.document.visibility == Visibility.VISIBLE
        return BulkRow(
            result.line, result.status, result.reason, upload.document if visible else None
        )
    if not upload.created:
        return _duplicate_row(result.line, upload.document)
    if upload.document.visibility == Visibility.HELD:
        reasons = "; ".join(finding.reason for finding in result.record.findings)
        return BulkRow(
            result.line,
            LineStatus.ACCEPTED,
            f"Held for a moderator: {reasons}",
            upload.document,
            held=True,
        )
    return BulkRow(result.line, LineStatus.ACCEPTED, document=upload.document)


def _duplicate_row(line: int, existing: Document) -> BulkRow:
    if existing.visibility == Visibility.REMOVED:
        return BulkRow(line, LineStatus.DUPLICATE, REMOVED_TEXT_MESSAGE)
    if existing.visibility != Visibility.VISIBLE:
        # Never link to, or reveal the title of, a withdrawn document.
        return BulkRow(
            line, LineStatus.DUPLICATE, "Uploaded before and withdrawn from the dataset."
        )
    return BulkRow(line, LineStatus.DUPLICATE, "Already in the dataset.", existing)
