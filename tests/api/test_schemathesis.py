"""Property-based API test: requests generated from the OpenAPI schema, run in-process.

Every operation must answer without a 5xx and conform to its own schema (status
codes, content type, response body), with every schemathesis check on. Requests
carry a member's bearer token, so POSTs get past authentication and exercise
validation and the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.schema_checks import api_schema, call_and_validate, examples

from safedata.accounts.models import ApiToken, User

# A request with invalid data may be refused for its size (413) or media type (415) too.
_REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]
# Data valid by the schema may still meet a rule JSON Schema cannot state, each answered
# with its documented status: text blank once trimmed or a malformed URL (400), voting on
# one's own upload (403), an id with no visible document (404), the text of a withdrawn
# document (409), a removed one (410), text longer than MAX_DOCUMENT_CHARS (413).
_ACCEPTED = ["200", "201", "400", "403", "404", "409", "410", "413"]

# The operations of this part (documents, votes, CSRF); each part tests its own routers.
schema = api_schema(r"^/api/v1/(documents|csrf)", rejections=_REJECTIONS, accepted=_ACCEPTED)


@pytest.fixture
def member_token(in_process: None, member: User, make_document: Callable[..., Any]) -> str:
    for _ in range(3):
        make_document()
    return ApiToken.issue(member, "schemathesis")[1]


@schema.parametrize()
@examples(50)
def test_api_conforms_to_its_schema(case: Any, member_token: str) -> None:
    call_and_validate(case, member_token)
