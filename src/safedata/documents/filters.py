"""The one filter and sort specification of documents, shared by every surface that lists them.

Browse (``/documents/``), the documents API (``GET /api/v1/documents``) and the
dataset (page, preview, live download) all read a :class:`DocumentFilter`,
apply it with :meth:`DocumentFilter.apply` and order by :data:`SORTS`. A new
filter is one field here, one line in :meth:`DocumentFilter.apply` and one in
:class:`FilterQuery`. ``q`` is full-text search (``documents.search``); with it
the default order is ``relevance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, TypeVar

from django.db.models import Q, QuerySet
from ninja import Field, Schema

from safedata.documents import search
from safedata.documents.models import ConsensusLabel, ConsensusStatus, Document
from safedata.params import MAX_VOTES

LANGUAGE_MAX_LENGTH = 16
LABELS: tuple[str, ...] = tuple(ConsensusLabel.values)
STATUSES: tuple[str, ...] = tuple(ConsensusStatus.values)


@dataclass(frozen=True)
class Sort:
    """One sort order: a field, its direction, and the id as tie-breaker."""

    field: str
    descending: bool

    def ordering(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.field}", f"{sign}id"

    def after(self, key: Any, last_id: int) -> Q:
        """Rows strictly after (key, id) in this order (for cursors)."""
        op = "lt" if self.descending else "gt"
        return Q(**{f"{self.field}__{op}": key}) | Q(**{self.field: key, f"id__{op}": last_id})


SORTS: dict[str, Sort] = {
    "recent": Sort("created_at", descending=True),
    "score": Sort("score", descending=False),
    "-score": Sort("score", descending=True),
    "relevance": Sort(search.RANK, descending=True),
}
"""Accepted ``sort`` values: ``recent`` is newest first, ``score`` most unsafe first,
``relevance`` best match first (with ``q``; without it, ``recent``)."""
DEFAULT_SORT = "recent"
SEARCH_SORT = "relevance"
Documents = TypeVar("Documents", bound=QuerySet[Document])


class FilterError(ValueError):
    """A query-string value outside the accepted ones; the message says which are accepted."""

    def __init__(self, message: str, name: str, value: str, accepted: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.value = value
        self.accepted = tuple(accepted)


@dataclass(frozen=True)
class DocumentFilter:
    """A filtered view of the visible documents; empty or zero fields filter nothing."""

    q: str = ""
    label: str = ""
    status: str = ""
    language: str = ""
    min_votes: int = 0
    min_confidence: float = 0.0
    max_query_chars: ClassVar[int] = search.MAX_QUERY_CHARS
    """The longest ``q`` accepted (the search box's ``maxlength``)."""
    max_language_chars: ClassVar[int] = LANGUAGE_MAX_LENGTH
    """The longest ``language`` accepted (the language box's ``maxlength``)."""

    def apply(self, documents: Documents) -> Documents:
        if self.q:
            documents = search.matching(documents, self.q)  # type: ignore[assignment]
        if self.label:
            documents = documents.filter(label=self.label)
        if self.status:
            documents = documents.filter(status=self.status)
        if "\x00" in self.language:
            # No stored code holds a NUL, and PostgreSQL refuses one in a text parameter.
            documents = documents.filter(pk__isnull=True)
        elif self.language:
            documents = documents.filter(language=self.language)
        if self.min_votes:
            documents = documents.filter(votes_total__gte=self.min_votes)
        if self.min_confidence:
            documents = documents.filter(confidence__gte=self.min_confidence)
        return documents

    def as_params(self) -> dict[str, str]:
        """The filter as query-string parameters, in field order (defaults left out)."""
        return {name: str(value) for name, value in asdict(self).items() if value}

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> DocumentFilter:
        """The filter in query-string ``params``; ``FilterError`` names the accepted values."""
        min_votes = _number(params, "min_votes", 0, MAX_VOTES)
        if min_votes != int(min_votes):
            raise FilterError(
                f"min_votes must be a whole number, not {params['min_votes']!r}.",
                "min_votes",
                str(params["min_votes"]),
            )
        return cls(
            q=_query(params),
            label=choice(params, "label", LABELS),
            status=choice(params, "status", STATUSES),
            language=_language(params),
            min_votes=int(min_votes),
            min_confidence=_number(params, "min_confidence", 0.0, 1.0),
        )


def _text(params: Mapping[str, Any], name: str) -> str:
    return str(params.get(name) or "").strip()


def choice(params: Mapping[str, Any], name: str, accepted: Sequence[str]) -> str:
    """The value of ``name`` if it is one of ``accepted`` (or empty)."""
    value = _text(params, name)
    if value and value not in accepted:
        raise FilterError(
            f"Unknown {name} {value!r}; accepted values: {', '.join(accepted)}.",
            name,
            value,
            accepted,
        )
    return value


def parse_sort(params: Mapping[str, Any]) -> str:
    """The ``sort`` value: ``relevance`` when absent with ``q``, else ``recent``."""
    return effective_sort(choice(params, "sort", list(SORTS)), bool(_text(params, "q")))


def effective_sort(sort: str | None, searching: bool) -> str:
    """The order to use: best match first by default when searching; ``relevance``
    without a search is ``recent`` (there is nothing to rank)."""
    if not sort:
        return SEARCH_SORT if searching else DEFAULT_SORT
    return DEFAULT_SORT if sort == SEARCH_SORT and not searching else sort


def _number(params: Mapping[str, Any], name: str, low: float, high: float) -> float:
    text = _text(params, name)
    if not text:
        return low
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise FilterError(
            f"{name} must be a number from {low:g} to {high:g}, not {text!r}.", name, text
        )
    return value


def _query(params: Mapping[str, Any]) -> str:
    value = _text(params, "q")
    if len(value) > search.MAX_QUERY_CHARS:
        raise FilterError(
            f"q must be at most {search.MAX_QUERY_CHARS} characters, not {len(value)}.", "q", ""
        )
    return value


def _language(params: Mapping[str, Any]) -> str:
    value = _text(params, "language")
    if len(value) > LANGUAGE_MAX_LENGTH:
        raise FilterError(
            f"language must be a language code of at most {LANGUAGE_MAX_LENGTH} characters.",
            "language",
            value,
        )
    return value


class FilterQuery(Schema):
    """The filters as query parameters, for the OpenAPI schema; parsed by ``DocumentFilter``.

    Declared as text so that a bad value gets ``DocumentFilter.parse``'s message
    naming the accepted values, the same on every surface.
    """

    q: str = Field(
        "",
        description=(
            "Full-text search in title and text: every word must occur, "
            "the last (3+ characters) as a prefix."
        ),
    )
    label: str = Field(
        "", description="Consensus label (empty: any).", json_schema_extra={"enum": ["", *LABELS]}
    )
    status: str = Field(
        "",
        description="Consensus status (empty: any).",
        json_schema_extra={"enum": ["", *STATUSES]},
    )
    language: str = Field("", description="Language code, e.g. en.")
    min_votes: str = Field("", description=f"At least this many votes (0 to {MAX_VOTES}).")
    min_confidence: str = Field("", description="Consensus confidence at least this (0 to 1).")

    def to_filter(self) -> DocumentFilter:
        return DocumentFilter.parse(self.dict())
