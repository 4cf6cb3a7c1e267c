"""The check registry and the two screening entry points.

A check looks at one thing and returns a message for the uploader, or ``None``
when it has nothing to say. Byte checks see a file's raw bytes before decoding;
text checks see normalised text, whether it came from a file or a form field.
Checks run in ``order``; the first problem rejects the input.

``screen_upload`` in ``safedata.screening.upload`` is the one pipeline every
upload path calls; these two entry points are its content step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from safedata.screening.normalise import normalise_text

T = TypeVar("T", bytes, str)


@dataclass(frozen=True)
class Limits:
    """The size limits an input must respect (the web app reads them from settings)."""

    max_bytes: int
    """Largest accepted file, in bytes (a bulk file counts as a whole)."""
    max_chars: int
    """Largest accepted document, in characters after normalisation."""
    max_lines: int = 10_000
    """Most non-blank lines in a bulk JSONL file."""


class ScreeningError(ValueError):
    """Input refused by the check ``identifier``; ``message`` is for the uploader.

    ``field`` names the upload field at fault (``text``, ``file``, ``title``,
    ``source_url``, ``license``, ``language``), or is empty for the input as a whole.
    """

    def __init__(self, identifier: str, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.identifier = identifier
        self.message = message
        self.field = field


class Check(ABC, Generic[T]):
    """One registered screening rule.

    A check declares itself in its class statement, which also registers it:
    ``class Empty(TextCheck, identifier="empty", order=30): ...``.
    """

    identifier: ClassVar[str]
    """Stable name, used in logs, reports and tests."""
    order: ClassVar[int] = 100
    """Lower runs first: cheap, decisive checks go before the others."""
    per_line: ClassVar[bool] = False
    """True when the check also applies to each line of a bulk file, not the file as a whole."""

    def __init_subclass__(
        cls,
        *,
        identifier: str | None = None,
        order: int | None = None,
        per_line: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if order is not None:
            cls.order = order
        if per_line is not None:
            cls.per_line = per_line
        if identifier is not None:
            cls.identifier = identifier
            register(cls)

    @abstractmethod
    def problem(self, value: T, limits: Limits) -> str | None:
        """A message explaining why ``value`` is refused, or ``None``."""


class ByteCheck(Check[bytes]):
    """A check on raw bytes, before decoding."""


class TextCheck(Check[str]):
    """A check on normalised text."""


_REGISTRY: dict[str, type[Check[Any]]] = {}


def register(cls: type[Check[T]]) -> type[Check[T]]:
    """Add a check to the registry under its identifier (a class statement that names an
    ``identifier`` does this itself)."""
    known = _REGISTRY.get(cls.identifier)
    if known is not None and known is not cls:
        raise ValueError(f"a screening check named {cls.identifier!r} is already registered")
    _REGISTRY[cls.identifier] = cls
    return cls


def registered() -> dict[str, type[Check[Any]]]:
    """Every registered check by identifier (a copy)."""
    return dict(_REGISTRY)


def byte_checks() -> list[ByteCheck]:
    """Instances of the registered byte checks, in running order."""
    checks = [cls() for cls in _REGISTRY.values() if issubclass(cls, ByteCheck)]
    return sorted(checks, key=lambda check: check.order)


def text_checks() -> list[TextCheck]:
    """Instances of the registered text checks, in running order."""
    checks = [cls() for cls in _REGISTRY.values() if issubclass(cls, TextCheck)]
    return sorted(checks, key=lambda check: check.order)


def run_checks(checks: Sequence[Check[T]], value: T, limits: Limits) -> None:
    """Raise ``ScreeningError`` for the first check that finds a problem with ``value``."""
    for check in checks:
        message = check.problem(value, limits)
        if message is not None:
            raise ScreeningError(check.identifier, message)


def screen_text(raw: str, limits: Limits) -> str:
    """The normalised text, or ``ScreeningError`` from the first failing text check."""
    text = normalise_text(raw)
    run_checks(text_checks(), text, limits)
    return text


def screen_bytes(data: bytes, limits: Limits) -> str:
    """Decode an uploaded text file; the normalised text, or ``ScreeningError``.

    Byte checks run first (size, NUL bytes, binary content, UTF-8 validity),
    then the text checks. A UTF-8 byte order mark is dropped.
    """
    run_checks(byte_checks(), data, limits)
    return screen_text(data.decode("utf-8-sig"), limits)
