"""The policy-check registry and its one entry point, ``find_policy_issues``.

Unlike the input checks in ``safedata.screening.base``, which refuse malformed
input outright, a policy check never rejects: it reports what it found so the
caller can hold the upload for a moderator. A finding carries positions, never
the matched text, so logging or storing a finding cannot leak the secret.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar

Span = tuple[int, int]
"""Start and end offsets of one match in the screened text (``text[start:end]``)."""

MAX_SPANS = 50
"""Most positions kept per finding; ``count`` still counts every match."""


class Severity(IntEnum):
    """How urgently a moderator should look; integers so a queue can sort by it."""

    LOW = 1
    """Not prose (blobs, code walls): likely unsuitable, rarely harmful."""
    MEDIUM = 2
    """Contact details or a string that looks like a credential."""
    HIGH = 3
    """Payment cards, government IDs, bank accounts, keys and tokens."""

    @property
    def label(self) -> str:
        """The lower-case name shown to people (``"high"``)."""
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """What one check found in a text: no matched text, only where it is."""

    check: str
    """Identifier of the check, e.g. ``pii.email``."""
    reason: str
    """Plain-language explanation for the uploader."""
    severity: Severity
    count: int
    """Number of matches in the text."""
    spans: tuple[Span, ...] = field(default=(), repr=False)
    """Positions of the first ``MAX_SPANS`` matches."""


class PolicyCheck(ABC):
    """One registered policy rule: a class with an identifier, a reason and a severity.

    The identifier and severity are keywords of the class statement, which registers it:
    ``class EmailAddress(PolicyCheck, identifier="pii.email", severity=Severity.MEDIUM)``.
    """

    identifier: ClassVar[str]
    """Stable dotted name (``family.kind``), used in settings, logs and tests."""
    reason: ClassVar[str]
    """Shown to the uploader; says what to remove and never quotes the match."""
    severity: ClassVar[Severity]
    setting: ClassVar[str]
    """Boolean environment variable (default on) that switches the check off when false:
    ``SCREEN_`` and the identifier in capitals, ``.`` as ``_`` (``SCREEN_PII_EMAIL``)."""

    def __init_subclass__(cls, *, identifier: str, severity: Severity, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.identifier = identifier
        cls.severity = severity
        cls.setting = "SCREEN_" + identifier.replace(".", "_").upper()
        _register(cls)

    @abstractmethod
    def spans(self, text: str) -> Iterable[Span]:
        """Positions of every match in ``text``, in any order."""


def match_spans(
    patterns: Sequence[re.Pattern[str]],
    text: str,
    keep: Callable[[re.Match[str]], bool] | None = None,
    within: Iterable[Span] | None = None,
) -> Iterator[Span]:
    """Positions of the matches of each of ``patterns`` in ``text`` that ``keep`` accepts
    (every match without ``keep``); only inside the ``within`` regions, a start and an end
    each, when given."""
    for start, end in [(0, len(text))] if within is None else within:
        for pattern in patterns:
            for match in pattern.finditer(text, start, end):
                if keep is None or keep(match):
                    yield match.span()


def in_url(text: str, position: int) -> bool:
    """Whether ``position`` lies in a URL: its word has a ``://`` before it (or at it,
    for a run that starts with the ``//``)."""
    word_start = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1
    return "://" in text[word_start : position + 2]


def mixes_case_and_digits(run: str) -> bool:
    """Whether ``run`` holds an upper-case letter, a lower-case letter and a digit,
    as encoded data and random keys do and words, numbers and hex digests do not."""
    return (
        any(c.isdigit() for c in run)
        and any(c.isupper() for c in run)
        and any(c.islower() for c in run)
    )


_REGISTRY: dict[str, type[PolicyCheck]] = {}


def _register(cls: type[PolicyCheck]) -> None:
    if cls.identifier in _REGISTRY:
        raise ValueError(f"a policy check named {cls.identifier!r} is already registered")
    _REGISTRY[cls.identifier] = cls


def policy_checks() -> dict[str, type[PolicyCheck]]:
    """Every registered policy check by identifier (a copy)."""
    return dict(_REGISTRY)


@dataclass(frozen=True)
class PolicySettings:
    """Which policy checks run; the web app builds it from environment variables."""

    disabled: frozenset[str] = frozenset()
    """Identifiers of the checks that are switched off."""

    def __post_init__(self) -> None:
        unknown = sorted(self.disabled - _REGISTRY.keys())
        if unknown:
            raise ValueError(f"unknown policy checks: {', '.join(unknown)}")

    @classmethod
    def from_switches(cls, switches: Mapping[str, bool]) -> PolicySettings:
        """Settings from ``{setting name: enabled}``; a setting not given stays on."""
        off = {c.identifier for c in _REGISTRY.values() if not switches.get(c.setting, True)}
        return cls(disabled=frozenset(off))


def find_policy_issues(text: str, disabled: frozenset[str] = frozenset()) -> list[Finding]:
    """Every enabled check that matches ``text``, most severe first.

    ``disabled`` holds identifiers of checks to skip (``PolicySettings.disabled``);
    an unknown identifier raises ``ValueError`` so a typo in a setting is not silent.
    """
    PolicySettings(disabled)
    findings = []
    for identifier, check in sorted(_REGISTRY.items()):
        if identifier in disabled:
            continue
        spans = sorted(set(check().spans(text)))
        if spans:
            findings.append(
                Finding(
                    check=identifier,
                    reason=check.reason,
                    severity=check.severity,
                    count=len(spans),
                    spans=tuple(spans[:MAX_SPANS]),
                )
            )
    return sorted(findings, key=lambda finding: -finding.severity)
