"""The profile page: a member's own uploads with their consensus, and their own votes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.documents.models import Document, Visibility
from safedata.voting.identity import Voter
from safedata.voting.services import cast_vote

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def vote(user: User, document: Document, rating: str) -> None:
    cast_vote(document.pk, Voter(key=user.voter_key, user=user), rating)


@pytest.fixture
def rated(make_document: Callable[..., Any], make_user: Callable[..., Any]) -> Document:
    """The uploader's document, settled as great by three voters."""
    document = make_document(
        "Explaining the difference between hashing and encryption.", title="Hashing vs encryption"
    )
    for n in range(3):
        vote(make_user(f"voter{n}"), document, "great")
    document.refresh_from_db()
    return document


def test_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_uploader_sees_their_uploads_with_consensus(uploader: User, rated: Document) -> None:
    response = signed_in(uploader).get("/accounts/profile/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your uploads (1)" in html
    assert f'href="/documents/{rated.pk}/">Hashing vs encryption</a>' in html
    assert '<span class="badge badge-great">Great</span>' in html
    assert "Settled" in html


def test_member_sees_their_votes_not_other_uploads(
    member: User, rated: Document, make_document: Callable[..., Any]
) -> None:
    unvoted = make_document("A document the member never voted on, about backups.")
    vote(member, rated, "unsafe")
    html = signed_in(member).get("/accounts/profile/").content.decode()
    assert "Your uploads (0)" in html
    assert "You have not uploaded anything yet." in html
    assert "Your votes (1)" in html
    assert '<span class="badge badge-unsafe">Unsafe</span>' in html
    assert "Hashing vs encryption" in html
    assert unvoted.display_title not in html


def test_moderator_sees_only_their_own_activity(moderator: User, rated: Document) -> None:
    html = signed_in(moderator).get("/accounts/profile/").content.decode()
    assert "Your uploads (0)" in html
    assert "Your votes (0)" in html
    assert "Hashing vs encryption" not in html


def test_hidden_upload_stays_listed_for_its_uploader(uploader: User, rated: Document) -> None:
    rated.visibility = Visibility.HIDDEN
    rated.save(update_fields=["visibility"])
    html = signed_in(uploader).get("/accounts/profile/").content.decode()
    assert "Hidden by a moderator" in html


def test_vote_on_a_withdrawn_document_shows_no_title(member: User, rated: Document) -> None:
    vote(member, rated, "neutral")
    rated.visibility = Visibility.REMOVED
    rated.save(update_fields=["visibility"])
    html = signed_in(member).get("/accounts/profile/").content.decode()
    assert "A document that is no longer public" in html
    assert "Hashing vs encryption" not in html


def test_uploads_are_paginated(uploader: User, make_document: Callable[..., Any]) -> None:
    for n in range(27):
        make_document(f"Upload number {n} with enough words to be a document.")
    client = signed_in(uploader)
    first = client.get("/accounts/profile/").content.decode()
    assert "Your uploads (27)" in first
    assert "Page 1 of 2" in first
    second = client.get("/accounts/profile/", {"uploads_page": 2}).content.decode()
    assert second.count(">Upload number ") == 2
    assert "Page 2 of 2" in second


def test_profile_links_to_api_tokens_and_password(client: Any, member: User) -> None:
    client.force_login(member)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/tokens/"' in page
    assert 'href="/accounts/password/change/"' in page
