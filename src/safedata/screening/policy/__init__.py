"""Policy screening: does a text carry others' personal data, secrets, or no prose at all?

``find_policy_issues(text)`` runs every registered policy check and returns one
``Finding`` per check that matched: the check's identifier, a reason for the
uploader, a ``Severity``, the number of matches and their positions (never the
matched text). A flagged upload is held for a moderator, not rejected. A new
check is one class, in a module imported here, whose class statement names its
identifier and severity (which registers it).
"""

from __future__ import annotations

from safedata.screening.policy import credentials as _credentials  # noqa: F401  (registers)
from safedata.screening.policy import pii as _pii  # noqa: F401
from safedata.screening.policy import prose as _prose  # noqa: F401
from safedata.screening.policy.base import (
    MAX_SPANS,
    Finding,
    PolicyCheck,
    PolicySettings,
    Severity,
    Span,
    find_policy_issues,
    policy_checks,
)

__all__ = [
    "MAX_SPANS",
    "Finding",
    "PolicyCheck",
    "PolicySettings",
    "Severity",
    "Span",
    "find_policy_issues",
    "policy_checks",
]
