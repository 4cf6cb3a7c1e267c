"""Creating documents: screen, normalise, deduplicate by content hash, store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from safedata.accounts.models import member_key
from safedata.audit.models import log_action, log_actions
from safedata.documents import language, predictions
from safedata.documents.models import Document, License, Visibility
from safedata.ratelimit import Rate, hit
from safedata.screening import Limits, ScreeningError, content_sha256, normalise_text, screen_bytes
from safedata.screening import screen_text as _screen_text
from safedata.screening.bulk import LineResult, LineStatus, parse_jsonl

__all__ = [
    "BulkReport",
    "BulkRow",
    "NewDocument",
    "UploadError",
    "UploadResult",
    "bulk_upload",
    "content_sha256",
    "create_document",
    "normalise_text",
    "text_from_file",
    "upload_document",
    "upload_limits",
    "validate_license",
    "validate_text",
]


class UploadError(ValueError):
    """Input that cannot become a document; the message is shown to the uploader.

    ``code`` names the failed rule (a screening check identifier, ``aup_required``...).
    """

    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def too_large(self) -> bool:
        return self.code in ("oversized", "too-many-lines")


@dataclass(frozen=True)
class NewDocument:
    """Validated upload fields, before storage."""

    text: str
    title: str = ""
    source_url: str = ""
    license: str = ""
    language: str = ""


@dataclass(frozen=True)
class UploadResult:
    document: Document
    created: bool
    """False when an identical text already existed (``document`` is that one)."""


def upload_limits() -> Limits:
    """The screening limits configured in settings."""
    return Limits(
        max_bytes=settings.SAFEDATA_MAX_UPLOAD_BYTES,
        max_chars=settings.SAFEDATA_MAX_DOCUMENT_CHARS,
        max_lines=settings.SAFEDATA_MAX_BULK_LINES,
    )


def validate_text(raw: str) -> str:
    """The normalised text, or ``UploadError`` explaining what is wrong."""
    try:
        return _screen_text(raw, upload_limits())
    except ScreeningError as exc:
        raise UploadError(exc.message, code=exc.identifier) from exc


def text_from_file(data: bytes) -> str:
    """The normalised text of an uploaded ``.txt``/``.md`` file, or ``UploadError``."""
    try:
        return screen_bytes(data, upload_limits())
    except ScreeningError as exc:
        raise UploadError(exc.message, code=exc.identifier) from exc


def validate_license(value: str) -> str:
    if value not in License.values:
        allowed = ", ".join(v for v in License.values if v)
        raise UploadError(f"Unknown licence {value!r}; use one of: {allowed} (or leave empty).")
    return value


def create_document(
    new: NewDocument, uploader: Any, *, audit_data: dict[str, Any] | None = None
) -> UploadResult:
    """Store ``new`` for ``uploader`` unless the same normalised text exists already."""
    text = validate_text(new.text)
    digest = content_sha256(text)
    existing = Document.objects.filter(content_sha256=digest).first()
    if existing is not None:
        return UploadResult(existing, created=False)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                uploader=uploader,
                title=new.title.strip()[:300],
                text=text,
                content_sha256=digest,
                source_url=new.source_url,
                license=validate_license(new.license),
                language=new.language,
                char_count=len(text),
            )
            log_action("document.uploaded", document, actor=uploader, data=audit_data)
    except IntegrityError:
        # A concurrent upload of the same text won the race.
        return UploadResult(Document.objects.get(content_sha256=digest), created=False)
    predictions.predict_new_document(document)
    return UploadResult(document, created=True)


def _require_aup(aup_accepted: bool) -> None:
    if not aup_accepted:
        raise UploadError(
            "You must accept the Acceptable Use Policy to upload.", code="aup_required"
        )


def _count_upload(uploader: Any) -> None:
    hit("upload", member_key(uploader.pk), Rate.parse(settings.SAFEDATA_UPLOAD_RATE_LIMIT))


def upload_document(
    new: NewDocument,
    uploader: Any,
    *,
    aup_accepted: bool,
    detect_language: bool,
    via: str = "form",
) -> UploadResult:
    """A member's upload from the form or the API.

    Requires the Acceptable Use Policy to be accepted, counts against the
    upload rate limit (``RateLimited``), detects the language when asked, and
    returns the existing document for a duplicate text.
    """
    _require_aup(aup_accepted)
    text = validate_text(new.text)
    _count_upload(uploader)
    if detect_language:
        new = replace(new, language=language.detect(text))
    return create_document(new, uploader, audit_data={"aup_accepted": True, "via": via})


@dataclass(frozen=True)
class BulkRow:
    """One line of a bulk upload report."""

    line: int
    status: LineStatus
    reason: str = ""
    document: Document | None = None


@dataclass(frozen=True)
class BulkReport:
    rows: list[BulkRow]

    def count(self, status: LineStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def accepted(self) -> int:
        return self.count(LineStatus.ACCEPTED)

    @property
    def duplicates(self) -> int:
        return self.count(LineStatus.DUPLICATE)

    @property
    def rejected(self) -> int:
        return self.count(LineStatus.REJECTED)


BULK_CHUNK = 500
"""Accepted lines stored per transaction: short write locks, few round trips."""


def bulk_upload(data: bytes, uploader: Any, *, aup_accepted: bool) -> BulkReport:
    """Store every valid line of a JSONL file; report on each line.

    Accepted lines are stored in transactions of ``BULK_CHUNK`` lines; a
    rejected line stores nothing; a text already stored (or earlier in the
    file) is reported as a duplicate, so uploading the same file twice creates
    nothing new. Raises ``UploadError`` when the file as a whole is refused.
    """
    _require_aup(aup_accepted)
    try:
        results = parse_jsonl(data, upload_limits(), licenses=License.values)
    except ScreeningError as exc:
        raise UploadError(exc.message, code=exc.identifier) from exc
    _count_upload(uploader)
    accepted = [r for r in results if r.status == LineStatus.ACCEPTED]
    stored: dict[str, UploadResult] = {}
    for start in range(0, len(accepted), BULK_CHUNK):
        chunk = _store_chunk(accepted[start : start + BULK_CHUNK], uploader)
        predictions.predict_new_documents([r.document for r in chunk.values() if r.created])
        stored |= chunk
    return BulkReport([_report_row(result, stored) for result in results])


def _unsaved_document(result: LineResult, uploader: Any) -> Document:
    record = result.record
    assert record is not None  # only accepted lines are stored
    return Document(
        uploader=uploader,
        title=record.title,
        text=record.text,
        content_sha256=record.sha256,
        source_url=record.source_url,
        license=record.license,
        language=record.language or language.detect(record.text),
        char_count=len(record.text),
    )


def _store_chunk(chunk: list[LineResult], uploader: Any) -> dict[str, UploadResult]:
    """Store the chunk's new texts in one transaction; every hash maps to its document."""
    hashes = [result.record.sha256 for result in chunk if result.record is not None]
    known = set(
        Document.objects.filter(content_sha256__in=hashes).values_list("content_sha256", flat=True)
    )
    # Language detection is the slow part of a line: skip it for texts already stored.
    candidates = [
        (result, _unsaved_document(result, uploader))
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


def _store_one(result: LineResult, document: Document, uploader: Any) -> UploadResult:
    new = NewDocument(
        text=document.text,
        title=document.title,
        source_url=document.source_url,
        license=document.license,
        language=document.language,
    )
    return create_document(
        new, uploader, audit_data={"aup_accepted": True, "via": "bulk", "line": result.line}
    )


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
    return BulkRow(result.line, LineStatus.ACCEPTED, document=upload.document)


def _duplicate_row(line: int, existing: Document) -> BulkRow:
    if existing.visibility != Visibility.VISIBLE:
        # Never link to, or reveal the title of, a withdrawn document.
        return BulkRow(
            line, LineStatus.DUPLICATE, "Uploaded before and withdrawn from the dataset."
        )
    return BulkRow(line, LineStatus.DUPLICATE, "Already in the dataset.", existing)
