"""API v1 for documents: upload, read one, list with filters and a cursor."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.http import urlencode
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from safedata import consensus
from safedata.apiauth import (
    AuthedRequest,
    SignedInRequest,
    json_body,
    max_upload_bytes,
    public,
    signed_in,
)
from safedata.apierrors import ApiError
from safedata.apischemas import ConsensusOut, ErrorOut, consensus_payload
from safedata.documents import search
from safedata.documents.access import REMOVED_MESSAGE, DocumentGone, viewable_document
from safedata.documents.filters import SORTS, DocumentFilter, effective_sort
from safedata.documents.models import Document, DocumentQuerySet, License, Visibility
from safedata.documents.services import (
    REMOVED_TEXT_MESSAGE,
    NewDocument,
    UploadError,
    upload_document,
)
from safedata.screening import MAX_TITLE_CHARS, MAX_URL_CHARS

router = Router(tags=["documents"])

SortOrder = Literal["relevance", "recent", "score", "-score"]


class PredictionOut(Schema):
    label: str
    score: float | None
    confidence: float | None
    version: str


class DocumentOut(Schema):
    id: int
    title: str
    text: str
    source_url: str
    license: str
    language: str
    uploaded_at: datetime
    content_sha256: str
    consensus: ConsensusOut
    model_prediction: PredictionOut | None = Field(
        None, description="The classifier's prediction, kept apart from the community consensus."
    )


class FindingOut(Schema):
    check: str = Field(description="Identifier of the policy check, e.g. pii.email.")
    reason: str
    severity: str = Field(description="low, medium or high.")
    count: int


class UploadOut(DocumentOut):
    duplicate: bool
    visibility: Visibility = Field(
        description="visible: published; held: kept for a moderator because of the findings."
    )
    findings: list[FindingOut] = Field(
        default_factory=list, description="What the policy checks found (never the match)."
    )


EXCERPT_CHARS = 280
"""Length of the ``excerpt`` of each listed document (docs/api.md: who gets the full text)."""


class DocumentListItem(DocumentOut):
    text: str | None = Field(  # type: ignore[assignment]
        description="The full text for members (token or session); null for anonymous callers, "
        "who read one document's text at GET /api/v1/documents/{id}."
    )
    excerpt: str = Field(description=f"The text's first {EXCERPT_CHARS} characters.")
    snippet: str | None = Field(
        None,
        description="With q: HTML, a short passage of the text (escaped) with the matched "
        "words in <mark>, as on /documents/; null without q.",
    )


class DocumentPage(Schema):
    items: list[DocumentListItem]
    next_cursor: str | None
    next: str | None = Field(None, description="URL of the next page, or null on the last page.")


class UploadIn(Schema):
    text: str = Field(min_length=1, description="Plain text; normalised to NFC and trimmed.")
    title: str = Field("", max_length=MAX_TITLE_CHARS)
    source_url: str = Field(
        "", max_length=MAX_URL_CHARS, description="An http:// or https:// URL, or empty."
    )
    license: License = Field(License.UNKNOWN, description="An SPDX identifier, or empty.")


class CsrfOut(Schema):
    csrftoken: str


def document_out(document: Document) -> dict[str, Any]:
    prediction = None
    if document.model_label:
        prediction = {
            "label": document.model_label,
            "score": document.model_score,
            "confidence": document.model_confidence,
            "version": document.model_version,
        }
    return {
        "id": document.pk,
        "title": document.title,
        "text": document.text,
        "source_url": document.source_url,
        "license": document.license,
        "language": document.language,
        "uploaded_at": document.created_at,
        "content_sha256": document.content_sha256,
        "consensus": consensus_payload(document.consensus),
        "model_prediction": prediction,
    }


@router.get(
    "/csrf",
    response={200: CsrfOut, 401: ErrorOut},
    auth=public,
    summary="Get a CSRF token for cookie callers",
)
def csrf(request: HttpRequest) -> dict[str, str]:
    """Sets the ``csrftoken`` cookie; send its value back as ``X-CSRFToken`` on POST."""
    return {"csrftoken": get_token(request)}


@router.get("/ping", auth=None, include_in_schema=False)
def ping(request: HttpRequest) -> dict[str, bool]:
    # The benchmark's baseline: the full middleware stack and ninja, no database.
    return {"ok": True}


def _upload_error(exc: UploadError) -> ApiError:
    if exc.code == "too-long":
        return ApiError(413, "payload_too_large", exc.message)
    return ApiError(413 if exc.too_large else 400, exc.code, exc.message)


@router.post(
    "/documents",
    auth=signed_in,
    response={
        200: UploadOut,
        201: UploadOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        429: ErrorOut,
    },
    summary="Upload a document",
)
@decorate_view(json_body(max_upload_bytes))
def upload(request: SignedInRequest, payload: UploadIn) -> Status[dict[str, Any]]:
    """201 with the new document; 200 with ``duplicate: true`` when the same text exists."""
    user = request.auth.user
    new = NewDocument(
        text=payload.text,
        title=payload.title,
        source_url=payload.source_url,
        license=payload.license,
    )
    try:
        # Using the API means accepting the Acceptable Use Policy (said on the token page).
        result = upload_document(new, user, aup_accepted=True, detect_language=True, via="api")
    except UploadError as exc:
        raise _upload_error(exc) from exc
    if not result.created and result.document.visibility == Visibility.REMOVED:
        raise ApiError(409, "removed_text", REMOVED_TEXT_MESSAGE)
    if not result.created and result.document.visibility != Visibility.VISIBLE:
        raise ApiError(
            409,
            "duplicate_unavailable",
            "This text was uploaded before and has been withdrawn from the dataset.",
        )
    findings = [
        {"check": f.check, "reason": f.reason, "severity": f.severity.label, "count": f.count}
        for f in result.findings
    ]
    body = {
        **document_out(result.document),
        "duplicate": not result.created,
        "visibility": result.document.visibility,
        "findings": findings,
    }
    return Status(201 if result.created else 200, body)


@router.get(
    "/documents/{document_id}",
    auth=public,
    response={200: DocumentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 410: ErrorOut},
    summary="Read one document and its consensus",
)
def detail(request: HttpRequest, document_id: int) -> dict[str, Any]:
    """404 for a held or hidden document (except to its uploader and moderators), 410 if removed."""
    try:
        document = viewable_document(document_id, request.user)
    except Document.DoesNotExist as exc:
        raise ApiError(404, "not_found", f"No visible document with id {document_id}.") from exc
    except DocumentGone as exc:
        raise ApiError(410, "removed", REMOVED_MESSAGE) from exc
    return document_out(document)


class ListFilters(Schema):
    q: str = Field(
        "",
        max_length=search.MAX_QUERY_CHARS,
        description="Full-text search in title and text: every word, the last (3+ chars) a prefix.",
    )
    label: consensus.Label | None = None
    status: consensus.Status | None = None
    min_votes: int = Field(0, ge=0, le=1_000_000_000)
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    language: str = Field("", max_length=16)
    sort: SortOrder | None = Field(None, description="Default: relevance with q, else recent.")
    cursor: str = Field("", max_length=200)
    limit: int = Field(20, ge=1, le=100)


def encode_cursor(sort: str, document: Document) -> str:
    key: Any = getattr(document, SORTS[sort].field)
    key = key.isoformat() if sort == "recent" else key
    raw = json.dumps([sort, key, document.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort key, id) a cursor points after; 400 when it is not one of ours."""
    invalid = ApiError(400, "invalid_cursor", "The cursor is invalid or belongs to another sort.")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        cursor_sort, key, last_id = decoded
        if cursor_sort != sort or not isinstance(last_id, int):
            raise invalid
        if sort == "recent":
            return datetime.fromisoformat(key), last_id
        return float(key), last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid from exc


def filtered(filters: ListFilters) -> DocumentQuerySet:
    view = DocumentFilter(
        q=filters.q.strip(),
        label=filters.label or "",
        status=filters.status or "",
        language=filters.language,
        min_votes=filters.min_votes,
        min_confidence=filters.min_confidence,
    )
    return view.apply(Document.objects.public())


def list_item(
    document: Document, *, full_text: bool, marked: dict[int, tuple[str, str]] | None = None
) -> dict[str, Any]:
    """One listed document; ``marked`` holds ``search.snippets`` of the page when searching."""
    item = document_out(document)
    text: str = item["text"]
    cut = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
    snippet = (marked or {}).get(document.pk, ("", ""))[1]
    return {
        **item,
        "text": text if full_text else None,
        "excerpt": cut,
        "snippet": str(search.highlighted(snippet)) if snippet else None,
    }


def _next_url(request: HttpRequest, filters: ListFilters, cursor: str) -> str:
    params = filters.dict(exclude_defaults=True) | {"cursor": cursor}
    return request.build_absolute_uri(reverse("api:list_documents") + "?" + urlencode(params))


@router.get(
    "/documents",
    auth=public,
    response={200: DocumentPage, 400: ErrorOut, 401: ErrorOut},
    url_name="list_documents",
    summary="List documents with filters and cursor pagination",
)
def list_documents(request: AuthedRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Newest first by default; pass ``next_cursor`` back as ``cursor`` for the next page.

    Members get each document's full text; anonymous callers an excerpt, so that the
    list is no way around the sign-in the dataset download asks for.
    """
    sort = effective_sort(filters.sort, bool(filters.q.strip()))
    order = SORTS[sort]
    documents = filtered(filters).order_by(*order.ordering())
    if filters.cursor:
        documents = documents.filter(order.after(*decode_cursor(filters.cursor, sort)))
    page = list(documents[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    cursor = encode_cursor(sort, page[-1]) if more else None
    full_text = request.auth.user is not None
    q = filters.q.strip()
    marked = search.snippets((d.pk for d in page), q) if q else None
    return {
        "items": [list_item(d, full_text=full_text, marked=marked) for d in page],
        "next_cursor": cursor,
        "next": _next_url(request, filters, cursor) if cursor else None,
    }
