"""The staff button that loads the built-in sample on an empty site."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from safedata.demo.services import DemoError, load_sample
from safedata.documents.services import UploadError
from safedata.ratelimit import RateLimited


@require_POST
def load_demo(request: HttpRequest) -> HttpResponse:
    """Load the sample (as ``safedata demo load`` does), then go to the review page."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can load the sample data.")
    try:
        report = load_sample(actor=request.user)
    except (DemoError, UploadError, RateLimited) as error:
        messages.error(request, str(error))
        return redirect("pages:home")
    messages.success(
        request,
        f"Sample loaded: {report.documents_created} documents with {report.votes_cast} "
        "simulated votes; `safedata demo clear` removes it.",
    )
    return redirect("voting:review")
