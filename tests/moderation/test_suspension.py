"""Suspension: the member's uploads hidden, their votes out of the consensus, no uploads,
votes or reports (403); reinstating restores exactly what the suspension took out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.moderation.conftest import CLEAN_TEXT, bearer, post_as, signed_in, token_for

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.moderation import services
from safedata.moderation.models import Suspension
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def spammer(make_user: Any) -> User:
    return make_user("spammer")


def _vote(user: User, document: Document, rating: str) -> None:
    cast_vote(document.pk, Voter(key=user.voter_key, user=user), rating)


def test_suspend_hides_uploads_and_takes_votes_out_then_reinstate_restores(
    spammer: User, member: User, make_document: Any, moderator: User
) -> None:
    own = [make_document(f"Spammer text {n} about gold.", owner=spammer) for n in range(2)]
    already_hidden = make_document("Spammer text hidden before, about silver.", owner=spammer)
    services.decide(already_hidden.pk, "hide", moderator, "Earlier.")
    rated = make_document("Someone else's text about copper.")
    _vote(spammer, rated, "unsafe")
    _vote(member, rated, "great")
    rated.refresh_from_db()
    assert (rated.votes_unsafe, rated.votes_great, rated.votes_total) == (1, 1, 2)

    response = post_as(
        moderator,
        f"/api/v1/moderation/users/{spammer.pk}/suspend",
        {"reason": "Vote manipulation."},
    )
    assert response.status_code == 200
    spammer.refresh_from_db()
    assert spammer.suspended_at is not None
    assert {Document.objects.get(pk=d.pk).visibility for d in own} == {Visibility.HIDDEN}
    rated.refresh_from_db()
    assert (rated.votes_unsafe, rated.votes_great, rated.votes_total) == (0, 1, 1)
    assert not Vote.objects.get(voter_key=spammer.voter_key).counted
    entry = AuditEntry.objects.get(action="user.suspended")
    assert entry.data == {"reason": "Vote manipulation.", "hidden": 2}

    services.reinstate_user(spammer.pk, moderator, "Appeal accepted.")
    spammer.refresh_from_db()
    assert spammer.suspended_at is None
    assert {Document.objects.get(pk=d.pk).visibility for d in own} == {Visibility.VISIBLE}
    already_hidden.refresh_from_db()
    assert (
        already_hidden.visibility == Visibility.HIDDEN
    )  # hidden by a decision, not the suspension
    rated.refresh_from_db()
    assert (rated.votes_unsafe, rated.votes_great, rated.votes_total) == (1, 1, 2)
    assert Vote.objects.get(voter_key=spammer.voter_key).counted
    assert Suspension.objects.get().lifted_at is not None
    assert AuditEntry.objects.filter(action="user.reinstated").count() == 1


def test_a_document_hidden_by_a_moderator_during_the_suspension_stays_hidden(
    spammer: User, make_document: Any, moderator: User
) -> None:
    document = make_document("Spammer text about iron.", owner=spammer)
    services.suspend_user(spammer.pk, moderator, "Spam.")
    services.decide(document.pk, "hide", moderator, "Spam indeed.")
    services.reinstate_user(spammer.pk, moderator)
    document.refresh_from_db()
    assert document.visibility == Visibility.HIDDEN


def test_suspended_member_cannot_upload_vote_or_report(suspended: User, clean: Document) -> None:
    client = signed_in(suspended)
    form = client.post("/upload/", {"text": "A new text about tin.", "license": "", "aup": "on"})
    assert form.status_code == 403
    assert "suspended" in form.content.decode()
    token = token_for(suspended)
    upload = Client().post(
        "/api/v1/documents",
        {"text": "A new text about tin."},
        content_type="application/json",
        **bearer(token),
    )
    assert upload.status_code == 403
    assert upload.json()["error"]["code"] == "account_suspended"
    vote = Client().post(
        f"/api/v1/documents/{clean.pk}/vote",
        {"rating": "great"},
        content_type="application/json",
        **bearer(token),
    )
    assert vote.status_code == 403
    assert vote.json()["error"]["code"] == "account_suspended"
    page_vote = client.post(
        f"/review/{clean.pk}/vote/", {"rating": "great"}, HTTP_HX_REQUEST="true"
    )
    assert page_vote.status_code == 403
    assert Document.objects.count() == 1
    assert not Vote.objects.exists()


def test_suspending_twice_or_reinstating_a_member_in_good_standing_is_409(
    spammer: User, moderator: User
) -> None:
    with pytest.raises(services.Conflict):
        services.reinstate_user(spammer.pk, moderator)
    services.suspend_user(spammer.pk, moderator, "Spam.")
    with pytest.raises(services.Conflict):
        services.suspend_user(spammer.pk, moderator, "Again.")
    with pytest.raises(services.ModerationError):
        services.suspend_user(spammer.pk + 100, moderator, "Nobody.")
    assert Suspension.objects.count() == 1


def test_the_moderator_page_suspends_and_reinstates(
    spammer: User, moderator: User, make_document: Any
) -> None:
    make_document(CLEAN_TEXT, owner=spammer)
    client = signed_in(moderator)
    assert (
        client.post(f"/moderation/users/{spammer.pk}/suspend/", {"reason": ""}).status_code == 400
    )
    response = client.post(
        f"/moderation/users/{spammer.pk}/suspend/", {"reason": "Spam."}, follow=True
    )
    assert "suspended since" in response.content.decode()
    response = client.post(
        f"/moderation/users/{spammer.pk}/reinstate/", {"reason": ""}, follow=True
    )
    assert "Member reinstated" in response.content.decode()
    assert Document.objects.get().visibility == Visibility.VISIBLE
