"""The moderators' page of quarantined vote groups, with release, confirm and reopen.

Moderators only (``accounts.roles.is_moderator``): everyone else, signed in or
not, gets a 403. Decisions are CSRF-checked POSTs that call ``defences.decide``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from safedata.accounts.roles import is_moderator
from safedata.consensus import LABELS
from safedata.voting import defences
from safedata.voting.models import QuarantineGroup

View = Callable[..., HttpResponse]
DECIDED_SHOWN = 50
"""Decided groups listed below the open ones (the newest first)."""
_DECISIONS = {
    "release": QuarantineGroup.State.RELEASED,
    "confirm": QuarantineGroup.State.CONFIRMED,
    "reopen": QuarantineGroup.State.OPEN,
}


def moderators_only(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_moderator(request.user):
            return render(request, "voting/quarantine_refused.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _groups(open_groups: bool) -> list[QuarantineGroup]:
    groups = (
        QuarantineGroup.objects.select_related("document", "target_uploader", "resolved_by")
        .annotate(
            vote_count=Count("votes"),
            **{label: Count("votes", filter=Q(votes__rating=label)) for label in LABELS},
        )
        .order_by("-created_at", "-pk")
    )
    if open_groups:
        return list(groups.filter(status=QuarantineGroup.State.OPEN))
    return list(groups.exclude(status=QuarantineGroup.State.OPEN)[:DECIDED_SHOWN])


@require_GET
@moderators_only
def quarantine(request: HttpRequest) -> HttpResponse:
    """Open groups first (their votes are out of the consensus), then recent decisions."""
    context = {
        "open_groups": _groups(True),
        "decided_groups": _groups(False),
        "open_actions": [("release", "Release"), ("confirm", "Confirm")],
        "released_actions": [("confirm", "Confirm"), ("reopen", "Reopen")],
        "confirmed_actions": [("release", "Release"), ("reopen", "Reopen")],
    }
    return render(request, "voting/quarantine.html", context)


@require_POST
@moderators_only
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    state = _DECISIONS.get(decision)
    if state is None:
        return render(request, "voting/quarantine_refused.html", status=404)
    try:
        group = defences.decide(pk, state, request.user)
    except defences.QuarantineError as exc:
        if exc.status != 409:
            return render(request, "voting/quarantine_refused.html", status=exc.status)
        messages.error(request, exc.message)
        return redirect("voting:quarantine")
    messages.success(request, f"Group {group.pk} is {group.get_status_display().lower()}.")
    return redirect("voting:quarantine")
