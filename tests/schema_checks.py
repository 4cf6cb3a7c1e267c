"""Schemathesis as every API part uses it: the site's OpenAPI schema served in-process,
every check on, the part's own operations, and a bearer token on each request."""

from __future__ import annotations

from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings


def api_schema(path_regex: str, *, rejections: list[str], accepted: list[str]) -> Any:
    """The operations matching ``path_regex``: invalid data must be refused with one of
    ``rejections``, data valid by the schema answered with one of ``accepted``."""
    config = schemathesis.Config.from_dict(
        {
            "checks": {
                "negative_data_rejection": {"expected-statuses": rejections},
                "positive_data_acceptance": {"expected-statuses": accepted},
            }
        }
    )
    return schemathesis.openapi.from_wsgi(
        "/api/openapi.json", WSGIHandler(), config=config
    ).include(path_regex=path_regex)


def examples(count: int) -> Any:
    """Hypothesis settings for a schema test: ``count`` examples an operation, no deadline."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def call_and_validate(case: Any, token: str) -> None:
    """Send ``case`` with ``token`` and run every check on the response."""
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
