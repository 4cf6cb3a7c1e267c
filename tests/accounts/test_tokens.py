"""Token pages: create (raw value shown once), list, revoke; owner only, CSRF, audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import ApiToken, User, hash_token
from safedata.accounts.token_services import MAX_ACTIVE_TOKENS
from safedata.audit.models import AuditEntry

PAGE = "/accounts/tokens/"


def revoke_url(token: ApiToken) -> str:
    return f"/accounts/tokens/{token.pk}/revoke/"


def raw_token_in(html: str) -> str:
    match = re.search(r'id="raw-token">(sdt_[\w-]+)<', html)
    assert match is not None, "the new token is not on the page"
    return match.group(1)


@pytest.fixture
def signed_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.post(PAGE, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_create_shows_raw_token_once_and_stores_only_its_hash(
    signed_in: Client, member: User
) -> None:
    response = signed_in.post(PAGE, {"name": "notebook"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = raw_token_in(response.content.decode())
    token = ApiToken.objects.get(user=member)
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.token_hash, token.prefix, token.name}
    entry = AuditEntry.objects.get(action="token.created")
    assert (entry.actor, entry.target_id) == (member, str(token.pk))
    assert raw not in str(entry.data)

    listing = signed_in.get(PAGE).content.decode()
    assert raw not in listing
    assert "notebook" in listing
    assert token.prefix in listing
    assert "never" in listing  # last used
    assert ApiToken.authenticate(raw) == member


def test_created_token_works_against_the_api(signed_in: Client, document: Any) -> None:
    raw = raw_token_in(signed_in.post(PAGE, {"name": "script"}).content.decode())
    response = Client().get(
        f"/api/v1/documents/{document.pk}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_invalid_name_is_refused(signed_in: Client, name: str) -> None:
    response = signed_in.post(PAGE, {"name": name})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_active_tokens_are_capped(signed_in: Client, member: User) -> None:
    for n in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(member, f"t{n}")
    response = signed_in.post(PAGE, {"name": "one too many"})
    assert response.status_code == 400
    assert "revoke one first" in response.content.decode()
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS


def test_owner_revokes_and_the_token_stops_working(signed_in: Client, member: User) -> None:
    token, raw = ApiToken.issue(member, "old")
    response = signed_in.post(revoke_url(token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.authenticate(raw) is None
    assert AuditEntry.objects.filter(action="token.revoked", actor=member).count() == 1
    again = signed_in.post(revoke_url(token))  # revoking twice changes nothing
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1
    assert "revoked" in signed_in.get(PAGE).content.decode()
    api = Client().get("/api/v1/documents", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 401


@pytest.mark.parametrize("persona", ["uploader", "moderator"])
def test_others_cannot_revoke_or_see_a_token(
    client: Client, member: User, persona: str, request: pytest.FixtureRequest
) -> None:
    token, _ = ApiToken.issue(member, "private-name")
    client.force_login(request.getfixturevalue(persona))
    assert client.post(revoke_url(token)).status_code == 404
    assert "private-name" not in client.get(PAGE).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post_and_csrf(member: User) -> None:
    token, _ = ApiToken.issue(member, "t")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get(revoke_url(token)).status_code == 405
    assert browser.post(revoke_url(token)).status_code == 403
    assert browser.post(PAGE, {"name": "no csrf"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_unknown_token_id_is_404(signed_in: Client) -> None:
    assert signed_in.post("/accounts/tokens/999999/revoke/").status_code == 404


def test_page_has_copy_button(signed_in: Client) -> None:
    html = signed_in.post(PAGE, {"name": "copy"}).content.decode()
    assert 'data-copy="raw-token"' in html
    assert "js/copy.js" in html
