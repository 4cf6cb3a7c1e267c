"""Upload pages: one document from a form, many from a JSONL file, language prefill.

Thin adapters over the upload pipeline in ``services``: the form parses the
request, the pipeline screens and stores, its errors become form errors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from safedata.accounts.roles import AccountSuspended, member
from safedata.documents import language
from safedata.documents.forms import BulkUploadForm, PipelineForm, UploadForm, prefill_language
from safedata.documents.services import UploadError, bulk_upload, upload_document
from safedata.ratelimit import RateLimited

View = Callable[..., HttpResponse]
F = TypeVar("F", bound=PipelineForm)
Store = Callable[[HttpRequest, F], HttpResponse]
UPLOAD_TEMPLATE = "documents/upload.html"
FORM_OVERHEAD_BYTES = 64 * 1024
"""Room for the other form fields and multipart boundaries around the file itself."""
SAMPLE_BYTES = 16 * 1024
"""How much of a chosen file the language prefill reads."""


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large_message() -> str:
    limit = settings.SAFEDATA_MAX_UPLOAD_BYTES
    return f"The upload is too large: a file or text may be at most {limit:,} bytes."


def body_limited(template: str, form_class: type[Form]) -> Callable[[View], View]:
    """Refuse an oversized request with a 413 page before anything reads its body.

    Django's CSRF middleware reads the body of every POST; an oversized one
    would fail there with a bare 400. The CSRF check therefore runs here,
    after the size check, through ``csrf_protect``.
    """

    def decorate(view: View) -> View:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limit = settings.SAFEDATA_MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
            if _declared_length(request) <= limit:
                try:
                    return protected(request, *args, **kwargs)
                except RequestDataTooBig:
                    pass
            context = {"form": form_class(), "refusal": _too_large_message()}
            return render(request, template, context, status=413)

        return wrapper

    return decorate


def _rate_limited(
    request: HttpRequest, template: str, form: Form, exc: RateLimited
) -> HttpResponse:
    form.add_error(None, f"You are uploading too fast; try again in {exc.retry_after} s.")
    response = render(request, template, {"form": form}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def upload_page(template: str, form_class: type[F]) -> Callable[[Store[F]], View]:
    """An upload page: GET shows an empty ``form_class``; a valid POST goes to ``store``.

    ``store(request, form)`` calls the pipeline and answers; its refusals (the rate
    limit, a suspended account, an ``UploadError``) become form errors here, with
    the same statuses on every upload page.
    """

    def decorate(store: Store[F]) -> View:
        @login_required
        @require_http_methods(["GET", "POST"])
        @body_limited(template, form_class)
        @wraps(store)
        def view(request: HttpRequest) -> HttpResponse:
            if request.method != "POST":
                return render(request, template, {"form": form_class()})
            form = form_class(request.POST, request.FILES)
            if not form.is_valid():
                return render(request, template, {"form": form}, status=400)
            try:
                return store(request, form)
            except RateLimited as exc:
                return _rate_limited(request, template, form, exc)
            except AccountSuspended as exc:
                form.add_error(None, str(exc))
                return render(request, template, {"form": form}, status=403)
            except UploadError as exc:
                status = form.add_upload_error(exc)
                return render(request, template, {"form": form}, status=status)

        return view

    return decorate


@upload_page(UPLOAD_TEMPLATE, UploadForm)
def upload(request: HttpRequest, form: UploadForm) -> HttpResponse:
    result = upload_document(
        form.new_document(),
        member(request.user),
        aup_accepted=form.cleaned_data["aup"],
        detect_language=form.detect_language,
    )
    if not result.created:
        context = {"form": form, "duplicate": result.document}
        return render(request, UPLOAD_TEMPLATE, context, status=409)
    if result.findings:
        messages.warning(
            request,
            "Your document is stored but held for a moderator: "
            + "; ".join(finding.reason for finding in result.findings)
            + " Edit the text below, or ask for a review.",
        )
    else:
        messages.success(request, "Thank you: your document is uploaded.")
    return redirect("documents:detail", pk=result.document.pk)


@upload_page("documents/bulk_upload.html", BulkUploadForm)
def bulk(request: HttpRequest, form: BulkUploadForm) -> HttpResponse:
    report = bulk_upload(
        form.cleaned_data["file"], member(request.user), aup_accepted=form.cleaned_data["aup"]
    )
    return render(request, "documents/bulk_report.html", {"report": report})


def _sample(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    if upload is not None and (
        request.headers.get("HX-Trigger-Name") == "file" or not request.POST.get("text", "").strip()
    ):
        return bytes(upload.read(SAMPLE_BYTES)).decode("utf-8", errors="ignore")
    return str(request.POST.get("text", ""))


@login_required
@require_POST
@body_limited(UPLOAD_TEMPLATE, UploadForm)
def detect_language(request: HttpRequest) -> HttpResponse:
    """The language field, prefilled from the text or file (an htmx fragment)."""
    detected = language.detect(_sample(request))
    selected = prefill_language(
        request.POST.get("language", ""), request.POST.get("language_detected", ""), detected
    )
    form = UploadForm(initial={"language": selected})
    context = {"field": form["language"], "detected": detected, "selected": selected}
    return render(request, "documents/_language_field.html", context)
