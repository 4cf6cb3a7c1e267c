"""Account pages for personal API tokens: list, create (shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from safedata.accounts.models import ApiToken, User
from safedata.accounts.roles import member
from safedata.accounts.token_services import TokenError, create_token, revoke_token


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What the token is for, e.g. “training notebook”."
    )


def _owner(request: HttpRequest) -> User:
    return member(request.user)  # every view here is login_required


def _page(request: HttpRequest, form: TokenForm, raw: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=_owner(request)),
        "raw_token": raw,
    }
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@never_cache  # the page may carry a raw token once; no cache may keep it
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _, raw = create_token(_owner(request), form.cleaned_data["name"])
    except TokenError as exc:
        form.add_error("name", str(exc))
        return _page(request, form, status=400)
    return _page(request, TokenForm(), raw=raw)


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = revoke_token(_owner(request), token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404("No such token.") from exc
    messages.success(request, f"Token “{token.name}” is revoked; requests using it now fail.")
    return redirect("accounts:tokens")
