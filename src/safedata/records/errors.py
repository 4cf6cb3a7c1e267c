"""The one error the record format raises for bad data."""

from __future__ import annotations


class RecordFormatError(ValueError):
    """Data that is not in the record format; the message names file and line when known."""

    @classmethod
    def at(cls, source: str, location: str | int | None, problem: str) -> RecordFormatError:
        """An error for ``problem`` found in ``source`` at a line number or a location."""
        if location is None:
            return cls(f"{source}: {problem}")
        if isinstance(location, int):
            return cls(f"{source}: line {location}: {problem}")
        return cls(f"{source}: {location}: {problem}")
