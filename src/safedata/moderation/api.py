"""API v1 for moderation: reports (anyone), appeals (uploaders), the queue and decisions
(moderators). Every operation calls ``moderation.services``; its errors keep their status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view

from safedata.accounts.models import User
from safedata.accounts.roles import is_moderator
from safedata.apiauth import SignedInRequest, json_body, public, signed_in
from safedata.apierrors import ApiError
from safedata.apischemas import ErrorOut
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document
from safedata.moderation import services
from safedata.moderation.models import MAX_NOTE_CHARS, Decision, ReportReason
from safedata.ratelimit import ip_hash
from safedata.voting.identity import remember_voter, voter_for

router = Router(tags=["moderation"])

_MAX_BODY = 8 * 1024
_ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 413, 415, 429), ErrorOut)


def _service_errors(run: Callable[..., Any]) -> Callable[..., Any]:
    """Answer a ``ModerationError`` with its status and message: nothing was changed."""

    @wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return run(*args, **kwargs)
        except services.ModerationError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc

    return wrapper


def _write(
    path: str, out: type[Schema], summary: str, *, status: int = 200, auth: Any = signed_in
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A POST operation with a JSON body of at most ``_MAX_BODY`` bytes whose service errors
    keep their status: the declaration every write of this router shares."""

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        operation = router.post(path, auth=auth, response={status: out, **_ERRORS}, summary=summary)
        return operation(decorate_view(json_body(lambda: _MAX_BODY))(_service_errors(run)))

    return decorate


def _moderator(request: SignedInRequest) -> User:
    user = request.auth.user
    if not is_moderator(user):
        raise ApiError(403, "forbidden", "Only moderators may do this.")
    return user


class ReportIn(Schema):
    reason: str = Field(description=f"One of: {', '.join(ReportReason.values)}.")
    note: str = Field("", max_length=MAX_NOTE_CHARS)


class ReportOut(Schema):
    id: int
    document_id: int
    reason: str
    created_at: datetime


@_write(
    "/documents/{document_id}/reports",
    ReportOut,
    "Report a document for breaking the Acceptable Use Policy",
    status=201,
    auth=public,
)
def report(request: HttpRequest, document_id: int, payload: ReportIn) -> HttpResponse:
    """Anyone may report, once per document; enough reports hold the document for a moderator."""
    voter = voter_for(request)
    reporter = services.Reporter(
        key=voter.key, user=voter.user, network_key=voter.network_key or ip_hash(request)
    )
    created = services.report_document(document_id, reporter, payload.reason, payload.note)
    body = {
        "id": created.pk,
        "document_id": document_id,
        "reason": created.reason,
        "created_at": created.created_at.isoformat(),
    }
    return remember_voter(JsonResponse(body, status=201), voter)


class MessageIn(Schema):
    message: str = Field(max_length=MAX_NOTE_CHARS)


class AppealOut(Schema):
    id: int
    document_id: int
    outcome: str


@_write(
    "/documents/{document_id}/appeal",
    AppealOut,
    "Appeal the decision on your document (once)",
    status=201,
)
def appeal(request: SignedInRequest, document_id: int, payload: MessageIn) -> tuple[int, Any]:
    created = services.appeal(document_id, request.auth.user, payload.message)
    return 201, {"id": created.pk, "document_id": document_id, "outcome": created.outcome}


class CaseOut(Schema):
    document_id: int
    title: str
    visibility: str
    severity: int = Field(description="0 none, 1 low, 2 medium, 3 high.")
    open_reports: int
    open_appeal: bool
    uploader: str


@router.get(
    "/moderation/queue",
    auth=signed_in,
    response={200: list[CaseOut], 401: ErrorOut, 403: ErrorOut},
    summary="Documents waiting for a moderator, the most urgent first",
)
def queue(request: SignedInRequest, limit: int = 50) -> list[dict[str, Any]]:
    """``limit`` (1 to 200) cases; each with its severity and number of open reports."""
    cases = services.queue(_moderator(request))[: max(1, min(limit, 200))]
    return [
        {
            "document_id": d.pk,
            "title": d.display_title,
            "visibility": d.visibility,
            "severity": d.severity,  # type: ignore[attr-defined]
            "open_reports": d.open_reports,  # type: ignore[attr-defined]
            "open_appeal": d.open_appeal,  # type: ignore[attr-defined]
            "uploader": d.uploader.username,
        }
        for d in cases
    ]


class DecisionIn(Schema):
    action: Literal["approve", "hide", "remove"]
    reason: str = Field("", max_length=MAX_NOTE_CHARS)


class DecisionOut(Schema):
    id: int
    document_id: int
    action: str
    visibility: str


@_write(
    "/moderation/documents/{document_id}/decision",
    DecisionOut,
    "Approve, hide or remove a document",
)
def decide(request: SignedInRequest, document_id: int, payload: DecisionIn) -> dict[str, Any]:
    decision = services.decide(document_id, payload.action, _moderator(request), payload.reason)
    return {
        "id": decision.pk,
        "document_id": document_id,
        "action": decision.action,
        "visibility": services.ACTIONS[Decision.Action(decision.action)],
    }


class ReasonIn(Schema):
    reason: str = Field("", max_length=MAX_NOTE_CHARS)


class DoneOut(Schema):
    ok: bool


@_write(
    "/moderation/reports/{report_id}/dismiss",
    DoneOut,
    "Dismiss a report without acting on its document",
)
def dismiss(request: SignedInRequest, report_id: int, payload: ReasonIn) -> dict[str, bool]:
    services.dismiss_report(report_id, _moderator(request), payload.reason)
    return {"ok": True}


class SuspensionOut(Schema):
    user_id: int
    suspended: bool


def _suspension_route(
    name: str, summary: str, run: Callable[[int, User, str], Any], *, suspended: bool
) -> Callable[..., Any]:
    """``POST /moderation/users/{user_id}/<name>``: ``run`` the service, answer the new state."""

    def operation(request: SignedInRequest, user_id: int, payload: ReasonIn) -> dict[str, Any]:
        run(user_id, _moderator(request), payload.reason)
        return {"user_id": user_id, "suspended": suspended}

    operation.__name__ = operation.__qualname__ = name
    return _write(f"/moderation/users/{{user_id}}/{name}", SuspensionOut, summary)(operation)


suspend = _suspension_route(
    "suspend",
    "Suspend a member: uploads hidden, votes out of the consensus (reversible)",
    services.suspend_user,
    suspended=True,
)
reinstate = _suspension_route(
    "reinstate",
    "Lift a suspension: the uploads and votes it took out come back",
    services.reinstate_user,
    suspended=False,
)


class LogEntryOut(Schema):
    action: str
    actor: str | None
    at: datetime
    data: dict[str, Any]


def _entry(entry: AuditEntry) -> dict[str, Any]:
    actor = entry.actor.username if entry.actor else (entry.actor_key or None)
    return {"action": entry.action, "actor": actor, "at": entry.created_at, "data": entry.data}


def _log_route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A moderator's GET of an audit log: a list of entries, or 401, 403 or 404."""
    responses = {200: list[LogEntryOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
    return router.get(path, auth=signed_in, response=responses, summary=summary)


def _log(
    request: SignedInRequest,
    target: Document | User | None,
    missing: str,
    read: Callable[[Any, User], Iterable[AuditEntry]],
) -> list[dict[str, Any]]:
    """The audit entries ``read`` finds about ``target``; 404 with ``missing`` without one."""
    moderator = _moderator(request)
    if target is None:
        raise ApiError(404, "not_found", missing)
    return [_entry(e) for e in read(target, moderator)]


@_log_route("/moderation/documents/{document_id}/log", "The audit log of one document")
def document_log(request: SignedInRequest, document_id: int) -> list[dict[str, Any]]:
    document = Document.objects.filter(pk=document_id).first()
    missing = f"No document with id {document_id}."
    return _log(request, document, missing, lambda d, m: services.document_log(d, m)[:500])


@_log_route(
    "/moderation/users/{user_id}/log",
    "The audit log of one member: entries about them and their own actions",
)
def user_log(request: SignedInRequest, user_id: int) -> list[dict[str, Any]]:
    member = User.objects.filter(pk=user_id).first()
    return _log(request, member, f"No user with id {user_id}.", services.user_log)
