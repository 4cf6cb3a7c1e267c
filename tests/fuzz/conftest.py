"""Hypothesis profiles for the fuzz tests: ``ci`` (the default, quick) and ``fuzz``.

``make fuzz`` runs ``HYPOTHESIS_PROFILE=fuzz``: 10,000 examples for every parser.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.register_profile("fuzz", max_examples=10_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def open_limits(settings: Any) -> Any:
    """Rate limits out of the way of thousands of requests."""
    settings.SAFEDATA_VOTE_RATE_LIMIT = "1000000/m"
    settings.SAFEDATA_UPLOAD_RATE_LIMIT = "1000000/m"
    settings.SAFEDATA_REPORT_RATE_LIMIT = "1000000/m"
    settings.SAFEDATA_VOTE_ADDRESS_RATE_LIMIT = "1000000/m"
    settings.SAFEDATA_IDENTITY_RATE_LIMIT = "1000000/m"
    return settings
