"""The dataset's domain services: filtered views, live downloads, snapshots, exports.

Views, the API and the command line call these entry points. The work lives by
concern: filters in ``safedata.documents.filters``, reading rows in
``datasets.rows``, Arrow conversion and encoding in ``safedata.records``,
streamed responses in ``datasets.streaming``, releases in ``datasets.snapshots``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.http import StreamingHttpResponse

from safedata.datasets import rows, streaming
from safedata.datasets.errors import DatasetError, SnapshotExistsError, SnapshotNotFoundError
from safedata.datasets.exporters import export_path
from safedata.datasets.exporters.sft import SftOptions, export_sft
from safedata.datasets.models import Snapshot
from safedata.datasets.snapshots import (
    SNAPSHOT_FORMATS,
    Verification,
    build_snapshot,
    parse_format,
    published,
    snapshot_file,
    snapshot_root,
    verify_snapshot,
)
from safedata.documents.filters import DocumentFilter, FilterError

__all__ = [
    "SNAPSHOT_FORMATS",
    "DatasetError",
    "DocumentFilter",
    "FilterError",
    "Snapshot",
    "SnapshotExistsError",
    "SnapshotNotFoundError",
    "Verification",
    "build_snapshot",
    "live_download",
    "parse_filter",
    "parse_format",
    "preview",
    "published",
    "sft_download",
    "snapshot_file",
    "snapshot_root",
    "verify_snapshot",
]


def parse_filter(params: Mapping[str, Any]) -> DocumentFilter:
    """The filtered view in query-string ``params``; ``FilterError`` names accepted values."""
    return DocumentFilter.parse(params)


def preview(view: DocumentFilter) -> tuple[int, list[dict[str, Any]]]:
    """(rows in the view, its first 100 rows as dicts in schema order)."""
    return rows.preview(view)


def live_download(view: DocumentFilter, fmt: str) -> StreamingHttpResponse:
    """The current rows of the view, encoded as ``fmt`` while they are sent."""
    return streaming.encoded_response(rows.live_batches(view), fmt, f"safedata-live.{fmt}")


def sft_download(split: str, fmt: str, options: SftOptions) -> StreamingHttpResponse:
    """One split of the fine-tuning export, built now in a temporary folder and sent."""

    def build(folder: Path) -> Path:
        export_sft(folder, options, formats=(fmt,))
        return export_path(folder, split, fmt)

    return streaming.built_file_response(
        build, fmt, f"safedata-sft-{split}.{fmt}", prefix="safedata-sft-"
    )
