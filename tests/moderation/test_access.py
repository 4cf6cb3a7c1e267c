"""Every persona on every moderation page and API operation: only moderators (the group and
staff) get in; everyone else gets a 403 and never a moderator page, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from tests.moderation.conftest import bearer, post_as, token_for

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.moderation import services
from safedata.moderation.models import Appeal, Report

pytestmark = pytest.mark.django_db

OUTSIDERS = ["anonymous", "member", "uploader", "suspended"]
MODERATORS = ["group_moderator", "moderator"]  # ``moderator`` is staff


@pytest.fixture
def case(
    held: Document, clean: Document, member: User, moderator: User, make_document: Any
) -> dict[str, int]:
    """A held upload, an open report, an appealed hide, and a member to suspend."""
    reported = make_document("A text someone reported as spam, about kites.")
    report = services.report_document(
        reported.pk, services.Reporter(key=member.voter_key, user=member), "spam"
    )
    services.decide(clean.pk, "hide", moderator, "Spam.")
    appeal = services.appeal(clean.pk, clean.uploader, "It is not spam.")
    return {
        "held": held.pk,
        "clean": clean.pk,
        "report": report.pk,
        "appeal": appeal.pk,
        "user": member.pk,
    }


def _pages(ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", "/moderation/", {}),
        ("get", f"/moderation/documents/{ids['held']}/", {}),
        ("get", f"/moderation/users/{ids['user']}/", {}),
        ("post", f"/moderation/documents/{ids['held']}/decide/", {"action": "approve"}),
        ("post", "/moderation/bulk/", {"documents": [ids["held"]], "action": "remove"}),
        ("post", f"/moderation/reports/{ids['report']}/dismiss/", {"reason": ""}),
        ("post", f"/moderation/appeals/{ids['appeal']}/uphold/", {"reason": ""}),
        ("post", f"/moderation/users/{ids['user']}/suspend/", {"reason": "Spam."}),
        ("post", f"/moderation/users/{ids['user']}/reinstate/", {"reason": ""}),
    ]


def _api(ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", "/api/v1/moderation/queue", {}),
        ("get", f"/api/v1/moderation/documents/{ids['held']}/log", {}),
        ("get", f"/api/v1/moderation/users/{ids['user']}/log", {}),
        ("post", f"/api/v1/moderation/documents/{ids['held']}/decision", {"action": "remove"}),
        ("post", f"/api/v1/moderation/reports/{ids['report']}/dismiss", {"reason": ""}),
        ("post", f"/api/v1/moderation/users/{ids['user']}/suspend", {"reason": "Spam."}),
        ("post", f"/api/v1/moderation/users/{ids['user']}/reinstate", {"reason": ""}),
    ]


def _call_api(method: str, url: str, data: dict[str, Any], headers: dict[str, str]) -> Any:
    if method == "get":
        return Client().get(url, **headers)
    return Client().post(url, data, content_type="application/json", **headers)


def _each_changing_nothing(
    routes: list[tuple[str, str, dict[str, Any]]], send: Callable[[str, str, dict[str, Any]], Any]
) -> Iterator[Any]:
    """``send(method, url, data)``'s response to each route; afterwards, that none of them
    changed a document, report, appeal, account or the audit log."""
    before = _state()
    for method, url, data in routes:
        yield send(method, url, data)
    assert _state() == before


def _client_for(persona: str, request: pytest.FixtureRequest) -> tuple[Client, User | None]:
    if persona == "anonymous":
        return Client(), None
    user: User = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    return client, user


def _state() -> tuple[Any, ...]:
    return (
        AuditEntry.objects.count(),
        tuple(Document.objects.order_by("pk").values_list("visibility", flat=True)),
        tuple(Report.objects.values_list("resolution", flat=True)),
        tuple(Appeal.objects.values_list("outcome", flat=True)),
        tuple(User.objects.order_by("pk").values_list("suspended_at", flat=True)),
    )


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_403_on_every_moderation_page(
    persona: str, case: dict[str, int], request: pytest.FixtureRequest
) -> None:
    client, _ = _client_for(persona, request)
    pages = _each_changing_nothing(_pages(case), lambda m, u, d: getattr(client, m)(u, d))
    for response in pages:
        assert response.status_code == 403, response.request
        body = response.content.decode()
        assert "Only moderators may open this page." in body
        assert "Moderation queue" not in body


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_403_or_401_on_every_moderation_api_operation(
    persona: str, case: dict[str, int], request: pytest.FixtureRequest
) -> None:
    _, user = _client_for(persona, request)
    headers = bearer(token_for(user)) if user is not None else {}
    operations = _each_changing_nothing(_api(case), lambda m, u, d: _call_api(m, u, d, headers))
    for response in operations:
        assert response.status_code == (401 if user is None else 403), response.request
        assert response.json()["error"]["code"] in ("forbidden", "unauthorized")


@pytest.mark.parametrize("persona", MODERATORS)
def test_moderators_open_every_page(
    persona: str, case: dict[str, int], request: pytest.FixtureRequest
) -> None:
    client, _ = _client_for(persona, request)
    for method, url, _data in _pages(case)[:3]:
        response = getattr(client, method)(url)
        assert response.status_code == 200, url
    assert f"#{case['held']}" in client.get("/moderation/").content.decode()


@pytest.mark.parametrize("persona", MODERATORS)
def test_moderators_use_every_api_operation(
    persona: str, case: dict[str, int], request: pytest.FixtureRequest
) -> None:
    _, user = _client_for(persona, request)
    assert user is not None
    headers = bearer(token_for(user))
    statuses = []
    for method, url, data in _api(case):
        statuses.append(_call_api(method, url, data, headers).status_code)
    assert statuses == [200] * len(statuses)
    assert Document.objects.get(pk=case["held"]).visibility == Visibility.REMOVED


@pytest.mark.parametrize("target", ["staff", "group_moderator"])
def test_moderators_and_staff_cannot_be_suspended(
    target: str, moderator: User, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(target)
    response = post_as(moderator, f"/api/v1/moderation/users/{user.pk}/suspend", {"reason": "x"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.suspended_at is None
