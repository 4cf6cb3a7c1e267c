"""The dataset page's viewer: keyset pages over a filtered view, column summaries, charts.

Pages follow the dataset's own order (document id) with ``after``/``before``
cursors rather than OFFSET, so the last page costs what the first does and
rows added while someone reads never shift a page. Summaries are one
aggregate query per column over the whole view, and the charts are plain
geometry (:class:`Chart`) that the template draws as SVG.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q, QuerySet, Sum

from safedata.consensus import LABEL_NAMES, LABELS, STATUS_NAMES, Label, Status
from safedata.datasets.exporters.sft import SPLITS, SftOptions, assign_splits, candidates
from safedata.datasets.rows import publishable_documents
from safedata.documents import search
from safedata.documents.filters import DocumentFilter
from safedata.documents.models import Document
from safedata.records.schema import VOTE_FIELDS

PAGE_ROWS = 50
"""Rows on one page of the viewer."""
NO_VOTES = "no votes"
_ROW_FIELDS = (
    "id",
    "title",
    "text",
    "label",
    "status",
    "confidence",
    *VOTE_FIELDS,
    "votes_total",
    "language",
    "license",
)
VOTE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3–4", 3, 4),
    ("5–9", 5, 9),
    ("10+", 10, None),
)
"""Votes-per-document histogram bins: (name, lowest, highest or open)."""
TOP_VALUES = 6
SFT_COUNTS_SECONDS = 600


class CursorError(ValueError):
    """``after`` or ``before`` is not a document id."""


@dataclass(frozen=True)
class ViewerPage:
    """One page of rows (dicts of ``_ROW_FIELDS``, plus ``snippet`` when searching)."""

    rows: list[dict[str, Any]]
    first: int
    """1-based position of the first row in the view (0 when the page is empty)."""
    total: int
    previous: int | None = None
    """Pass as ``before`` for the previous page, ``None`` on the first."""
    next: int | None = None
    """Pass as ``after`` for the next page, ``None`` on the last."""

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def parse_cursor(params: Any, name: str) -> int | None:
    """A document id from the query string, or ``None``; ``CursorError`` otherwise."""
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise CursorError(f"{name} must be a document id (a whole number), not {text[:40]!r}.")
    return int(text)


def page(
    view: DocumentFilter, after: int | None = None, before: int | None = None, size: int = PAGE_ROWS
) -> ViewerPage:
    """The page of the view after id ``after`` (or before id ``before``; else the first)."""
    documents = view.apply(publishable_documents())
    total = documents.count()
    if before is not None:
        rows = _rows(documents.filter(id__lt=before).order_by("-id"), size)[::-1]
    else:
        later = documents if after is None else documents.filter(id__gt=after)
        rows = _rows(later.order_by("id"), size)
    if not rows:
        return ViewerPage([], 0, total)
    first = documents.filter(id__lt=rows[0]["id"]).count() + 1
    _mark(rows, view.q)
    return ViewerPage(
        rows,
        first,
        total,
        previous=rows[0]["id"] if first > 1 else None,
        next=rows[-1]["id"] if first + len(rows) - 1 < total else None,
    )


def _rows(documents: QuerySet[Document], limit: int) -> list[dict[str, Any]]:
    return list(documents.values(*_ROW_FIELDS)[:limit])


def _mark(rows: list[dict[str, Any]], query: str) -> None:
    for row in rows:
        row["voted"] = row["votes_total"] > 0
        row["label_name"] = LABEL_NAMES[Label(row["label"])]
        row["status_name"] = STATUS_NAMES[Status(row["status"])]
    if not query:
        return
    marked = search.snippets((row["id"] for row in rows), query)
    for row in rows:
        title, text = marked.get(row["id"], ("", ""))
        row["title_marked"] = search.highlighted(title) if title else None
        row["snippet"] = search.highlighted(text) if text else None


@dataclass(frozen=True)
class Bar:
    name: str
    count: int
    css: str
    share: float
    """This bar's count over the chart's total, 0–1."""

    @property
    def width(self) -> float:
        """Length in the SVG's user units (0–``Chart.BAR_SPACE``)."""
        return round(self.share * Chart.BAR_SPACE, 2)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart; the template draws it in a 320-unit-wide SVG."""

    BAR_SPACE = 180
    ROW_HEIGHT = 24

    key: str
    title: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> int:
        return self.ROW_HEIGHT * max(len(self.bars), 1)

    @property
    def rows(self) -> list[tuple[int, Bar]]:
        """(y of the row's top, bar) for each bar."""
        return [(i * self.ROW_HEIGHT, bar) for i, bar in enumerate(self.bars)]

    @classmethod
    def of(cls, key: str, title: str, counts: list[tuple[str, int, str]]) -> Chart:
        total = sum(count for _, count, _ in counts) or 1
        bars = [Bar(name, count, css, count / total) for name, count, css in counts]
        return cls(key, title, bars)


@dataclass(frozen=True)
class Summary:
    """Column summaries of a view and its charts."""

    total: int
    charts: list[Chart]
    languages: list[tuple[str, int]]
    language_count: int
    licenses: list[tuple[str, int]]
    votes_mean: float
    votes_max: int
    confidence_mean: float | None
    chars_mean: float


def summarize(view: DocumentFilter) -> Summary:
    """Counts by label (and unvoted), status, votes per document, language and licence."""
    documents = view.apply(publishable_documents())
    stats = documents.aggregate(
        total=Count("id"),
        votes_mean=Avg("votes_total"),
        votes_max=Max("votes_total"),
        confidence_mean=Avg("confidence", filter=Q(votes_total__gt=0)),
        chars_mean=Avg("char_count"),
        **{
            f"bucket_{i}": Count("id", filter=_bucket(low, high))
            for i, (_, low, high) in enumerate(VOTE_BUCKETS)
        },
    )
    return Summary(
        total=stats["total"],
        charts=[
            _label_chart(documents),
            _status_chart(documents),
            Chart.of(
                "votes",
                "Votes per document",
                [
                    (name, stats[f"bucket_{i}"], "votes")
                    for i, (name, _, _) in enumerate(VOTE_BUCKETS)
                ],
            ),
        ],
        languages=_top(documents, "language")[:TOP_VALUES],
        language_count=documents.values("language").distinct().count(),
        licenses=_top(documents, "license"),
        votes_mean=float(stats["votes_mean"] or 0.0),
        votes_max=int(stats["votes_max"] or 0),
        confidence_mean=stats["confidence_mean"],
        chars_mean=float(stats["chars_mean"] or 0.0),
    )


def _bucket(low: int, high: int | None) -> Q:
    if high is None:
        return Q(votes_total__gte=low)
    return Q(votes_total__gte=low, votes_total__lte=high)


def _counts(documents: QuerySet[Document], column: str) -> dict[str, int]:
    rows = documents.order_by().values_list(column).annotate(n=Count("id"))
    return dict(rows)


def _label_chart(documents: QuerySet[Document]) -> Chart:
    voted = _counts(documents.filter(votes_total__gt=0), "label")
    unvoted = documents.filter(votes_total=0).count()
    counts = [(LABEL_NAMES[label], voted.get(label.value, 0), label.value) for label in LABELS]
    return Chart.of("label", "Consensus label", [*counts, (NO_VOTES.capitalize(), unvoted, "none")])


def _status_chart(documents: QuerySet[Document]) -> Chart:
    counts = _counts(documents, "status")
    bars = [(STATUS_NAMES[status], counts.get(status.value, 0), status.value) for status in Status]
    return Chart.of("status", "Status", bars)


def _top(documents: QuerySet[Document], column: str) -> list[tuple[str, int]]:
    counts = _counts(documents, column)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def sft_counts(options: SftOptions | None = None) -> dict[str, int]:
    """Documents in each split of the fine-tuning preset, as the export would write them.

    Near-duplicate removal reads every candidate, so the counts are cached
    until the candidates change (their number, newest id or vote total).
    """
    options = options or SftOptions()
    fingerprint = candidates(options).aggregate(
        n=Count("id"), top=Max("id"), votes=Sum("votes_total")
    )
    raw = f"{options}:{sorted(fingerprint.items())}".encode()
    key = "datasets:sft-counts:" + hashlib.sha256(raw).hexdigest()
    counts: dict[str, int] | None = cache.get(key)
    if counts is None:
        kept, _ = assign_splits(options)
        counts = dict.fromkeys(SPLITS, 0)
        for split in kept.values():
            counts[split] += 1
        cache.set(key, counts, SFT_COUNTS_SECONDS)
    return counts
