"""API v1 votes: CSRF for cookie callers, tokens exempt, every persona and error status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.api.conftest import assert_refused

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.voting.identity import COOKIE_NAME
from safedata.voting.models import Vote


def url(document: Document | int) -> str:
    pk = document if isinstance(document, int) else document.pk
    return f"/api/v1/documents/{pk}/vote"


def assert_no_votes(document: Document) -> None:
    assert not Vote.objects.exists()
    assert tallies(document) == (0, 0, 0, 0)


def tallies(document: Document) -> tuple[int, int, int, int]:
    document.refresh_from_db()
    return (
        document.votes_unsafe,
        document.votes_neutral,
        document.votes_great,
        document.votes_total,
    )


def test_anonymous_vote_without_csrf_is_403(
    post_json: Callable[..., Any], document: Document
) -> None:
    response = post_json(url(document), {"rating": "great"})
    assert_refused(response, 403, "csrf_failed")
    assert_no_votes(document)


def test_anonymous_vote_with_csrf_sets_cookie_and_revote_replaces(
    post_json: Callable[..., Any], client: Client, document: Document
) -> None:
    first = post_json(url(document), {"rating": "great"}, csrf=True)
    assert first.status_code == 200
    assert first.json()["consensus"]["votes"] == {"unsafe": 0, "neutral": 0, "great": 1}
    assert first.cookies[COOKIE_NAME]["httponly"]
    voter_key = Vote.objects.get().voter_key
    assert voter_key.startswith("a:")

    second = post_json(url(document), {"rating": "unsafe"}, csrf=True)
    assert second.status_code == 200
    assert COOKIE_NAME not in second.cookies  # the same voter, recognised by its cookie
    assert second.json()["consensus"]["votes"] == {"unsafe": 1, "neutral": 0, "great": 0}
    assert list(Vote.objects.values_list("voter_key", "rating")) == [(voter_key, "unsafe")]
    assert tallies(document) == (1, 0, 0, 1)


def test_forged_voter_cookie_is_a_new_voter(
    post_json: Callable[..., Any], client: Client, document: Document
) -> None:
    client.cookies[COOKIE_NAME] = "someone-else"
    response = post_json(url(document), {"rating": "neutral"}, csrf=True)
    assert response.status_code == 200
    assert Vote.objects.get().voter_key != "a:someone-else"


def test_member_session_vote_needs_csrf(
    post_json: Callable[..., Any], client: Client, member: User, document: Document
) -> None:
    client.force_login(member)
    assert post_json(url(document), {"rating": "great"}).status_code == 403
    response = post_json(url(document), {"rating": "great"}, csrf=True)
    assert response.status_code == 200
    vote = Vote.objects.get()
    assert (vote.voter_key, vote.user) == (f"u:{member.pk}", member)
    assert AuditEntry.objects.filter(action="vote.cast", actor=member).count() == 1


def test_token_vote_is_csrf_exempt(
    post_json: Callable[..., Any], member: User, member_token: str, document: Document
) -> None:
    response = post_json(url(document), {"rating": "neutral"}, token=member_token)
    assert response.status_code == 200
    assert response.json() == {
        "document_id": document.pk,
        "rating": "neutral",
        "consensus": response.json()["consensus"],
    }
    assert Vote.objects.get().user == member
    assert COOKIE_NAME not in response.cookies


def test_moderator_votes_like_a_member(
    post_json: Callable[..., Any], client: Client, moderator: User, document: Document
) -> None:
    client.force_login(moderator)
    assert post_json(url(document), {"rating": "unsafe"}, csrf=True).status_code == 200
    assert tallies(document) == (1, 0, 0, 1)


def test_uploader_cannot_vote_on_own_document(
    post_json: Callable[..., Any],
    client: Client,
    uploader: User,
    uploader_token: str,
    document: Document,
) -> None:
    by_token = post_json(url(document), {"rating": "great"}, token=uploader_token)
    assert_refused(by_token, 403, "own_document")
    client.force_login(uploader)
    by_session = post_json(url(document), {"rating": "great"}, csrf=True)
    assert_refused(by_session, 403, "own_document")
    assert_no_votes(document)


def test_revoked_token_vote_is_401_not_anonymous(
    post_json: Callable[..., Any], revoked_token: str, document: Document
) -> None:
    response = post_json(url(document), {"rating": "great"}, token=revoked_token, csrf=True)
    assert_refused(response, 401, "invalid_token")
    assert not Vote.objects.exists()


def test_vote_on_hidden_or_unknown_document_is_404(
    post_json: Callable[..., Any], member_token: str, document: Document
) -> None:
    document.visibility = Visibility.HELD
    document.save(update_fields=["visibility"])
    for target in (document, 987654):
        response = post_json(url(target), {"rating": "great"}, token=member_token)
        assert_refused(response, 404, "not_found")
    assert not Vote.objects.exists()


@pytest.mark.parametrize("body", [{"rating": "awful"}, {"rating": None}, {}, {"rating": 1}])
def test_invalid_rating_is_400(
    post_json: Callable[..., Any], member_token: str, document: Document, body: dict[str, Any]
) -> None:
    response = post_json(url(document), body, token=member_token)
    assert response.status_code == 400
    assert "rating" in response.json()["error"]["message"]
    assert not Vote.objects.exists()


def test_form_encoded_vote_is_415(client: Client, member_token: str, document: Document) -> None:
    response = client.post(
        url(document), {"rating": "great"}, headers={"Authorization": f"Bearer {member_token}"}
    )
    assert response.status_code == 415
    assert not Vote.objects.exists()


def test_oversized_vote_body_is_413(client: Client, member_token: str, document: Document) -> None:
    body = json.dumps({"rating": "great", "padding": "x" * 5000})
    response = client.post(
        url(document),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert response.status_code == 413
    assert not Vote.objects.exists()


def test_rate_limited_voter_gets_429_with_retry_after(
    post_json: Callable[..., Any],
    member_token: str,
    make_document: Callable[..., Document],
    settings: Any,
) -> None:
    settings.SAFEDATA_VOTE_RATE_LIMIT = "3/h"
    documents = [make_document() for _ in range(4)]
    for document in documents[:3]:
        assert post_json(url(document), {"rating": "great"}, token=member_token).status_code == 200
    response = post_json(url(documents[3]), {"rating": "great"}, token=member_token)
    assert_refused(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert Vote.objects.count() == 3


def test_dropping_the_voter_cookie_does_not_escape_the_limit(
    make_document: Callable[..., Document], settings: Any
) -> None:
    settings.SAFEDATA_IDENTITY_RATE_LIMIT = "3/h"
    document = make_document()
    statuses = []
    for _ in range(5):
        fresh = Client(enforce_csrf_checks=True)  # no sd_voter cookie: a new voter each time
        fresh.get("/api/v1/csrf")
        response = fresh.post(
            url(document),
            json.dumps({"rating": "great"}),
            content_type="application/json",
            headers={"X-CSRFToken": fresh.cookies["csrftoken"].value},
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert Vote.objects.count() == 3
