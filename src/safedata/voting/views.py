"""The review page and the vote buttons on document pages.

Both post with htmx and get an HTML fragment back; without JavaScript the
same forms post normally and are redirected. Anonymous visitors vote too, so
every POST goes through Django's CSRF check (the token travels in the
``hx-headers`` of ``<body>``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from safedata.accounts.roles import AccountSuspended
from safedata.consensus import Consensus
from safedata.documents.models import Document
from safedata.ratelimit import RateLimited
from safedata.voting.identity import Voter, remember_voter, voter_for
from safedata.voting.models import Rating
from safedata.voting.queue import next_document, progress, shown_again, why_empty
from safedata.voting.services import InvalidRating, OwnDocument, cast_vote, withdraw_vote
from safedata.voting.templatetags.vote_panel import panel_context

SKIPPED_SESSION_KEY = "review_skipped"
MAX_SKIPPED = 200
"""Skipped ids remembered per session; the oldest are forgotten first."""
REVIEWED_SESSION_KEY = "review_count"
"""Votes cast on the review page in this session, for the progress strip."""
MIN_VIEW_MS = 250
"""A vote or skip on a document swapped in less than this long ago is refused: it was a
key pressed again (or held) before the reviewer could see the document. The page's own
script waits longer (``static/js/site.js``), so this only catches other clients."""
_SHOWN_SALT = "safedata.review.shown"


@dataclass(frozen=True)
class VoteOutcome:
    """What a vote attempt produced: the rated document, or a message for the visitor."""

    document: Document | None = None
    consensus: Consensus | None = None
    rating: str = ""
    error: str = ""
    status: int = 200
    show_id: int | None = None
    """The document to show again (a refused or withdrawn vote), when it is still open."""
    withdrawn: Document | None = None
    retry_after: int = 0
    """Seconds to wait, for a vote refused by a rate limit (the ``Retry-After`` header)."""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _skipped(session: SessionBase) -> list[int]:
    return [int(pk) for pk in session.get(SKIPPED_SESSION_KEY, [])]


def _remember_skip(session: SessionBase, document_id: int) -> None:
    kept = [pk for pk in _skipped(session) if pk != document_id]
    session[SKIPPED_SESSION_KEY] = [*kept, document_id][-MAX_SKIPPED:]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def shown_token(document_id: int, *, swapped: bool) -> str:
    """Signed "document ``document_id`` went on screen now", sent back with the vote."""
    value = f"{document_id}:{_now_ms()}:{int(swapped)}"
    return signing.Signer(salt=_SHOWN_SALT).sign(value)


def _check_shown(token: str | None, pk: int) -> VoteOutcome | None:
    """Refuse a vote or skip for a document other than the one shown, or shown too briefly.

    The review page always sends the token; a post without one (another client, a test)
    is let through unchecked: the guard is for reviewers, the rate limit is for abuse.
    """
    if token is None:
        return None
    try:
        shown, at_ms, swapped = (
            int(part) for part in signing.Signer(salt=_SHOWN_SALT).unsign(token).split(":")
        )
    except (signing.BadSignature, ValueError):
        return VoteOutcome(error="This page was out of date; nothing was recorded.", status=400)
    if shown != pk:
        return VoteOutcome(
            error="That was for a document no longer on screen; nothing was recorded.",
            status=409,
            show_id=shown,
        )
    if swapped and _now_ms() - at_ms < MIN_VIEW_MS:
        return VoteOutcome(
            error="That key press came before this document was on screen; nothing was recorded.",
            status=409,
            show_id=pk,
        )
    return None


def _vote(document_id: int, voter: Voter, rating: str, *, blind: bool = False) -> VoteOutcome:
    """Cast the vote, turning every refusal into a friendly message and a status.

    ``blind``: the review page, which hides the tally until the vote (independence rule).
    """
    try:
        document, consensus = cast_vote(document_id, voter, rating, blind=blind)
    except Document.DoesNotExist:
        return VoteOutcome(
            error="That document is no longer available; here is another.", status=404
        )
    except OwnDocument:
        return VoteOutcome(error="You uploaded that document, so you cannot rate it.", status=403)
    except InvalidRating:
        return VoteOutcome(error="Choose Unsafe, Neutral or Great.", status=400)
    except AccountSuspended as exc:
        return VoteOutcome(error=str(exc), status=403)
    except RateLimited as exc:
        return VoteOutcome(
            error=f"That was quick! Please wait {exc.retry_after} s before the next vote.",
            status=429,
            retry_after=exc.retry_after,
        )
    return VoteOutcome(document=document, consensus=consensus, rating=rating)


def _next(voter: Voter, skipped: list[int], outcome: VoteOutcome | None) -> Document | None:
    again = outcome.show_id if outcome is not None else None
    document = shown_again(voter, again, skipped) if again is not None else None
    return document or next_document(voter, skipped)


def _stage(request: HttpRequest, voter: Voter, outcome: VoteOutcome | None = None) -> HttpResponse:
    """The review stage with the next document: a fragment for htmx, else the whole page."""
    skipped = _skipped(request.session)
    document = _next(voter, skipped, outcome)
    swapped = _is_htmx(request)
    context: dict[str, Any] = {
        "document": document,
        "shown": shown_token(document.pk, swapped=swapped) if document else "",
        "empty": why_empty(voter, skipped) if document is None else None,
        "outcome": outcome,
        "skipped_count": len(skipped),
        "reviewed": request.session.get(REVIEWED_SESSION_KEY, 0),
        "progress": progress(voter, skipped),
        "ratings": Rating.choices,
    }
    template = "voting/_stage.html" if swapped else "voting/review.html"
    status = outcome.status if outcome is not None else 200
    response = render(request, template, context, status=status)
    if outcome is not None and outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return remember_voter(response, voter)


def _count_reviewed(session: SessionBase, change: int) -> None:
    session[REVIEWED_SESSION_KEY] = max(0, int(session.get(REVIEWED_SESSION_KEY, 0)) + change)


def _back_to(request: HttpRequest, url: str, voter: Voter, error: str = "") -> HttpResponse:
    """The answer to a form posted without JavaScript: a redirect, with any error as a message."""
    if error:
        messages.error(request, error)
    return remember_voter(redirect(url), voter)


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """One document at a time, never one the visitor rated, skipped or uploaded.

    ``?show=<id>`` asks for that document first (after an undo without JavaScript),
    when the visitor may still review it.
    """
    show = request.GET.get("show", "")
    outcome = VoteOutcome(show_id=int(show)) if show.isdigit() and len(show) < 19 else None
    return _stage(request, voter_for(request), outcome)


@require_POST
def review_vote(request: HttpRequest, pk: int) -> HttpResponse:
    voter = voter_for(request)
    outcome = _check_shown(request.POST.get("shown"), pk) or _vote(
        pk, voter, request.POST.get("rating", ""), blind=True
    )
    if outcome.document is not None:
        _count_reviewed(request.session, +1)
    if not _is_htmx(request):
        return _back_to(request, reverse("voting:review"), voter, outcome.error)
    return _stage(request, voter, outcome)


@require_POST
def review_skip(request: HttpRequest, pk: int) -> HttpResponse:
    voter = voter_for(request)
    refused = _check_shown(request.POST.get("shown"), pk)
    if refused is None:
        _remember_skip(request.session, pk)
    if not _is_htmx(request):
        return _back_to(request, reverse("voting:review"), voter, refused.error if refused else "")
    return _stage(request, voter, refused)


def _undo(pk: int, voter: Voter) -> VoteOutcome:
    """Withdraw the voter's vote on ``pk``, so that the document comes back to them."""
    document = Document.objects.public().filter(pk=pk).first()
    if document is None:
        return VoteOutcome(
            error="That document is no longer available; here is another.", status=404
        )
    try:
        withdrawn = withdraw_vote(document, voter)
    except AccountSuspended as exc:
        return VoteOutcome(error=str(exc), status=403)
    if withdrawn is None:
        return VoteOutcome(error="There was no vote of yours on that document to undo.", status=409)
    return VoteOutcome(withdrawn=document, show_id=pk)


@require_POST
def review_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the last vote: withdraw it and show that document again."""
    voter = voter_for(request)
    outcome = _undo(pk, voter)
    if outcome.withdrawn is not None:
        _count_reviewed(request.session, -1)
    if not _is_htmx(request):
        url = reverse("voting:review") + (f"?show={pk}" if outcome.withdrawn else "")
        return _back_to(request, url, voter, outcome.error)
    return _stage(request, voter, outcome)


@require_POST
def review_reset_skips(request: HttpRequest) -> HttpResponse:
    """Forget this session's skips, so skipped documents come back."""
    request.session.pop(SKIPPED_SESSION_KEY, None)
    return redirect("voting:review")


@require_POST
def document_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """A vote from the document page; answers with the refreshed vote panel."""
    voter = voter_for(request)
    outcome = _vote(pk, voter, request.POST.get("rating", ""))
    if not _is_htmx(request):
        return _back_to(request, reverse("documents:detail", args=[pk]), voter, outcome.error)
    document = Document.objects.public().select_related("uploader").filter(pk=pk).first()
    context = panel_context(document, voter, rating=outcome.rating, error=outcome.error)
    response = render(request, "voting/_vote_panel.html", context, status=outcome.status)
    if outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return remember_voter(response, voter)
