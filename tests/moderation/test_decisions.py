"""Decisions through the one service from every path (queue, API, bulk, Django admin):
approve, hide, remove with a tombstone, audit entries, 410 for removed, appeals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tests.moderation.conftest import (
    CARD_TEXT,
    CLEAN_TEXT,
    bearer,
    post_as,
    rate_great,
    signed_in,
    token_for,
)

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.datasets import services as datasets
from safedata.documents.models import Document, Visibility
from safedata.documents.services import bulk_upload
from safedata.moderation import services
from safedata.moderation.models import Appeal, Decision, Report, Tombstone

pytestmark = pytest.mark.django_db


def _decide_api(client: Client, document_id: int, action: str, token: str, reason: str = "") -> Any:
    return client.post(
        f"/api/v1/moderation/documents/{document_id}/decision",
        {"action": action, "reason": reason},
        content_type="application/json",
        **bearer(token),
    )


def test_queue_orders_by_severity_then_reports(
    settings: Any, upload: Any, make_document: Any, moderator: User, make_user: Any
) -> None:
    settings.SAFEDATA_REPORTS_TO_HOLD = 10
    from tests.moderation.conftest import EMAIL_TEXT

    medium = upload(EMAIL_TEXT).document
    high = upload(CARD_TEXT).document
    spam_once = make_document("Some text reported once as spam, about cooking.")
    spam_twice = make_document("Some text reported twice as spam, about sailing.")
    reporters = [services.Reporter(key=f"u:{make_user(f'r{n}').pk}") for n in range(2)]
    services.report_document(spam_once.pk, reporters[0], "spam")
    for reporter in reporters:
        services.report_document(spam_twice.pk, reporter, "spam")
    order = [d.pk for d in services.queue(moderator)]
    assert order == [high.pk, medium.pk, spam_twice.pk, spam_once.pk]
    page = signed_in(moderator).get("/moderation/").content.decode()
    assert (
        page.index(f"#{high.pk} ") < page.index(f"#{medium.pk} ") < page.index(f"#{spam_once.pk} ")
    )


def test_case_page_shows_text_escaped_with_reasons_reports_and_votes(
    upload: Any, moderator: User, member: User
) -> None:
    text = "<script>alert(1)</script>\n\n  indented line\nCard 4111 1111 1111 1111 here."
    document = upload(text).document
    page = signed_in(moderator).get(f"/moderation/documents/{document.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n\n  indented line" in page
    for shown in ("pii.payment_card", "Reports", "Votes", "document.held"):
        assert shown in page


def test_hide_keeps_the_document_out_of_every_public_path(
    clean: Document, moderator: User, member: User
) -> None:
    response = _decide_api(Client(), clean.pk, "hide", token_for(moderator), "Spam.")
    assert response.status_code == 200
    assert response.json()["visibility"] == "hidden"
    clean.refresh_from_db()
    assert clean.visibility == Visibility.HIDDEN
    assert clean.text == CLEAN_TEXT  # kept for the audit
    assert Client().get(f"/documents/{clean.pk}/").status_code == 404
    assert signed_in(member).get(f"/api/v1/documents/{clean.pk}").status_code == 404
    assert signed_in(clean.uploader).get(f"/documents/{clean.pk}/").status_code == 200
    entry = AuditEntry.objects.get(action="document.hidden")
    assert entry.actor == moderator
    assert entry.data["reason"] == "Spam."
    assert entry.data["previous"] == "visible"


def test_remove_erases_the_text_keeps_a_tombstone_and_answers_410(
    clean: Document, moderator: User, uploader: User
) -> None:
    sha = clean.content_sha256
    form = signed_in(moderator).post(
        f"/moderation/documents/{clean.pk}/decide/", {"action": "remove", "reason": "Doxxing."}
    )
    assert form.status_code == 302
    clean.refresh_from_db()
    assert clean.visibility == Visibility.REMOVED
    assert CLEAN_TEXT not in clean.text
    assert clean.text == services.REMOVED_TEXT
    assert Tombstone.objects.get(content_sha256=sha).document == clean
    page = Client().get(f"/documents/{clean.pk}/")
    assert page.status_code == 410
    assert "removed by the moderators" in page.content.decode()
    assert signed_in(uploader).get(f"/documents/{clean.pk}/").status_code == 410
    api = Client().get(f"/api/v1/documents/{clean.pk}")
    assert api.status_code == 410
    assert api.json()["error"]["code"] == "removed"
    assert AuditEntry.objects.filter(action="document.removed", actor=moderator).count() == 1


def test_the_same_text_cannot_be_uploaded_again_after_removal(
    clean: Document, moderator: User, member: User
) -> None:
    services.decide(clean.pk, "remove", moderator, "Copyright.")
    form = signed_in(member).post(
        "/upload/", {"text": CLEAN_TEXT, "license": "", "aup": "on", "language": ""}
    )
    assert form.status_code == 409
    assert "removed by the moderators" in form.content.decode()
    api = post_as(member, "/api/v1/documents", {"text": CLEAN_TEXT})
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "removed_text"
    report = bulk_upload(json.dumps({"text": CLEAN_TEXT}).encode(), member, aup_accepted=True)
    assert "removed by the moderators" in report.rows[0].reason
    assert Document.objects.count() == 1


def test_acting_on_a_removed_document_is_409_and_changes_nothing(
    clean: Document, moderator: User
) -> None:
    services.decide(clean.pk, "remove", moderator, "Takedown.")
    entries = AuditEntry.objects.count()
    for action in ("approve", "hide", "remove"):
        response = _decide_api(Client(), clean.pk, action, token_for(moderator))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_removed"
    form = signed_in(moderator).post(
        f"/moderation/documents/{clean.pk}/decide/", {"action": "approve"}
    )
    assert form.status_code == 409
    clean.refresh_from_db()
    assert clean.visibility == Visibility.REMOVED
    assert AuditEntry.objects.count() == entries


def test_bad_decisions_are_400(clean: Document, moderator: User) -> None:
    token = token_for(moderator)
    assert _decide_api(Client(), clean.pk, "delete", token).status_code == 400
    assert _decide_api(Client(), clean.pk + 999, "hide", token).status_code == 404
    form = signed_in(moderator).post(f"/moderation/documents/{clean.pk}/decide/", {"action": "x"})
    assert form.status_code == 400
    clean.refresh_from_db()
    assert clean.visibility == Visibility.VISIBLE
    assert not Decision.objects.exists()


def test_approve_dismisses_open_reports_and_hide_upholds_them(
    make_document: Any, moderator: User, member: User
) -> None:
    kept, hidden = make_document("Text one about trains."), make_document("Text two about buses.")
    reporter = services.Reporter(key=member.voter_key, user=member)
    services.report_document(kept.pk, reporter, "spam")
    services.report_document(hidden.pk, reporter, "harassment")
    services.decide(kept.pk, "approve", moderator, "Not spam.")
    services.decide(hidden.pk, "hide", moderator, "Harassment.")
    assert Report.objects.get(document=kept).resolution == Report.Resolution.DISMISSED
    assert Report.objects.get(document=hidden).resolution == Report.Resolution.UPHELD
    assert AuditEntry.objects.filter(action="report.dismissed").count() == 1
    assert AuditEntry.objects.filter(action="document.approved").count() == 1


def test_dismiss_a_report(clean: Document, moderator: User, member: User) -> None:
    report = services.report_document(
        clean.pk, services.Reporter(key=member.voter_key, user=member), "spam"
    )
    response = post_as(
        moderator, f"/api/v1/moderation/reports/{report.pk}/dismiss", {"reason": "Fine."}
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.resolution == Report.Resolution.DISMISSED
    again = signed_in(moderator).post(f"/moderation/reports/{report.pk}/dismiss/", {"reason": ""})
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="report.dismissed").count() == 1


def test_bulk_action_decides_every_selected_document(make_document: Any, moderator: User) -> None:
    docs = [make_document(f"Bulk text {n} about rivers.") for n in range(3)]
    services.decide(docs[2].pk, "remove", moderator, "Earlier.")
    client = signed_in(moderator)
    response = client.post(
        "/moderation/bulk/",
        {"documents": [d.pk for d in docs], "action": "hide", "reason": "Spam wave."},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 document(s) decided." in page
    assert f"Document #{docs[2].pk}: " in page
    states = [Document.objects.get(pk=d.pk).visibility for d in docs]
    assert states == ["hidden", "hidden", "removed"]
    assert AuditEntry.objects.filter(action="document.hidden").count() == 2
    bad = client.post("/moderation/bulk/", {"documents": ["x"], "action": "hide"})
    assert bad.status_code == 400


def test_keyboard_hints_and_actions_are_on_the_moderator_pages(
    held: Document, moderator: User
) -> None:
    client = signed_in(moderator)
    case = client.get(f"/moderation/documents/{held.pk}/").content.decode()
    for key in ("a", "h", "d"):
        assert f'data-mod-key="{key}"' in case
    queue = client.get("/moderation/").content.decode()
    assert 'name="documents"' in queue
    assert "data-bulk-action" in queue


def test_uploader_sees_the_outcome_and_appeals_once(
    clean: Document, moderator: User, uploader: User, member: User
) -> None:
    services.decide(clean.pk, "hide", moderator, "Looks like spam.")
    client = signed_in(uploader)
    page = client.get(f"/documents/{clean.pk}/").content.decode()
    assert "Hidden by the moderators" in page
    assert "Looks like spam." in page
    assert "Appeal the decision" in page
    assert (
        signed_in(member).post(f"/documents/{clean.pk}/appeal/", {"message": "Mine!"}).status_code
        == 404
    )
    assert (
        client.post(f"/documents/{clean.pk}/appeal/", {"message": "It is a poem."}).status_code
        == 302
    )
    again = client.post(f"/documents/{clean.pk}/appeal/", {"message": "Please."})
    assert again.status_code == 409
    api_again = post_as(uploader, f"/api/v1/documents/{clean.pk}/appeal", {"message": "Please."})
    assert api_again.status_code == 409
    appeal = Appeal.objects.get()
    assert appeal.message == "It is a poem."
    assert AuditEntry.objects.filter(action="appeal.created").count() == 1
    assert [d.pk for d in services.queue(moderator)] == [clean.pk]
    services.decide(clean.pk, "approve", moderator, "It is a poem indeed.")
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.OVERTURNED


def test_an_appeal_needs_a_decision_against_the_document(clean: Document, uploader: User) -> None:
    response = signed_in(uploader).post(f"/documents/{clean.pk}/appeal/", {"message": "Why?"})
    assert response.status_code == 409
    assert not Appeal.objects.exists()


def test_rejecting_an_appeal_of_a_removal(clean: Document, moderator: User, uploader: User) -> None:
    services.decide(clean.pk, "remove", moderator, "Personal data.")
    appeal = services.appeal(clean.pk, uploader, "It was my own address.")
    response = signed_in(moderator).post(
        f"/moderation/appeals/{appeal.pk}/uphold/", {"reason": "No."}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.UPHELD
    assert AuditEntry.objects.filter(action="appeal.upheld", actor=moderator).count() == 1


def test_moderators_see_the_log_per_document_and_per_user(
    clean: Document, moderator: User, uploader: User
) -> None:
    services.decide(clean.pk, "hide", moderator, "Spam.")
    token = token_for(moderator)
    log = Client().get(f"/api/v1/moderation/documents/{clean.pk}/log", **bearer(token)).json()
    assert [e["action"] for e in log] == ["document.hidden", "document.uploaded"]
    assert log[0]["actor"] == "moderator"
    assert log[0]["data"]["reason"] == "Spam."
    user_log = Client().get(f"/api/v1/moderation/users/{uploader.pk}/log", **bearer(token)).json()
    assert "document.uploaded" in [e["action"] for e in user_log]
    page = signed_in(moderator).get(f"/moderation/users/{uploader.pk}/").content.decode()
    assert "document.uploaded" in page


def test_django_admin_actions_go_through_the_service_and_are_audited(
    make_document: Any, moderator: User, make_user: Any
) -> None:
    admin = make_user("root", is_staff=True, is_superuser=True)
    docs = [make_document(f"Admin text {n} about clouds.") for n in range(2)]
    client = signed_in(admin)
    response = client.post(
        "/admin/documents/document/",
        {"action": "hide", "_selected_action": [d.pk for d in docs]},
    )
    assert response.status_code == 302
    assert set(Document.objects.values_list("visibility", flat=True)) == {"hidden"}
    entries = AuditEntry.objects.filter(action="document.hidden", actor=admin)
    assert entries.count() == 2
    assert entries.first().data["reason"] == "Django admin"  # type: ignore[union-attr]
    client.post(
        "/admin/documents/document/", {"action": "remove", "_selected_action": [docs[0].pk]}
    )
    assert Tombstone.objects.count() == 1
    assert AuditEntry.objects.filter(action="document.removed", actor=admin).count() == 1


def test_django_admin_save_cannot_change_visibility_around_the_service(
    clean: Document, make_user: Any
) -> None:
    admin = make_user("root", is_staff=True, is_superuser=True)
    client = signed_in(admin)
    page = client.get(f"/admin/documents/document/{clean.pk}/change/").content.decode()
    assert 'name="visibility"' not in page
    client.post(
        f"/admin/documents/document/{clean.pk}/change/",
        {
            "uploader": clean.uploader_id,
            "title": "New title",
            "text": clean.text,
            "visibility": "removed",
        },
    )
    clean.refresh_from_db()
    assert clean.visibility == Visibility.VISIBLE


def test_next_snapshot_lacks_removed_documents_and_its_manifest_counts_them(
    make_document: Any, moderator: User, snapshot_dir: Path
) -> None:
    docs = [make_document(f"Snapshot text {n} about mountains.") for n in range(3)]
    rate_great(*docs)
    first = datasets.build_snapshot("2026.12.01", actor=moderator)
    assert first.manifest["takedowns"] == {"removed_since_previous": 0}
    services.decide(docs[0].pk, "remove", moderator, "Takedown.")
    services.decide(docs[1].pk, "hide", moderator, "Hidden.")
    second = datasets.build_snapshot("2026.12.02", actor=moderator)
    assert set(second.rows.values_list("document_id", flat=True)) == {docs[2].pk}
    assert second.manifest["takedowns"] == {"removed_since_previous": 1}
    manifest = json.loads((snapshot_dir / "2026.12.02" / "manifest.json").read_text())
    assert manifest["takedowns"] == {"removed_since_previous": 1}
    third = datasets.build_snapshot("2026.12.03", actor=moderator)
    assert third.manifest["takedowns"] == {"removed_since_previous": 0}
    assert datasets.verify_snapshot("2026.12.02").identical
