"""Moderation pages: the report form (anyone), the queue and its actions (moderators), and
the uploader's edit, review request and appeal. Each view parses, calls one service, renders.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safedata.accounts.models import User
from safedata.accounts.roles import AccountSuspended, Person, is_moderator
from safedata.documents.models import Document
from safedata.moderation import services
from safedata.moderation.forms import DecisionForm, NoteForm, ReportForm, ReviseForm
from safedata.moderation.models import Appeal, Decision, Hold, Report, Suspension
from safedata.ratelimit import RateLimited, ip_hash
from safedata.voting.identity import remember_voter, voter_for
from safedata.voting.models import Vote

View = Callable[..., HttpResponse]
QUEUE_PAGE = 100
"""Cases shown on the queue page (the most urgent first)."""


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    response = render(request, "moderation/refused.html", {"message": message}, status=status)
    return response


def moderators_only(view: View) -> View:
    """403 for everyone who is not a moderator, signed in or not: never a moderator page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_moderator(request.user):
            return _refusal(request, "Only moderators may open this page.", 403)
        return view(request, *args, **kwargs)

    return wrapper


def _error(request: HttpRequest, exc: services.ModerationError) -> HttpResponse:
    return _refusal(request, exc.message, exc.status)


# --- Reports ------------------------------------------------------------------------------


def _report_initial(request: HttpRequest) -> dict[str, Any]:
    raw = request.GET.get("document", "")
    return {"document": int(raw)} if raw.isdigit() and len(raw) < 19 else {}


def _report_page(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "reports_to_hold": settings.SAFEDATA_REPORTS_TO_HOLD}
    return render(request, "moderation/report.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a document for breaking a rule of the Acceptable Use Policy (anyone may)."""
    if request.method != "POST":
        return _report_page(request, ReportForm(initial=_report_initial(request)))
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_page(request, form, 400)
    voter = voter_for(request)
    reporter = services.Reporter(
        key=voter.key, user=voter.user, network_key=voter.network_key or ip_hash(request)
    )
    data = form.cleaned_data
    try:
        services.report_document(data["document"], reporter, data["reason"], data["note"])
    except RateLimited as exc:
        form.add_error(None, f"Too many reports; try again in {exc.retry_after} s.")
        response = _report_page(request, form, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except AccountSuspended as exc:
        form.add_error(None, str(exc))
        return _report_page(request, form, 403)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc
    except services.ModerationError as exc:
        form.add_error(None, exc.message)
        return _report_page(request, form, exc.status)
    response = render(request, "moderation/reported.html", {"document_id": data["document"]})
    return remember_voter(response, voter)


# --- The moderators' queue ----------------------------------------------------------------


@require_GET
@moderators_only
def queue(request: HttpRequest) -> HttpResponse:
    """Held uploads, reported documents and appeals, the most urgent first."""
    cases = list(services.queue(request.user)[:QUEUE_PAGE])
    context = {"cases": cases, "actions": Decision.Action.choices}
    return render(request, "moderation/queue.html", context)


def _next_case(moderator: Person | None, current: int) -> int | None:
    ids = services.queue(moderator).exclude(pk=current).values_list("pk", flat=True)
    return ids.first()


@require_GET
@moderators_only
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """One document with everything a decision needs: text, reasons, reports, votes, log."""
    document = Document.objects.select_related("uploader").filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    context = {
        "document": document,
        "holds": Hold.objects.filter(document=document),
        "reports": Report.objects.filter(document=document).select_related("reporter"),
        "votes": Vote.objects.filter(document=document).order_by("-updated_at")[:200],
        "appeal": Appeal.objects.filter(document=document).first(),
        "log": services.document_log(document, request.user)[:200],
        "actions": Decision.Action.choices,
        "next_case": _next_case(request.user, pk),
    }
    return render(request, "moderation/case.html", context)


@require_POST
@moderators_only
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refusal(request, "Choose approve, hide or remove.", 400)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        decision = services.decide(pk, action, request.user, reason)
    except services.ModerationError as exc:
        return _error(request, exc)
    messages.success(request, f"Document #{pk}: {decision.get_action_display().lower()}.")
    following = _next_case(request.user, pk)
    return redirect("moderation:case", following) if following else redirect("moderation:queue")


def _document_ids(values: list[str]) -> list[int] | None:
    if not values or not all(v.isdigit() and len(v) < 19 for v in values):
        return None
    return [int(v) for v in values]


@require_POST
@moderators_only
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on every selected document of the queue."""
    form = DecisionForm(request.POST)
    ids = _document_ids(request.POST.getlist("documents"))
    if not form.is_valid() or ids is None:
        return _refusal(request, "Select documents and choose approve, hide or remove.", 400)
    data = form.cleaned_data
    try:
        outcome = services.decide_many(ids, data["action"], request.user, data["reason"])
    except services.ModerationError as exc:
        return _error(request, exc)
    messages.success(request, f"{len(outcome.decided)} document(s) decided.")
    for document_id, why in outcome.refused.items():
        messages.error(request, f"Document #{document_id}: {why}")
    return redirect("moderation:queue")


def _note_of(request: HttpRequest) -> str | None:
    form = NoteForm(request.POST)
    return str(form.cleaned_data["reason"]) if form.is_valid() else None


def _acted(request: HttpRequest, done: str, url: str, run: Callable[[str], Any]) -> HttpResponse:
    """Run a service call with the posted reason; a refusal is a page with its status."""
    note = _note_of(request)
    if note is None:
        return _refusal(request, "The reason is too long.", 400)
    try:
        run(note)
    except services.ModerationError as exc:
        return _error(request, exc)
    messages.success(request, done)
    return redirect(url)


def _moderator_action(
    run: Callable[[int, Any, str], Any], done: str, url: Callable[[int], str]
) -> View:
    """A moderator's POST on object ``pk``: ``run(pk, moderator, reason)``, then ``url(pk)``."""

    @require_POST
    @moderators_only
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _acted(request, done, url(pk), lambda note: run(pk, request.user, note))

    return view


def _case_of_report(pk: int) -> str:
    found = Report.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    return reverse("moderation:case", args=[found]) if found else reverse("moderation:queue")


def _member_page(pk: int) -> str:
    return reverse("moderation:user", args=[pk])


dismiss_report = _moderator_action(services.dismiss_report, "Report dismissed.", _case_of_report)
uphold_appeal = _moderator_action(
    services.uphold_appeal,
    "Appeal answered: the decision stands.",
    lambda pk: reverse("moderation:queue"),
)


@require_GET
@moderators_only
def user_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's uploads, reports, suspensions and log."""
    member = User.objects.filter(pk=pk).first()
    if member is None:
        raise Http404("No such user.")
    context = {
        "member": member,
        "uploads": Document.objects.filter(uploader=member)[:100],
        "suspensions": Suspension.objects.filter(user=member),
        "log": services.user_log(member, request.user),
    }
    return render(request, "moderation/user.html", context)


suspend = _moderator_action(
    services.suspend_user,
    "Member suspended: their uploads are hidden and their votes no longer count.",
    _member_page,
)
reinstate = _moderator_action(
    services.reinstate_user, "Member reinstated: their uploads and votes are back.", _member_page
)


# --- The uploader's side ------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploader edits a held document; the upload checks run again on the new text."""
    user = _signed_in(request)
    document = Document.objects.filter(pk=pk).first()
    if user is None or document is None or document.uploader_id != user.pk:
        raise Http404("No such document of yours.")
    template = "moderation/revise.html"
    if request.method != "POST":
        form = ReviseForm(initial={"text": document.text})
        return render(request, template, {"form": form, "document": document})
    form = ReviseForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form, "document": document}, status=400)
    try:
        revised = services.revise_held(pk, user, form.cleaned_data["text"])
    except AccountSuspended as exc:
        return _refusal(request, str(exc), 403)
    except services.ModerationError as exc:
        form.add_error("text", exc.message)
        return render(request, template, {"form": form, "document": document}, status=exc.status)
    if revised.visibility == "visible":
        messages.success(request, "Thank you: the checks found nothing more, so it is published.")
    else:
        messages.warning(request, "The checks still find something; see the reasons below.")
    return redirect("documents:detail", pk)


def _uploader_action(run: Callable[[int, User, str], Any], done: str) -> View:
    """The uploader's POST on their document ``pk``: ``run(pk, uploader, message)``."""

    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = _signed_in(request)
        if user is None:
            return _refusal(request, "Sign in as the document's uploader.", 403)
        message = str(request.POST.get("message", ""))
        try:
            run(pk, user, message)
        except services.ModerationError as exc:
            return _error(request, exc)
        messages.success(request, done)
        return redirect("documents:detail", pk)

    return view


request_review = _uploader_action(services.request_review, "A moderator will review your document.")
appeal = _uploader_action(services.appeal, "Your appeal is sent; a moderator will answer it.")
