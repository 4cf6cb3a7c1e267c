"""Who is calling the JSON API: a bearer token, a signed-in session, or an anonymous visitor.

Token callers are exempt from CSRF (a token cannot be sent by a foreign page);
callers that rely on cookies (a session, or the anonymous ``sd_voter`` cookie)
must pass Django's CSRF check on unsafe methods. A bad token is always a 401:
a client that sent credentials is never silently treated as anonymous.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja.parser import Parser
from ninja.utils import check_csrf

from safedata.accounts.models import ApiToken, User
from safedata.apierrors import ApiError, error_response
from safedata.records.jsontext import JsonInputError, parse_json

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class Via(enum.StrEnum):
    TOKEN = "token"  # noqa: S105 (a label, not a secret)
    SESSION = "session"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, kw_only=True)
class Caller:
    """The result of authentication, stored as ``request.auth``; always truthy."""

    via: Via
    user: User | None = None

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class SignedInCaller(Caller):
    """A caller with a token or a session: a member."""

    user: User


class AuthedRequest(HttpRequest):
    """The type of an API operation's request: ninja has put the ``Caller`` on it."""

    auth: Caller


class SignedInRequest(HttpRequest):
    """The request of an operation with ``auth=signed_in``: the caller is a member."""

    auth: SignedInCaller


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
    return raw.strip()


def _check_csrf(request: HttpRequest) -> None:
    if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
        raise ApiError(
            403,
            "csrf_failed",
            "CSRF check failed: send the csrftoken cookie (from GET /api/v1/csrf) "
            "back as the X-CSRFToken header, or use a bearer token.",
        )


BEARER_SCHEME = "bearerToken"
SESSION_SCHEME = "sessionCookie"


def security_schemes() -> dict[str, dict[str, str]]:
    """The OpenAPI security schemes every operation's ``security`` names."""
    return {
        BEARER_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (create one on your account page).",
        },
        SESSION_SCHEME: {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A signed-in browser session; POST also needs X-CSRFToken.",
        },
    }


class ApiAuth:
    """A ninja auth callable; ``anonymous=True`` lets callers without credentials through."""

    def __init__(self, *, anonymous: bool) -> None:
        self.anonymous = anonymous

    def openapi_security(self) -> list[dict[str, list[str]]]:
        """The operation's OpenAPI ``security``: a token or a session, or nothing if anonymous."""
        members: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}, {SESSION_SCHEME: []}]
        return [*members, {}] if self.anonymous else members

    def __call__(self, request: HttpRequest) -> Caller | None:
        raw = _bearer(request)
        if raw is not None:
            user = ApiToken.authenticate(raw)
            if user is None:
                raise ApiError(401, "invalid_token", "The API token is unknown or revoked.")
            # Shared code (``voter_for``) reads request.user; a token speaks for its owner.
            request.user = user
            return SignedInCaller(via=Via.TOKEN, user=user)
        if request.user.is_authenticated:
            _check_csrf(request)
            return SignedInCaller(via=Via.SESSION, user=request.user)
        if not self.anonymous:
            return None
        _check_csrf(request)
        return Caller(via=Via.ANONYMOUS)


public = ApiAuth(anonymous=True)
"""Anyone; a token or session is used when present."""

signed_in = ApiAuth(anonymous=False)
"""A token or a signed-in session; anonymous callers get 401."""


def json_body(max_bytes: Callable[[], int]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an operation: a body over ``max_bytes()`` is a 413, not JSON a 415, bad JSON a 400."""

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            rejected = _body_problem(request, max_bytes())
            return rejected if rejected is not None else run(request, *args, **kwargs)

        return checked

    return decorate


def _body_problem(request: HttpRequest, limit: int) -> HttpResponse | None:
    if (request.content_type or "") != "application/json":
        return error_response(
            415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."
        )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        body = b"" if declared > limit else request.body
    except (ValueError, RequestDataTooBig):
        declared, body = limit + 1, b""
    if declared > limit or len(body) > limit:
        return error_response(
            413, "payload_too_large", f"The request body is larger than {limit:,} bytes."
        )
    try:
        parse_json(body)
    except JsonInputError as error:
        return error_response(400, "invalid_json", f"The body is not valid JSON: {error.message}.")
    return None


class JsonParser(Parser):
    """ninja's body parser, through ``parse_json``: hostile JSON is a 400, never a 500."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        value: dict[str, Any] = parse_json(request.body)
        return value


def max_upload_bytes() -> int:
    return int(settings.SAFEDATA_MAX_UPLOAD_BYTES)
