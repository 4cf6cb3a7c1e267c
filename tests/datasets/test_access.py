"""Who may do what with the dataset, for every persona."""

from __future__ import annotations

from typing import Any

import pytest
from dataset_helpers import bearer, body
from django.test import Client

from safedata.datasets import services
from safedata.datasets.models import Snapshot

DATA_FILE = "/api/v1/snapshots/v1/files/data/documents.parquet"


@pytest.fixture
def published(corpus: dict[str, Any]) -> Snapshot:
    return services.build_snapshot("v1")


def test_anonymous_may_preview_but_not_download(client: Client, corpus: dict[str, Any]) -> None:
    assert client.get("/api/v1/dataset/preview").status_code == 200
    response = client.get("/api/v1/dataset?format=parquet")
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert "Authorization: Bearer" in message
    assert "account page" in message


def test_member_session_may_download(client: Client, member: Any, corpus: dict[str, Any]) -> None:
    client.force_login(member)
    response = client.get("/api/v1/dataset?format=jsonl")
    assert response.status_code == 200
    assert body(response).count(b"\n") == 4


def test_uploader_may_download(client: Client, uploader: Any, corpus: dict[str, Any]) -> None:
    client.force_login(uploader)
    assert client.get("/api/v1/dataset").status_code == 200


def test_token_may_download(client: Client, member_token: str, corpus: dict[str, Any]) -> None:
    assert client.get("/api/v1/dataset", **bearer(member_token)).status_code == 200


def test_revoked_or_unknown_token_is_401(
    client: Client, revoked_token: str, corpus: dict[str, Any]
) -> None:
    for token in (revoked_token, "sdt_not-a-real-token"):
        response = client.get("/api/v1/dataset", **bearer(token))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"


def test_token_in_url_is_refused(client: Client, member_token: str, member: Any) -> None:
    client.force_login(member)
    response = client.get(f"/api/v1/dataset?token={member_token}")
    assert response.status_code == 400
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_snapshot_data_files_need_an_account_but_card_and_manifest_do_not(
    client: Client, published: Snapshot, member_token: str, revoked_token: str
) -> None:
    assert client.get("/api/v1/snapshots/v1/files/README.md").status_code == 200
    assert client.get("/api/v1/snapshots/v1/files/manifest.json").status_code == 200
    assert client.get("/api/v1/snapshots").status_code == 200
    assert client.get(DATA_FILE).status_code == 401
    assert client.get(DATA_FILE, **bearer(revoked_token)).status_code == 401
    assert client.get(DATA_FILE, **bearer(member_token)).status_code == 200


def test_api_snapshot_creation_is_staff_only_and_conflicts_are_409(
    client: Client, corpus: dict[str, Any], member_token: str, moderator_token: str
) -> None:
    payload = {"data": {"version": "v9"}, "content_type": "application/json"}
    assert client.post("/api/v1/snapshots", **payload).status_code == 401
    assert client.post("/api/v1/snapshots", **payload, **bearer(member_token)).status_code == 403
    created = client.post("/api/v1/snapshots", **payload, **bearer(moderator_token))
    assert created.status_code == 201
    assert created.json()["version"] == "v9"
    assert created.json()["row_count"] == 4
    again = client.post("/api/v1/snapshots", **payload, **bearer(moderator_token))
    assert again.status_code == 409
    assert "never changed or overwritten" in again.json()["error"]["message"]
    bad = client.post(
        "/api/v1/snapshots",
        data={"version": "../x"},
        content_type="application/json",
        **bearer(moderator_token),
    )
    assert bad.status_code == 400


def test_staff_button_publishes_a_snapshot(
    client: Client, moderator: Any, corpus: dict[str, Any]
) -> None:
    client.force_login(moderator)
    page = client.get("/dataset/snapshots/")
    assert b"Publish a snapshot now" in page.content
    token = page.cookies["csrftoken"].value
    response = client.post("/dataset/snapshots/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    snapshot = Snapshot.objects.get()
    listing = client.get("/dataset/snapshots/")
    assert snapshot.version.encode() in listing.content
    assert snapshot.manifest["files"][0]["sha256"].encode() in listing.content


def test_snapshot_button_needs_csrf(client: Client, moderator: Any, corpus: dict[str, Any]) -> None:
    client.force_login(moderator)
    assert client.post("/dataset/snapshots/").status_code == 403
    assert not Snapshot.objects.exists()


def test_members_and_anonymous_cannot_publish(
    client: Client, member: Any, corpus: dict[str, Any]
) -> None:
    page = client.get("/dataset/snapshots/")
    assert b"Publish a snapshot now" not in page.content
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else "x" * 32
    anonymous = client.post("/dataset/snapshots/", HTTP_X_CSRFTOKEN=token)
    assert anonymous.status_code in (302, 403)
    client.force_login(member)
    page = client.get("/dataset/snapshots/")
    forbidden = client.post("/dataset/snapshots/", HTTP_X_CSRFTOKEN=page.cookies["csrftoken"].value)
    assert forbidden.status_code == 403
    assert not Snapshot.objects.exists()


def test_dataset_page_shows_preview_and_tells_anonymous_how_to_get_access(
    client: Client, corpus: dict[str, Any]
) -> None:
    page = client.get("/dataset/")
    assert page.status_code == 200
    html = page.content.decode()
    assert corpus["great"].text[:40] in html
    assert corpus["hidden"].text[:30] not in html
    assert "needs a free account" in html
    assert "/api/v1/dataset?format=parquet" not in html


def test_dataset_page_offers_downloads_to_members(
    client: Client, member: Any, corpus: dict[str, Any]
) -> None:
    client.force_login(member)
    html = client.get("/dataset/?label=great&min_votes=3").content.decode()
    assert "/api/v1/dataset?format=parquet&amp;label=great&amp;min_votes=3" in html
    assert "/api/v1/exports/sft?split=train" in html
    assert corpus["neutral"].text[:30] not in html


def test_dataset_page_reports_bad_filters_without_crashing(client: Client, db: None) -> None:
    page = client.get("/dataset/?label=good&min_confidence=7")
    assert page.status_code == 400
    assert b"accepted values: unsafe, neutral, great" in page.content
