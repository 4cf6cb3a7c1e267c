"""The browse page's query: filters and sort orders read from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from safedata.documents.models import ConsensusLabel, ConsensusStatus, Document, DocumentQuerySet

SORTS: dict[str, tuple[str, ...]] = {
    "recent": ("-created_at", "-id"),
    "score": ("score", "id"),
    "-score": ("-score", "-id"),
}
"""Accepted ``sort`` values and their ORDER BY: ``score`` is most unsafe first."""


class InvalidFilterError(ValueError):
    """A query-string value outside the accepted ones; the message lists them."""


@dataclass(frozen=True)
class BrowseQuery:
    label: str = ""
    status: str = ""
    sort: str = "recent"

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> BrowseQuery:
        """Read ``label``, ``status``, ``sort``; ``InvalidFilterError`` names accepted values."""
        query = cls(
            label=params.get("label", "").strip(),
            status=params.get("status", "").strip(),
            sort=params.get("sort", "").strip() or "recent",
        )
        _check("label", query.label, ConsensusLabel.values, allow_empty=True)
        _check("status", query.status, ConsensusStatus.values, allow_empty=True)
        _check("sort", query.sort, list(SORTS), allow_empty=False)
        return query

    def documents(self) -> DocumentQuerySet:
        queryset = Document.objects.public().select_related("uploader")
        if self.label:
            queryset = queryset.filter(label=self.label)
        if self.status:
            queryset = queryset.filter(status=self.status)
        return queryset.order_by(*SORTS[self.sort])


def _check(name: str, value: str, accepted: list[str], *, allow_empty: bool) -> None:
    if value in accepted or (allow_empty and not value):
        return
    raise InvalidFilterError(f"Unknown {name} {value!r}. Accepted values: {', '.join(accepted)}.")
