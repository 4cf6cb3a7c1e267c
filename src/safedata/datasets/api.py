"""API v1 for the dataset: preview, live download, snapshots and their files, exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view

from safedata.apiauth import AuthedRequest, SignedInRequest, public, signed_in
from safedata.apierrors import ApiError, error_response
from safedata.apischemas import ErrorOut
from safedata.datasets import services, viewer
from safedata.datasets.models import Snapshot
from safedata.datasets.ranges import file_response
from safedata.documents.filters import DocumentFilter, FilterError, FilterQuery
from safedata.records import formats, media_type

router = Router(tags=["dataset"])

_TOKEN_PARAMS = ("token", "access_token", "api_key", "key")
URL_CREDENTIALS_MESSAGE = (
    "Never put a token in a URL; send it as the 'Authorization: Bearer <token>' header."
)
_PUBLIC_FILES = ("README.md", "manifest.json")
_CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
}


class SnapshotOut(Schema):
    version: str
    released_at: datetime
    row_count: int
    total_bytes: int
    formats: list[str]
    consensus_method: str
    consensus_params: dict[str, Any]
    code_version: str
    files: list[dict[str, Any]]

    @staticmethod
    def resolve_released_at(obj: Snapshot) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_files(obj: Snapshot) -> list[dict[str, Any]]:
        return list(obj.manifest.get("files", []))


class SnapshotIn(Schema):
    version: str | None = None


class PreviewOut(Schema):
    total: int
    rows: list[dict[str, Any]]


def no_token_in_url(run: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an operation: a token in the URL is a 400, checked before authentication.

    Tokens end up in logs and browser history when sent in a URL. Refusing them
    ahead of authentication gives the same answer to everyone, signed in or not.
    """

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if any(name in request.GET for name in _TOKEN_PARAMS):
            return error_response(400, "token_in_url", URL_CREDENTIALS_MESSAGE)
        return run(request, *args, **kwargs)

    return checked


def without_body(run: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a GET operation that also answers HEAD: the same status and headers, no body."""

    @wraps(run)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = run(request, *args, **kwargs)
        if request.method != "HEAD":
            return response
        head = HttpResponse(status=response.status_code)
        for name, value in response.items():
            head[name] = value
        # Closed with the HEAD answer, after the view: closing it here would send
        # request_finished (and close the database connection) in mid-request.
        head._resource_closers.append(response.close)  # type: ignore[attr-defined]
        return head

    return answered


def _view(request: HttpRequest, filters: FilterQuery) -> DocumentFilter:
    try:
        return filters.to_filter()
    except FilterError as error:
        raise ApiError(400, "invalid_filter", str(error)) from None


def _format(value: str) -> str:
    try:
        return services.parse_format(value)
    except services.DatasetError as error:
        raise ApiError(400, "invalid_format", str(error)) from None


def _content_type(fmt: str) -> str:
    if fmt in formats():
        return media_type(fmt)
    return _CONTENT_TYPES.get(fmt, "application/octet-stream")


@router.api_operation(
    ["GET", "HEAD"],
    "/dataset",
    auth=signed_in,
    response={200: None, 400: ErrorOut, 401: ErrorOut},
    summary="Download the dataset (live, streamed)",
)
@decorate_view(without_body, no_token_in_url)
def download(
    request: HttpRequest, filters: Query[FilterQuery], format: str = "jsonl"
) -> StreamingHttpResponse:
    """Every visible document matching the filters, as JSONL, Parquet or CSV.

    Needs a signed-in session or ``Authorization: Bearer <token>``. HEAD answers
    with the same status and headers and no body.
    """
    view = _view(request, filters)
    return services.live_download(view, _format(format))


@router.api_operation(
    ["GET", "HEAD"],
    "/dataset/preview",
    response={200: PreviewOut, 400: ErrorOut},
    summary="Preview a filtered view",
)
@decorate_view(without_body, no_token_in_url)
def preview(request: HttpRequest, filters: Query[FilterQuery]) -> dict[str, Any]:
    """The first 100 rows of a filtered view and its row count; open to everyone."""
    total, rows = services.preview(_view(request, filters))
    return {"total": total, "rows": rows}


@router.get("/snapshots", response=list[SnapshotOut], summary="List published snapshots")
def list_snapshots(request: HttpRequest) -> Any:
    return Snapshot.objects.published()


def _published(version: str) -> Snapshot:
    try:
        return services.published(version)
    except services.SnapshotNotFoundError as error:
        raise ApiError(404, "not_found", str(error)) from None


@router.get(
    "/snapshots/{version}",
    response={200: SnapshotOut, 404: ErrorOut},
    summary="One published snapshot",
)
def get_snapshot(request: HttpRequest, version: str) -> Snapshot:
    return _published(version)


@router.post(
    "/snapshots",
    auth=signed_in,
    response={201: SnapshotOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Publish a snapshot (staff)",
)
def create_snapshot(request: SignedInRequest, payload: SnapshotIn) -> Status[Snapshot]:
    """Build and publish a snapshot now; 409 if the version exists (releases are immutable)."""
    caller = request.auth
    if not caller.user.is_staff:
        raise ApiError(403, "forbidden", "Only staff can publish snapshots.")
    try:
        return Status(201, services.build_snapshot(payload.version, actor=caller.user))
    except services.SnapshotExistsError as error:
        raise ApiError(409, "conflict", str(error)) from None
    except services.DatasetError as error:
        raise ApiError(400, "invalid_version", str(error)) from None


@router.get(
    "/snapshots/{version}/files/{path:name}",
    response={200: None, 206: None, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 416: None},
    auth=public,
    summary="Download a snapshot file (HTTP Range supported)",
)
@decorate_view(no_token_in_url)
def snapshot_file(
    request: AuthedRequest, version: str, name: str
) -> HttpResponse | StreamingHttpResponse:
    """The card and manifest are open to all; data files need an account."""
    snapshot = _published(version)
    caller = request.auth
    if name not in _PUBLIC_FILES and caller.user is None:
        raise ApiError(
            401,
            "unauthorized",
            "Downloading data files needs an account: sign in, "
            "or send 'Authorization: Bearer <token>' (create a token on your "
            "account page).",
        )
    try:
        path, entry = services.snapshot_file(snapshot, name)
    except services.SnapshotNotFoundError as error:
        raise ApiError(404, "not_found", str(error)) from None
    etag = f'"{entry["sha256"]}"' if entry.get("sha256") else None
    content_type = _content_type(entry["format"])
    return file_response(request, path, f"{version}-{Path(name).name}", content_type, etag)


@router.get(
    "/exports/sft",
    auth=signed_in,
    response={200: None, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Fine-tuning preset (great documents)",
)
@decorate_view(no_token_in_url)
def export_sft(
    request: HttpRequest,
    split: str = "train",
    format: str = "jsonl",
    min_votes: int = 3,
    min_confidence: float = 0.75,
) -> StreamingHttpResponse:
    """One split of the fine-tuning export, built now: ``{"text": ...}`` rows.

    A split no document meets is a 404 ``empty_split`` saying so, never an empty file
    (which ``datasets.load_dataset`` cannot read).
    """
    from safedata.datasets.exporters import EXPORT_FORMATS
    from safedata.datasets.exporters.sft import SPLITS, SftOptions

    if split not in SPLITS or format not in EXPORT_FORMATS:
        raise ApiError(
            400,
            "invalid_request",
            f"split must be one of {', '.join(SPLITS)}; format one of {', '.join(EXPORT_FORMATS)}.",
        )
    try:
        options = SftOptions(min_votes=min_votes, min_confidence=min_confidence)
    except ValueError as error:
        raise ApiError(400, "invalid_request", str(error)) from None
    if not viewer.sft_counts(options)[split]:
        raise ApiError(
            404,
            "empty_split",
            f"No document meets the fine-tuning preset for the {split} split yet "
            f"(label great, at least {options.min_votes} votes, confidence at least "
            f"{options.min_confidence:g}, near-duplicates removed), so there is no file to send.",
        )
    return services.sft_download(split, format, options)
