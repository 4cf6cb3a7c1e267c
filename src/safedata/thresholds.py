"""The thresholds of the vote defences (``voting.defences``), as one typed settings object.

Plain data, importable by ``settings.py``; each field is an environment variable
documented in ``docs/settings.md``. They are never shown to voters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Defences:
    """When votes are set aside as a burst or as serial voting, and when they age in."""

    young_identity_hours: int = 72
    """An anonymous identity whose first vote is more recent than this is young; so is an
    account that is not established yet (``ACCOUNT_ESTABLISHED_*``)."""
    burst_window_minutes: int = 30
    """How far back the burst check looks at the votes on one document."""
    burst_min_votes: int = 5
    """Young identities giving one document the same rating within the window that make a burst."""
    burst_share: float = 0.8
    """...and the least share of all that window's votes on the document they must be."""
    serial_window_minutes: int = 60
    """How far back the serial check looks at one voter's votes."""
    serial_min_votes: int = 10
    """Votes by one voter on documents of one uploader within the window that make a series
    (votes through the review page, which picks the documents, do not count)."""
    serial_share: float = 0.9
    """...and the least share of them that must carry the same rating."""
    age_in_days: int = 14
    """An open quarantine group no moderator decided on is released after this many days."""
