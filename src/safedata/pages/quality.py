"""The public "Data quality" page: how much the raters agree, for the dataset and each release.

Agreement is Krippendorff's alpha and per-label specific agreement
(``safedata.consensus.agreement``) from per-document vote counts, never a voter ×
document matrix. The dataset's figures come from the publishable documents' counted
votes; a release's from its manifest (or, for a release made before agreement was
recorded there, from its frozen rows). Charts are server-rendered SVG styled by
classes in ``site.css`` (the site's CSP allows no inline style or script).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from numpy.typing import NDArray

from safedata.consensus import LABELS
from safedata.consensus.agreement import agreement
from safedata.datasets.card import agreement_record
from safedata.datasets.models import Snapshot, SnapshotRow
from safedata.datasets.rows import publishable_documents
from safedata.records.schema import VOTE_FIELDS

CACHE_SECONDS = 60
"""The dataset's figures are recomputed at most this often (a scan of every document)."""
VOTE_BINS = ((0, 0, "0"), (1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 4, "4"), (5, 9, "5–9"))
"""Bins of the votes-per-document histogram (inclusive bounds); the last bin is 10 or more."""
CHART_WIDTH, CHART_HEIGHT, MARGIN = 480, 200, 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    x: float
    y: float


def bar_chart(items: Sequence[tuple[str, int]]) -> list[Bar]:
    """Bars of ``items`` scaled to the chart area, the tallest reaching its top."""
    top = max((value for _, value in items), default=0) or 1
    slot = (CHART_WIDTH - 2 * MARGIN) / max(len(items), 1)
    usable = CHART_HEIGHT - 2 * MARGIN
    bars = []
    for n, (label, value) in enumerate(items):
        height = usable * value / top
        x = MARGIN + n * slot + slot * 0.1
        bars.append(Bar(label, value, x, CHART_HEIGHT - MARGIN - height, slot * 0.8, height))
    return bars


def line_chart(items: Sequence[tuple[str, float]]) -> tuple[list[Point], str, float]:
    """Points of ``items`` scaled from min(0, lowest) to 1, their polyline, the y of 0."""
    low = min([0.0, *(value for _, value in items)])
    usable = CHART_HEIGHT - 2 * MARGIN
    step = (CHART_WIDTH - 2 * MARGIN) / max(len(items) - 1, 1)

    def y_of(value: float) -> float:
        return CHART_HEIGHT - MARGIN - usable * (value - low) / (1 - low)

    points = [
        Point(label, value, MARGIN + n * step, y_of(value))
        for n, (label, value) in enumerate(items)
    ]
    return points, " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points), y_of(0.0)


def _histogram(totals: NDArray[np.int64]) -> list[tuple[str, int]]:
    bins = [(name, int(((totals >= lo) & (totals <= hi)).sum())) for lo, hi, name in VOTE_BINS]
    return [*bins, ("10+", int((totals >= 10).sum()))]


def dataset_figures() -> dict[str, Any]:
    """Agreement, votes per document and label shares of the publishable documents.

    The database groups documents by (vote counts, label), which few distinct
    combinations cover; the per-document counts are rebuilt from the groups.
    """
    groups = list(
        publishable_documents()
        .order_by()
        .values_list(*VOTE_FIELDS, "label")
        .annotate(n=Count("id"))
        .values_list(*VOTE_FIELDS, "label", "n")
    )
    sizes = np.array([group[4] for group in groups], np.int64)
    counts = np.repeat(np.array([group[:3] for group in groups], np.int64).reshape(-1, 3), sizes, 0)
    labels = {label.value: 0 for label in LABELS}
    for unsafe, neutral, great, label, n in groups:
        if unsafe + neutral + great:  # a document nobody rated has no consensus yet
            labels[label] = labels.get(label, 0) + n
    totals = counts.sum(axis=1)
    return {
        "documents": int(sizes.sum()),
        "votes": int(totals.sum()),
        "agreement": agreement_record(agreement(counts)),
        "votes_per_document": _histogram(totals),
        "labels": [(label.value, labels.get(label.value, 0)) for label in LABELS],
        "votes_by_rating": [
            (label.value, int(counts[:, i].sum())) for i, label in enumerate(LABELS)
        ],
    }


def snapshot_agreement(snapshot: Snapshot) -> dict[str, Any]:
    """A release's agreement: from its manifest, or its frozen rows for older releases."""
    recorded = snapshot.manifest.get("agreement")
    if recorded is not None:
        return dict(recorded)
    frozen = SnapshotRow.objects.filter(snapshot=snapshot).values_list(*VOTE_FIELDS)
    counts = np.array(list(frozen), np.int64).reshape(-1, 3)
    return agreement_record(agreement(counts))


def _releases() -> list[dict[str, Any]]:
    snapshots = Snapshot.objects.published().order_by("created_at", "id")
    return [
        {
            "version": s.version,
            "released": s.created_at,
            "rows": s.row_count,
            **snapshot_agreement(s),
        }
        for s in snapshots
    ]


def _over_time(releases: list[dict[str, Any]], now_alpha: float | None) -> list[tuple[str, float]]:
    items = [(r["version"], r["krippendorff_alpha"]) for r in releases]
    items.append(("now", now_alpha))
    return [(label, float(value)) for label, value in items if value is not None]


def _context(
    figures: dict[str, Any], releases: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    points, polyline, zero_y = line_chart(
        _over_time(releases, figures["agreement"]["krippendorff_alpha"])
    )
    return {
        "figures": figures,
        "releases": releases,
        "computed_at": now,
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "base": CHART_HEIGHT - MARGIN},
        "votes_chart": bar_chart(figures["votes_per_document"]),
        "labels_chart": bar_chart(figures["labels"]),
        "alpha_points": points,
        "alpha_line": polyline,
        "alpha_zero_y": zero_y,
    }


@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """Rater agreement for the whole dataset and each release, with three charts."""
    cached = cache.get("quality:figures")
    if cached is None:
        cached = (dataset_figures(), _releases(), timezone.now())
        cache.set("quality:figures", cached, CACHE_SECONDS)
    figures, releases, now = cached
    return render(request, "pages/quality.html", _context(figures, releases, now))
