"""Helpers the pure packages share for their parameters and their registries.

``bounded`` declares a dataclass field's default and allowed range in one
place; ``check_bounds`` (called from ``__post_init__``) enforces it for every
caller, and ``safedata.cli_options`` turns it into a command-line option.
``lookup`` finds a registered thing by identifier. Light: standard library only,
so the command line can import it before any heavy package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")

MAX_VOTES = 100_000
"""The largest vote count a filter or an option accepts (``min_votes``)."""


@dataclass(frozen=True)
class Bounds:
    """The range a number must lie in: from ``low`` (excluded when ``low_open``) to ``high``."""

    low: float
    high: float | None = None
    """No upper bound when None."""
    low_open: bool = False

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and (self.high is None or value <= self.high)

    def requirement(self) -> str:
        """What a value must do, as in "must be positive" or "must lie in (0, 1]"."""
        if self.high is not None:
            return f"lie in {'(' if self.low_open else '['}{self.low}, {self.high}]"
        if self.low_open:
            return "be positive" if self.low == 0 else f"be above {self.low}"
        return f"be at least {self.low}"


_BOUNDS = "bounds"


def bounded(default: Any, low: float, high: float | None = None, *, low_open: bool = False) -> Any:
    """A dataclass field with ``default`` whose value ``check_bounds`` keeps in ``Bounds``."""
    return field(default=default, metadata={_BOUNDS: Bounds(low, high, low_open)})


def field_bounds(item: Field[Any]) -> Bounds | None:
    """The bounds of a field made by ``bounded``, else None."""
    bounds = item.metadata.get(_BOUNDS)
    return bounds if isinstance(bounds, Bounds) else None


def check_bounds(params: Any) -> None:
    """Raise ``ValueError`` naming the first ``bounded`` field of ``params`` out of bounds.

    Call it from ``__post_init__``; a field set to None is not checked.
    """
    for item in fields(params):
        bounds, value = field_bounds(item), getattr(params, item.name)
        if bounds is not None and value is not None and value not in bounds:
            raise ValueError(f"{item.name} must {bounds.requirement()}")


def lookup(
    registry: Mapping[str, T], identifier: str, kind: str, error: type[Exception] = KeyError
) -> T:
    """``registry[identifier]``, or ``error`` saying which ``kind`` names are known."""
    try:
        return registry[identifier]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise error(f"unknown {kind} {identifier!r} (known: {known})") from None
