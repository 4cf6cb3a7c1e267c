"""Creating documents: normalise, validate, deduplicate by content hash, store."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from safedata.audit.models import log_action
from safedata.documents.models import Document, License


class UploadError(ValueError):
    """Input that cannot become a document; the message is shown to the uploader."""

    code = "invalid"


def normalise_text(text: str) -> str:
    """Unicode NFC, ``\\n`` line endings, no trailing whitespace at the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def content_sha256(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


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


def validate_text(raw: str) -> str:
    """The normalised text, or ``UploadError`` explaining what is wrong."""
    if "\x00" in raw:
        raise UploadError("The text contains NUL bytes; upload plain text only.")
    text = normalise_text(raw)
    if not text:
        raise UploadError("The text is empty.")
    limit = settings.SAFEDATA_MAX_DOCUMENT_CHARS
    if len(text) > limit:
        raise UploadError(f"The text has {len(text):,} characters; the limit is {limit:,}.")
    return text


def validate_license(value: str) -> str:
    if value not in License.values:
        allowed = ", ".join(v for v in License.values if v)
        raise UploadError(f"Unknown licence {value!r}; use one of: {allowed} (or leave empty).")
    return value


def create_document(new: NewDocument, uploader: Any) -> UploadResult:
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
            log_action("document.uploaded", document, actor=uploader)
    except IntegrityError:
        # A concurrent upload of the same text won the race.
        return UploadResult(Document.objects.get(content_sha256=digest), created=False)
    return UploadResult(document, created=True)
