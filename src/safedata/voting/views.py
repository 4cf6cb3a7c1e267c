"""The review page and the vote buttons on document pages.

Both post with htmx and get an HTML fragment back; without JavaScript the
same forms post normally and are redirected. Anonymous visitors vote too, so
every POST goes through Django's CSRF check (the token travels in the
``hx-headers`` of ``<body>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from safedata.consensus import Consensus
from safedata.documents.models import Document
from safedata.ratelimit import RateLimited
from safedata.voting.identity import Voter, remember_voter, voter_for
from safedata.voting.models import Rating
from safedata.voting.queue import next_document
from safedata.voting.services import InvalidRating, OwnDocument, cast_vote
from safedata.voting.templatetags.vote_panel import panel_context

SKIPPED_SESSION_KEY = "review_skipped"
MAX_SKIPPED = 200
"""Skipped ids remembered per session; the oldest are forgotten first."""


@dataclass(frozen=True)
class VoteOutcome:
    """What a vote attempt produced: the rated document, or a message for the visitor."""

    document: Document | None = None
    consensus: Consensus | None = None
    rating: str = ""
    error: str = ""
    status: int = 200


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _skipped(session: SessionBase) -> list[int]:
    return [int(pk) for pk in session.get(SKIPPED_SESSION_KEY, [])]


def _remember_skip(session: SessionBase, document_id: int) -> None:
    kept = [pk for pk in _skipped(session) if pk != document_id]
    session[SKIPPED_SESSION_KEY] = [*kept, document_id][-MAX_SKIPPED:]


def _vote(document_id: int, voter: Voter, rating: str) -> VoteOutcome:
    """Cast the vote, turning every refusal into a friendly message and a status."""
    try:
        document, consensus = cast_vote(document_id, voter, rating)
    except Document.DoesNotExist:
        return VoteOutcome(
            error="That document is no longer available; here is another.", status=404
        )
    except OwnDocument:
        return VoteOutcome(error="You uploaded that document, so you cannot rate it.", status=403)
    except InvalidRating:
        return VoteOutcome(error="Choose Unsafe, Neutral or Great.", status=400)
    except RateLimited as exc:
        return VoteOutcome(
            error=f"That was quick! Please wait {exc.retry_after} s before the next vote.",
            status=429,
        )
    return VoteOutcome(document=document, consensus=consensus, rating=rating)


def _stage(request: HttpRequest, voter: Voter, outcome: VoteOutcome | None = None) -> HttpResponse:
    """The review stage with the next document: a fragment for htmx, else the whole page."""
    context: dict[str, Any] = {
        "document": next_document(voter, _skipped(request.session)),
        "outcome": outcome,
        "skipped_count": len(_skipped(request.session)),
        "ratings": Rating.choices,
    }
    template = "voting/_stage.html" if _is_htmx(request) else "voting/review.html"
    status = outcome.status if outcome is not None else 200
    return remember_voter(render(request, template, context, status=status), voter)


def _back_to(request: HttpRequest, url: str, voter: Voter, error: str = "") -> HttpResponse:
    """The answer to a form posted without JavaScript: a redirect, with any error as a message."""
    if error:
        messages.error(request, error)
    return remember_voter(redirect(url), voter)


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """One document at a time, never one the visitor rated, skipped or uploaded."""
    return _stage(request, voter_for(request))


@require_POST
def review_vote(request: HttpRequest, pk: int) -> HttpResponse:
    voter = voter_for(request)
    outcome = _vote(pk, voter, request.POST.get("rating", ""))
    if not _is_htmx(request):
        return _back_to(request, reverse("voting:review"), voter, outcome.error)
    return _stage(request, voter, outcome)


@require_POST
def review_skip(request: HttpRequest, pk: int) -> HttpResponse:
    _remember_skip(request.session, pk)
    voter = voter_for(request)
    if not _is_htmx(request):
        return _back_to(request, reverse("voting:review"), voter)
    return _stage(request, voter)


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
    return remember_voter(response, voter)
