"""Types shared by every consensus method, and the method registry."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from safedata.params import bounded, check_bounds, lookup


class Label(StrEnum):
    """A rating, and a consensus label. Order is unsafe, neutral, great."""

    UNSAFE = "unsafe"
    NEUTRAL = "neutral"
    GREAT = "great"


class Status(StrEnum):
    """Where a document stands in the community's review."""

    NEEDS_VOTES = "needs_votes"
    SETTLED = "settled"
    CONTESTED = "contested"


LABELS: tuple[Label, ...] = (Label.UNSAFE, Label.NEUTRAL, Label.GREAT)
"""The labels in spectrum order; their values on the spectrum are -1, 0, +1."""

LABEL_NAMES: dict[Label, str] = {
    Label.UNSAFE: "Unsafe",
    Label.NEUTRAL: "Neutral",
    Label.GREAT: "Great",
}
"""How each label reads to people (pages, admin, Django choices)."""

STATUS_NAMES: dict[Status, str] = {
    Status.NEEDS_VOTES: "Needs votes",
    Status.SETTLED: "Settled",
    Status.CONTESTED: "Contested",
}
"""How each status reads to people."""


@dataclass(frozen=True)
class Counts:
    """Vote counts for one document."""

    unsafe: int = 0
    neutral: int = 0
    great: int = 0

    def __post_init__(self) -> None:
        if min(self.unsafe, self.neutral, self.great) < 0:
            raise ValueError("vote counts cannot be negative")

    @property
    def total(self) -> int:
        return self.unsafe + self.neutral + self.great

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.unsafe, self.neutral, self.great)

    def fractions(self) -> tuple[float, float, float]:
        """The share of each rating, (0, 0, 0) without votes."""
        total = self.total
        if total == 0:
            return (0.0, 0.0, 0.0)
        return (self.unsafe / total, self.neutral / total, self.great / total)


@dataclass(frozen=True)
class ConsensusParams:
    """Parameters of the consensus; recorded with every release."""

    prior: float = bounded(1.0, 0, low_open=True)
    """Pseudo-votes added to each rating (the symmetric Dirichlet prior)."""
    min_votes: int = bounded(3, 1)
    """Votes a document needs before it can be settled or contested."""
    threshold: float = bounded(0.75, 0, 1, low_open=True)
    """Confidence the leading label needs for the document to be settled."""
    contested_share: float = bounded(0.25, 0, 1, low_open=True)
    """Runner-up confidence at or above which an unsettled document is contested."""

    def __post_init__(self) -> None:
        check_bounds(self)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Consensus:
    """The community's verdict on one document."""

    label: Label
    score: float
    """Posterior mean on the spectrum: unsafe -1, neutral 0, great +1."""
    confidence: float
    """Posterior probability that ``label`` is the majority rating."""
    status: Status
    counts: Counts


class ConsensusMethod(Protocol):
    """What every registered consensus method provides."""

    identifier: ClassVar[str]

    def compute(self, counts: Counts, params: ConsensusParams) -> Consensus: ...


_METHODS: dict[str, ConsensusMethod] = {}


def register(method: ConsensusMethod) -> ConsensusMethod:
    """Register a method instance under its identifier."""
    _METHODS[method.identifier] = method
    return method


def get_method(identifier: str) -> ConsensusMethod:
    """The method registered as ``identifier``; ``KeyError`` names the known ones."""
    return lookup(_METHODS, identifier, "consensus method")


def registered_methods() -> list[str]:
    return sorted(_METHODS)
