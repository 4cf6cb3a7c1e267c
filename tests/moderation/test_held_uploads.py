"""Held uploads: flagged texts are stored held with their reasons and are invisible on every
public path (pages, API, review queue, downloads, snapshots, SFT export) until a decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.moderation.conftest import (
    CARD_TEXT,
    CLEAN_TEXT,
    EMAIL_TEXT,
    bearer,
    post_as,
    rate_great,
    signed_in,
    token_for,
)

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.datasets import services as datasets
from safedata.datasets.exporters.sft import SftOptions, export_sft
from safedata.documents.models import Document, Visibility
from safedata.documents.services import bulk_upload
from safedata.moderation import services
from safedata.moderation.models import Hold
from safedata.screening.policy import PolicySettings
from safedata.voting.identity import Voter
from safedata.voting.queue import next_document

pytestmark = pytest.mark.django_db


def test_flagged_upload_is_held_with_its_reasons_and_an_audit_entry(held: Document) -> None:
    hold = Hold.objects.get(document=held)
    assert held.visibility == Visibility.HELD
    assert hold.cause == Hold.Cause.SCREENING
    assert hold.severity == 3
    assert [row["check"] for row in hold.findings] == ["pii.payment_card"]
    assert hold.findings[0]["count"] == 1
    assert "4111" not in json.dumps(hold.findings)  # reasons, never the matched text
    entry = AuditEntry.objects.get(action="document.held")
    assert entry.target_id == str(held.pk)
    assert entry.data == {"cause": "screening", "checks": ["pii.payment_card"]}


def test_clean_upload_is_published_at_once(clean: Document) -> None:
    assert clean.visibility == Visibility.VISIBLE
    assert not Hold.objects.exists()


def test_a_switched_off_check_does_not_hold(settings: Any, upload: Callable[..., Any]) -> None:
    settings.SAFEDATA_POLICY = PolicySettings(disabled=frozenset({"pii.email"}))
    assert upload(EMAIL_TEXT).document.visibility == Visibility.VISIBLE
    assert upload(CARD_TEXT).document.visibility == Visibility.HELD


def test_upload_form_tells_the_uploader_why_and_shows_the_held_page(uploader: User) -> None:
    client = signed_in(uploader)
    response = client.post(
        "/upload/", {"text": CARD_TEXT, "license": "", "aup": "on", "language": ""}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "held for a moderator" in page
    assert "pii.payment_card" in page
    assert "Edit the text" in page
    assert Document.objects.get().visibility == Visibility.HELD


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_held_page_and_api_are_404_to_others(
    persona: str, held: Document, member: User, client: Client
) -> None:
    caller = client if persona == "anonymous" else signed_in(member)
    assert caller.get(f"/documents/{held.pk}/").status_code == 404
    response = caller.get(f"/api/v1/documents/{held.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("persona", ["uploader", "moderator", "group_moderator"])
def test_held_page_and_api_open_to_uploader_and_moderators(
    persona: str, held: Document, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(persona)
    page = signed_in(user).get(f"/documents/{held.pk}/")
    assert page.status_code == 200
    assert "Held for a moderator" in page.content.decode()
    api = Client().get(f"/api/v1/documents/{held.pk}", **bearer(token_for(user)))
    assert api.status_code == 200
    assert api.json()["id"] == held.pk


def test_held_documents_are_on_no_public_list(
    held: Document, clean: Document, member: User, client: Client
) -> None:
    browse = client.get("/documents/").content.decode()
    assert f"/documents/{clean.pk}/" in browse
    assert f"/documents/{held.pk}/" not in browse
    listed = client.get("/api/v1/documents").json()["items"]
    assert [item["id"] for item in listed] == [clean.pk]
    voter = Voter(key=member.voter_key, user=member)
    assert next_document(voter) == clean
    assert next_document(voter, exclude_ids=[clean.pk]) is None


def test_votes_on_a_held_document_are_refused(held: Document, member: User) -> None:
    client = signed_in(member)
    response = client.post(
        f"/api/v1/documents/{held.pk}/vote", {"rating": "great"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert "No visible document" in response.json()["error"]["message"]
    held.refresh_from_db()
    assert held.votes_total == 0


def test_held_documents_are_in_no_download_snapshot_or_export(
    held: Document, clean: Document, member: User, moderator: User, tmp_path: Path
) -> None:
    rate_great(held, clean)
    download = Client().get("/api/v1/dataset?format=jsonl", **bearer(token_for(member)))
    body = b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]
    ids = {json.loads(line)["id"] for line in body.splitlines()}
    assert ids == {clean.pk}
    snapshot = datasets.build_snapshot("2026.12.01", actor=moderator)
    assert snapshot.row_count == 1
    assert set(snapshot.rows.values_list("document_id", flat=True)) == {clean.pk}
    export_sft(tmp_path / "sft", SftOptions(min_votes=0, min_confidence=0.0, val_percent=0))
    exported = (tmp_path / "sft" / "train.jsonl").read_text()
    assert CLEAN_TEXT in exported
    assert CARD_TEXT not in exported


def test_bulk_upload_reports_held_lines_one_by_one(uploader: User) -> None:
    lines = [{"text": CLEAN_TEXT}, {"text": EMAIL_TEXT}, {"text": CARD_TEXT}]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    report = bulk_upload(data, uploader, aup_accepted=True)
    assert [row.held for row in report.rows] == [False, True, True]
    assert report.accepted == 3
    assert report.held == 2
    assert "e-mail" in report.rows[1].reason.lower() or "email" in report.rows[1].reason.lower()
    assert report.rows[2].reason.startswith("Held for a moderator: ")
    held_docs = Document.objects.filter(visibility=Visibility.HELD)
    assert held_docs.count() == 2
    assert Hold.objects.filter(document__in=held_docs).count() == 2
    assert AuditEntry.objects.filter(action="document.held").count() == 2


def test_bulk_page_shows_held_lines(uploader: User) -> None:
    data = (json.dumps({"text": CLEAN_TEXT}) + "\n" + json.dumps({"text": CARD_TEXT})).encode()
    client = signed_in(uploader)
    response = client.post(
        "/upload/bulk/",
        {"file": SimpleUploadedFile("docs.jsonl", data), "aup": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 of the accepted held for a moderator" in page
    assert "Held for a moderator:" in page


def test_uploader_edit_reruns_the_checks_and_publishes(held: Document, uploader: User) -> None:
    client = signed_in(uploader)
    still = client.post(f"/documents/{held.pk}/revise/", {"text": EMAIL_TEXT}, follow=True)
    assert "still find something" in still.content.decode()
    held.refresh_from_db()
    assert held.visibility == Visibility.HELD
    assert [row["check"] for row in Hold.objects.get(document=held).findings] == ["pii.email"]
    fixed = client.post(f"/documents/{held.pk}/revise/", {"text": CLEAN_TEXT}, follow=True)
    assert "it is published" in fixed.content.decode()
    held.refresh_from_db()
    assert held.visibility == Visibility.VISIBLE
    assert held.text == CLEAN_TEXT
    assert Hold.objects.get(document=held).outcome == "revised"
    assert AuditEntry.objects.filter(action="document.revised").count() == 2


def test_edit_is_the_uploaders_only(held: Document, member: User, client: Client) -> None:
    assert (
        signed_in(member).post(f"/documents/{held.pk}/revise/", {"text": CLEAN_TEXT}).status_code
        == 404
    )
    assert client.get(f"/documents/{held.pk}/revise/").status_code == 404
    held.refresh_from_db()
    assert held.text == CARD_TEXT


def test_edit_to_a_text_already_on_the_site_is_refused(
    held: Document, clean: Document, uploader: User
) -> None:
    response = signed_in(uploader).post(f"/documents/{held.pk}/revise/", {"text": CLEAN_TEXT})
    assert response.status_code == 409
    assert "already on the site" in response.content.decode()
    held.refresh_from_db()
    assert held.text == CARD_TEXT


def test_uploader_asks_for_review_once(held: Document, uploader: User, member: User) -> None:
    client = signed_in(uploader)
    response = client.post(
        f"/documents/{held.pk}/review-request/", {"message": "It is a test card."}
    )
    assert response.status_code == 302
    assert Hold.objects.get(document=held).review_requested_at is not None
    again = client.post(f"/documents/{held.pk}/review-request/", {"message": ""})
    assert again.status_code == 409
    other = signed_in(member).post(f"/documents/{held.pk}/review-request/", {"message": ""})
    assert other.status_code == 404
    assert AuditEntry.objects.filter(action="document.review_requested").count() == 1


def test_api_upload_answers_held_with_findings(uploader: User) -> None:
    response = post_as(uploader, "/api/v1/documents", {"text": CARD_TEXT})
    assert response.status_code == 201
    body = response.json()
    assert body["visibility"] == "held"
    assert body["findings"][0]["check"] == "pii.payment_card"
    assert body["findings"][0]["severity"] == "high"
    clean = post_as(uploader, "/api/v1/documents", {"text": CLEAN_TEXT})
    assert clean.json()["visibility"] == "visible"
    assert clean.json()["findings"] == []


def test_a_moderator_approves_a_held_upload(held: Document, moderator: User) -> None:
    services.decide(held.pk, "approve", moderator, "A well-known test card number.")
    held.refresh_from_db()
    assert held.visibility == Visibility.VISIBLE
    assert Hold.objects.get(document=held).outcome == "approve"
    assert Client().get(f"/documents/{held.pk}/").status_code == 200
