"""Property-based test of the dataset API: requests generated from the OpenAPI schema.

Every dataset operation must answer without a 5xx and conform to its schema, with
every schemathesis check on and a member's bearer token (so downloads run, and
publishing is refused with 403).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.schema_checks import api_schema, call_and_validate, examples

from safedata.accounts.models import ApiToken

_REJECTIONS = ["400", "401", "403", "404", "405", "409", "415", "422"]
# Filter values are free text in the schema (so that a bad one gets the message naming
# the accepted values): valid by the schema, a bad one is a documented 400. A version or
# file name that names nothing is a 404; publishing is staff-only (403).
_ACCEPTED = ["200", "201", "206", "400", "403", "404", "409", "416"]
schema = api_schema(
    r"^/api/v1/(dataset|snapshots|exports)", rejections=_REJECTIONS, accepted=_ACCEPTED
)


@pytest.fixture
def member_token(in_process: None, member: Any, corpus: dict[str, Any]) -> str:
    from safedata.datasets.services import build_snapshot

    build_snapshot("v1")
    return ApiToken.issue(member, "schemathesis")[1]


@schema.parametrize()
@examples(25)
def test_dataset_api_conforms_to_its_schema(case: Any, member_token: str) -> None:
    call_and_validate(case, member_token)
