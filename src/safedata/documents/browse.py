"""The browse page's query: the shared document filter and a sort order, from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from safedata.documents.filters import (
    DEFAULT_SORT,
    SORTS,
    DocumentFilter,
    FilterError,
    parse_sort,
)
from safedata.documents.models import Document, DocumentQuerySet

__all__ = ["SORTS", "BrowseQuery", "InvalidFilterError"]


class InvalidFilterError(ValueError):
    """A query-string value outside the accepted ones; the message lists them."""

    @classmethod
    def of(cls, error: FilterError) -> InvalidFilterError:
        if not error.accepted:
            return cls(str(error))
        accepted = ", ".join(error.accepted)
        return cls(f"Unknown {error.name} {error.value!r}. Accepted values: {accepted}.")


@dataclass(frozen=True)
class BrowseQuery:
    filter: DocumentFilter = field(default_factory=DocumentFilter)
    sort: str = DEFAULT_SORT

    @property
    def label(self) -> str:
        return self.filter.label

    @property
    def status(self) -> str:
        return self.filter.status

    @property
    def language(self) -> str:
        return self.filter.language

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> BrowseQuery:
        """Read the filters and ``sort``; ``InvalidFilterError`` names accepted values."""
        try:
            return cls(DocumentFilter.parse(params), parse_sort(params))
        except FilterError as error:
            raise InvalidFilterError.of(error) from None

    def documents(self) -> DocumentQuerySet:
        queryset = self.filter.apply(Document.objects.public().select_related("uploader"))
        return queryset.order_by(*SORTS[self.sort].ordering())
