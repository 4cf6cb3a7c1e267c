"""Undo on the review page: the vote is withdrawn, the tallies recounted, the document back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.voting.conftest import htmx, shown_id

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get("/review/")
    return client


@pytest.fixture
def two(make_document: Callable[..., Any]) -> list[Any]:
    return [make_document(), make_document()]


def test_undo_withdraws_the_vote_and_shows_the_document_again(
    reviewer: Client, two: list[Any]
) -> None:
    first = shown_id(reviewer.get("/review/"))
    assert first is not None
    voted = reviewer.post(f"/review/{first}/vote/", {"rating": "great"}, headers=htmx(reviewer))
    assert 'data-key="u"' in voted.content.decode()
    assert Document.objects.get(pk=first).votes_great == 1
    undone = reviewer.post(f"/review/{first}/undo/", headers=htmx(reviewer))
    assert undone.status_code == 200
    assert shown_id(undone) == first
    assert "was withdrawn" in undone.content.decode()
    # No tallies of others before this reviewer votes again (no herding).
    assert "All votes" not in undone.content.decode()
    assert not Vote.objects.filter(document_id=first).exists()
    document = Document.objects.get(pk=first)
    assert (document.votes_great, document.votes_total) == (0, 0)
    entry = AuditEntry.objects.get(action="vote.withdrawn")
    assert entry.target_id == str(first)
    assert entry.data["rating"] == "great"


def test_undo_without_javascript_redirects_to_that_document(
    reviewer: Client, two: list[Any]
) -> None:
    first = shown_id(reviewer.get("/review/"))
    token = reviewer.cookies["csrftoken"].value
    reviewer.post(f"/review/{first}/vote/", {"rating": "unsafe", "csrfmiddlewaretoken": token})
    response = reviewer.post(f"/review/{first}/undo/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == f"/review/?show={first}"
    assert shown_id(reviewer.get(response["Location"])) == first
    assert not Vote.objects.exists()


def assert_undo_refused(reviewer: Client, document: int, status: int, message: str) -> None:
    """The reviewer's undo of ``document`` is refused and its one vote stays."""
    response = reviewer.post(f"/review/{document}/undo/", headers=htmx(reviewer))
    assert response.status_code == status
    assert message in response.content.decode()
    assert Vote.objects.filter(document_id=document).count() == 1


def test_undo_takes_back_only_your_own_vote(reviewer: Client, two: list[Any]) -> None:
    first = two[0].pk
    other = Client(enforce_csrf_checks=True)
    other.get("/review/")
    other.post(f"/review/{first}/vote/", {"rating": "great"}, headers=htmx(other))
    assert_undo_refused(reviewer, first, 409, "no vote of yours")


def test_undo_on_a_removed_document_changes_nothing(reviewer: Client, two: list[Any]) -> None:
    first = two[0].pk
    reviewer.post(f"/review/{first}/vote/", {"rating": "great"}, headers=htmx(reviewer))
    Document.objects.filter(pk=first).update(visibility=Visibility.REMOVED)
    assert_undo_refused(reviewer, first, 404, "no longer available")


def test_undo_needs_the_csrf_token(reviewer: Client, two: list[Any]) -> None:
    first = two[0].pk
    reviewer.post(f"/review/{first}/vote/", {"rating": "great"}, headers=htmx(reviewer))
    response = reviewer.post(f"/review/{first}/undo/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert Vote.objects.count() == 1


def test_undo_is_post_only(reviewer: Client, two: list[Any]) -> None:
    assert reviewer.get(f"/review/{two[0].pk}/undo/").status_code == 405


def test_the_show_parameter_never_shows_what_you_may_not_rate(
    uploader: User, member: User, two: list[Any]
) -> None:
    client = Client()
    client.force_login(uploader)
    assert shown_id(client.get(f"/review/?show={two[0].pk}")) is None
    client.force_login(member)
    for junk in ("abc", "-1", "9" * 30, ""):
        response = client.get(f"/review/?show={junk}")
        assert response.status_code == 200
        assert shown_id(response) in {two[0].pk, two[1].pk}
