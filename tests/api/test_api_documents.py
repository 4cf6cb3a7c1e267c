"""API v1 documents: upload, read, list; every persona and every error status."""

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

URL = "/api/v1/documents"
TEXT = "How to rotate database credentials without downtime, step by step."


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hide(document: Document) -> None:
    document.visibility = Visibility.HIDDEN
    document.save(update_fields=["visibility"])


# Upload


def test_token_upload_creates_document(
    post_json: Callable[..., Any], member: User, member_token: str
) -> None:
    response = post_json(
        URL,
        {
            "text": f"  {TEXT}\r\n",
            "title": "Rotation",
            "license": "CC0-1.0",
            "source_url": "https://example.org/a",
        },
        token=member_token,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["duplicate"] is False
    assert body["text"] == TEXT
    assert body["consensus"] == {
        "label": "neutral",
        "score": 0.0,
        "score_interval": [-1.0, 1.0],
        "confidence": 0.0,
        "status": "needs_votes",
        "votes": {"unsafe": 0, "neutral": 0, "great": 0},
        "effective_votes": 0.0,
        "uncounted": 0,
    }
    assert body["model_prediction"] is None
    document = Document.objects.get(pk=body["id"])
    assert document.uploader == member
    assert document.license == "CC0-1.0"
    assert body["language"] == "en"  # detected, as for the upload form
    entry = AuditEntry.objects.get(action="document.uploaded", target_id=str(document.pk))
    assert entry.actor == member
    assert entry.data == {"aup_accepted": True, "via": "api"}


def test_exact_duplicate_answers_200_with_existing(
    post_json: Callable[..., Any], document: Document, member_token: str
) -> None:
    response = post_json(URL, {"text": document.text + "\n"}, token=member_token)
    assert response.status_code == 200
    assert response.json()["id"] == document.pk
    assert response.json()["duplicate"] is True
    assert Document.objects.count() == 1


def test_duplicate_of_withdrawn_document_is_409(
    post_json: Callable[..., Any], document: Document, member_token: str
) -> None:
    hide(document)
    response = post_json(URL, {"text": document.text}, token=member_token)
    assert_refused(response, 409, "duplicate_unavailable")
    assert TEXT not in response.content.decode()


def test_session_upload_needs_csrf(
    post_json: Callable[..., Any], client: Client, member: User
) -> None:
    client.force_login(member)
    refused = post_json(URL, {"text": TEXT})
    assert_refused(refused, 403, "csrf_failed")
    assert not Document.objects.exists()
    accepted = post_json(URL, {"text": TEXT}, csrf=True)
    assert accepted.status_code == 201


@pytest.mark.parametrize("header", ["Bearer ", "Basic abc", "Token sdt_x"])
def test_malformed_authorization_is_401(client: Client, db: None, header: str) -> None:
    response = client.post(
        URL,
        json.dumps({"text": TEXT}),
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert not Document.objects.exists()


def test_anonymous_upload_is_401(post_json: Callable[..., Any], db: None) -> None:
    response = post_json(URL, {"text": TEXT}, csrf=True)
    assert_refused(response, 401, "unauthorized")
    assert not Document.objects.exists()


def test_revoked_token_upload_is_401(post_json: Callable[..., Any], revoked_token: str) -> None:
    response = post_json(URL, {"text": TEXT}, token=revoked_token)
    assert_refused(response, 401, "invalid_token")
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"text": "   \n "}, "empty"),
        ({"text": "a\x00b"}, "NUL"),
        ({"text": TEXT, "license": "WTFPL"}, "'CC0-1.0'"),
        ({"text": TEXT, "source_url": "javascript:alert(1)"}, "source_url"),
        ({"text": TEXT, "source_url": "https://exa mple"}, "source_url"),
        ({"title": "no text"}, "text"),
        ({"text": 12}, "text"),
        ({"text": TEXT, "title": "x" * 301}, "title"),
    ],
)
def test_invalid_upload_is_400_with_message(
    post_json: Callable[..., Any], member_token: str, body: dict[str, Any], needle: str
) -> None:
    response = post_json(URL, body, token=member_token)
    assert response.status_code == 400
    assert needle in response.json()["error"]["message"]
    assert not Document.objects.exists()


def test_malformed_json_is_400(client: Client, member_token: str) -> None:
    response = client.post(
        URL, "{not json", content_type="application/json", headers=auth(member_token)
    )
    assert_refused(response, 400, "invalid_json")


def test_text_over_character_limit_is_413(
    post_json: Callable[..., Any], member_token: str, settings: Any
) -> None:
    settings.SAFEDATA_MAX_DOCUMENT_CHARS = 100
    response = post_json(URL, {"text": "x" * 101}, token=member_token)
    assert_refused(response, 413, "payload_too_large")
    assert post_json(URL, {"text": "y" * 100}, token=member_token).status_code == 201


def test_body_over_byte_limit_is_413(
    post_json: Callable[..., Any], member_token: str, settings: Any
) -> None:
    settings.SAFEDATA_MAX_UPLOAD_BYTES = 2048
    response = post_json(URL, {"text": "z" * 3000}, token=member_token)
    assert response.status_code == 413
    assert not Document.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_non_json_body_is_415(client: Client, member_token: str, content_type: str) -> None:
    response = client.post(
        URL, json.dumps({"text": TEXT}), content_type=content_type, headers=auth(member_token)
    )
    assert_refused(response, 415, "unsupported_media_type")
    assert not Document.objects.exists()


def test_upload_rate_limit_is_429(
    post_json: Callable[..., Any], member_token: str, settings: Any
) -> None:
    # Fixed windows: with an hour, a reset in mid-test is unlikely.
    settings.SAFEDATA_UPLOAD_RATE_LIMIT = "2/h"
    for n in range(2):
        assert post_json(URL, {"text": f"{TEXT} {n}"}, token=member_token).status_code == 201
    response = post_json(URL, {"text": f"{TEXT} 3"}, token=member_token)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Document.objects.count() == 2


# Read one


@pytest.mark.parametrize("persona", ["anonymous", "member", "uploader", "moderator"])
def test_every_persona_reads_a_visible_document(
    client: Client, document: Document, persona: str, request: pytest.FixtureRequest
) -> None:
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    document.votes_great, document.votes_total, document.score = 2, 2, 0.5
    document.model_label, document.model_score, document.model_version = "great", 0.9, "v1"
    document.save()
    response = client.get(f"{URL}/{document.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == document.pk
    assert body["content_sha256"] == document.content_sha256
    assert body["consensus"]["votes"] == {"unsafe": 0, "neutral": 0, "great": 2}
    assert body["consensus"]["score"] == 0.5
    assert body["model_prediction"] == {
        "label": "great",
        "score": 0.9,
        "confidence": None,
        "version": "v1",
    }


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_hidden_document_is_404_for_everyone_but_uploader_and_moderators(
    client: Client, document: Document, persona: str, request: pytest.FixtureRequest
) -> None:
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    hide(document)
    response = client.get(f"{URL}/{document.pk}")
    assert_refused(response, 404, "not_found")


@pytest.mark.parametrize("persona", ["uploader", "moderator"])
def test_hidden_document_is_open_to_its_uploader_and_moderators(
    client: Client, document: Document, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    hide(document)
    response = client.get(f"{URL}/{document.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == document.pk


def test_token_reads_and_revoked_token_is_refused(
    client: Client, document: Document, member_token: str, revoked_token: str
) -> None:
    assert client.get(f"{URL}/{document.pk}", headers=auth(member_token)).status_code == 200
    refused = client.get(f"{URL}/{document.pk}", headers=auth(revoked_token))
    assert_refused(refused, 401, "invalid_token")


@pytest.mark.parametrize("document_id", ["999999", "abc", "99999999999999999999"])
def test_unknown_document_is_a_json_error(client: Client, db: None, document_id: str) -> None:
    response = client.get(f"{URL}/{document_id}")
    assert response.status_code in {400, 404}
    assert "error" in response.json()


# List


def ids(response: Any) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_list_is_newest_first_and_public_only(
    client: Client, make_document: Callable[..., Document]
) -> None:
    first, second, hidden = make_document(), make_document(), make_document()
    hide(hidden)
    response = client.get(URL)
    assert response.status_code == 200
    assert ids(response) == [second.pk, first.pk]
    assert response.json()["next"] is None


def test_list_filters(client: Client, make_document: Callable[..., Document]) -> None:
    plain = make_document(language="en")
    unsafe = make_document(language="de")
    Document.objects.filter(pk=unsafe.pk).update(
        label="unsafe", status="settled", votes_unsafe=5, votes_total=5, score=-0.9
    )
    assert ids(client.get(URL, {"label": "unsafe"})) == [unsafe.pk]
    assert ids(client.get(URL, {"status": "needs_votes"})) == [plain.pk]
    assert ids(client.get(URL, {"min_votes": 5})) == [unsafe.pk]
    assert ids(client.get(URL, {"language": "en"})) == [plain.pk]
    assert ids(client.get(URL, {"sort": "score"})) == [unsafe.pk, plain.pk]
    assert ids(client.get(URL, {"sort": "-score"})) == [plain.pk, unsafe.pk]


@pytest.mark.parametrize(
    ("params", "accepted"),
    [
        ({"label": "bad"}, "'unsafe', 'neutral' or 'great'"),
        ({"status": "done"}, "'needs_votes', 'settled' or 'contested'"),
        ({"sort": "oldest"}, "'recent', 'score' or '-score'"),
        ({"min_votes": "-1"}, "min_votes"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_invalid_filter_is_400_naming_accepted_values(
    client: Client, db: None, params: dict[str, str], accepted: str
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 400
    assert accepted in response.json()["error"]["message"]


@pytest.mark.parametrize("sort", ["recent", "score", "-score"])
def test_cursor_walks_every_document_once_despite_inserts(
    client: Client, make_document: Callable[..., Document], sort: str
) -> None:
    made = [make_document() for _ in range(7)]
    # Ties on the sort key: the id breaks them, so no row is skipped or repeated.
    Document.objects.filter(pk__in=[d.pk for d in made[:4]]).update(score=0.25)
    seen: list[int] = []
    response = client.get(URL, {"sort": sort, "limit": 3})
    while True:
        seen += ids(response)
        make_document()  # an insert between pages must not shift the walk
        next_url = response.json()["next"]
        if next_url is None:
            break
        assert response.json()["next_cursor"] in next_url
        response = client.get(next_url)
        assert response.status_code == 200
    assert len(seen) == len(set(seen))
    assert {d.pk for d in made} <= set(seen)


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "WyJzY29yZSIsIDAuNSwgMV0"])
def test_bad_cursor_is_400(client: Client, db: None, cursor: str) -> None:
    # The last one is a valid cursor for sort=score, used with sort=recent.
    response = client.get(URL, {"cursor": cursor})
    assert_refused(response, 400, "invalid_cursor")


def test_list_with_revoked_token_is_401(client: Client, revoked_token: str) -> None:
    assert client.get(URL, headers=auth(revoked_token)).status_code == 401


def test_csrf_endpoint_sets_cookie(client: Client, db: None) -> None:
    response = client.get("/api/v1/csrf")
    assert response.status_code == 200
    assert response.cookies["csrftoken"].value
    assert response.json()["csrftoken"]


def test_openapi_lists_v1_endpoints(client: Client, db: None) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/vote",
        "/api/v1/csrf",
    } <= set(paths)
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize("persona", ["anonymous", "member", "uploader", "moderator"])
def test_every_persona_lists_the_same_public_documents(
    client: Client,
    make_document: Callable[..., Document],
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    shown, hidden = make_document(), make_document()
    hide(hidden)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    assert ids(client.get(URL)) == [shown.pk]


@pytest.mark.parametrize("persona", ["uploader", "moderator"])
def test_members_of_every_role_upload_with_a_token(
    post_json: Callable[..., Any],
    issue_token: Callable[[User], str],
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    user = request.getfixturevalue(persona)
    response = post_json(URL, {"text": f"{TEXT} by {persona}"}, token=issue_token(user))
    assert response.status_code == 201
    assert Document.objects.get(pk=response.json()["id"]).uploader == user
