"""The JSON API (django-ninja). OpenAPI at /api/openapi.json, docs at /api/docs.

Each app contributes a router from its own ``api.py``. Errors are always
``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from safedata import __version__
from safedata.accounts.roles import AccountSuspended
from safedata.apiauth import ApiAuth, JsonParser, public, security_schemes
from safedata.apierrors import ApiError, error_response
from safedata.datasets.api import router as datasets_router
from safedata.documents.api import router as documents_router
from safedata.moderation.api import router as moderation_router
from safedata.ratelimit import RateLimited
from safedata.voting.api import router as voting_router


class _Schema(OpenAPISchema):
    """The OpenAPI schema, with each operation's ``security`` taken from its ``ApiAuth``."""

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = [
            requirement
            for auth in operation.auth_callbacks
            if isinstance(auth, ApiAuth)
            for requirement in auth.openapi_security()
        ]
        if security:
            self.securitySchemes.update(security_schemes())
        return security or None


class _Api(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Schema(self, path_prefix)


api = _Api(
    title="Safe Training Data API",
    version=__version__,
    description="Upload documents, vote, read the community consensus and download the dataset.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Every operation reads credentials, so a bad token is a 401 wherever it is sent.
    auth=public,
    parser=JsonParser(),
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg', 'invalid')}"
        for e in exc.errors
    )
    return error_response(400, "invalid_request", details or "Invalid request.")


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401,
        "unauthorized",
        "Sign in, or send a personal API token as 'Authorization: Bearer <token>' "
        "(create one on your account page).",
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, "error", str(exc))


@api.exception_handler(AccountSuspended)
def _suspended(request: HttpRequest, exc: AccountSuspended) -> HttpResponse:
    return error_response(403, exc.code, str(exc))


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = error_response(429, "rate_limited", str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


api.add_router("/v1", documents_router)
api.add_router("/v1", voting_router)
api.add_router("/v1", datasets_router)
api.add_router("/v1", moderation_router)
