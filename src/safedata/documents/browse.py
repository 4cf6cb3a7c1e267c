"""The browse page's query: the shared document filter and a sort order, from the query string."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from safedata.documents import search
from safedata.documents.filters import (
    DEFAULT_SORT,
    SORTS,
    DocumentFilter,
    FilterError,
    parse_sort,
)
from safedata.documents.models import Document, DocumentQuerySet

__all__ = ["SORTS", "BrowseQuery", "InvalidFilterError", "Result"]


class InvalidFilterError(ValueError):
    """A query-string value outside the accepted ones; the message lists them."""

    @classmethod
    def of(cls, error: FilterError) -> InvalidFilterError:
        if not error.accepted:
            return cls(str(error))
        accepted = ", ".join(error.accepted)
        return cls(f"Unknown {error.name} {error.value!r}. Accepted values: {accepted}.")


@dataclass(frozen=True)
class Result:
    """A document in a list; ``title`` and ``snippet`` are HTML with matched words marked."""

    document: Document
    title: SafeString | None = None
    snippet: SafeString | None = None

    @classmethod
    def marked(cls, document: Document, title: str, text: str) -> Result:
        return cls(document, search.highlighted(title) if title else None, search.highlighted(text))


@dataclass(frozen=True)
class BrowseQuery:
    filter: DocumentFilter = field(default_factory=DocumentFilter)
    sort: str = DEFAULT_SORT

    @property
    def q(self) -> str:
        return self.filter.q

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

    def results(self, documents: Iterable[Document]) -> list[Result]:
        """The page's documents, each with its title and a snippet marked when searching."""
        page = list(documents)
        if not self.q:
            return [Result(document) for document in page]
        marked = search.snippets((document.pk for document in page), self.q)
        return [Result.marked(document, *marked.get(document.pk, ("", ""))) for document in page]
