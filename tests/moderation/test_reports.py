"""Reports: anyone may report (CSRF checked), once per document, at a limited rate; enough
independent reports hold the document; every refusal is clear and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.api.conftest import assert_refused
from tests.moderation.conftest import bearer, signed_in, token_for

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility
from safedata.moderation.models import Hold, Report, ReportReason

pytestmark = pytest.mark.django_db


def _csrf(client: Client) -> str:
    return str(client.get("/api/v1/csrf").json()["csrftoken"])


def _api_report(
    client: Client, document_id: int, reason: str = "personal_data", **extra: Any
) -> Any:
    return client.post(
        f"/api/v1/documents/{document_id}/reports",
        {"reason": reason, "note": "It names my neighbour."},
        content_type="application/json",
        **extra,
    )


def test_anonymous_report_from_the_form_needs_csrf_and_is_recorded(
    csrf_client: Client, clean: Document
) -> None:
    form = csrf_client.get(f"/report/?document={clean.pk}")
    assert form.status_code == 200
    assert f'value="{clean.pk}"' in form.content.decode()
    data = {"document": clean.pk, "reason": "personal_data", "note": "My address is in it."}
    refused = Client(enforce_csrf_checks=True).post("/report/", data)
    assert refused.status_code == 403
    assert not Report.objects.exists()
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post("/report/", {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    report = Report.objects.get()
    assert report.reporter is None
    assert report.reporter_key.startswith("a:")
    assert report.reason == ReportReason.PERSONAL_DATA
    assert report.note == "My address is in it."
    entry = AuditEntry.objects.get(action="report.created")
    assert entry.actor_key == report.reporter_key
    assert entry.data == {"report": report.pk, "reason": "personal_data"}


def test_member_reports_through_the_api_with_a_token(clean: Document, member: User) -> None:
    response = _api_report(Client(), clean.pk, **bearer(token_for(member)))
    assert response.status_code == 201
    assert response.json()["reason"] == "personal_data"
    assert Report.objects.get().reporter == member


def test_anonymous_api_report_needs_the_csrf_header(clean: Document) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _api_report(client, clean.pk).status_code == 403
    token = _csrf(client)
    assert _api_report(client, clean.pk, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_unknown_reason_is_400_and_stores_nothing(clean: Document, member: User) -> None:
    response = _api_report(Client(), clean.pk, reason="boring", **bearer(token_for(member)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reason"
    assert "personal_data" in response.json()["error"]["message"]
    form = signed_in(member).post("/report/", {"document": clean.pk, "reason": "boring"})
    assert form.status_code == 400
    assert not Report.objects.exists()


def test_report_on_a_missing_or_held_document_is_404(
    clean: Document, held: Document, member: User
) -> None:
    auth = bearer(token_for(member))
    missing = _api_report(Client(), clean.pk + 1000, **auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert _api_report(Client(), held.pk, **auth).status_code == 404
    assert (
        signed_in(member).post("/report/", {"document": 99999, "reason": "spam"}).status_code == 404
    )
    assert not Report.objects.exists()


def test_a_second_report_by_the_same_reporter_is_409(clean: Document, member: User) -> None:
    auth = bearer(token_for(member))
    assert _api_report(Client(), clean.pk, **auth).status_code == 201
    again = _api_report(Client(), clean.pk, reason="spam", **auth)
    assert again.status_code == 409
    assert "already reported" in again.json()["error"]["message"]
    assert Report.objects.count() == 1


def test_report_flood_is_429_with_retry_after(
    settings: Any, make_document: Any, member: User
) -> None:
    settings.SAFEDATA_REPORT_RATE_LIMIT = "2/h"
    documents = [make_document(f"Ordinary text number {n} about birds.") for n in range(3)]
    auth = bearer(token_for(member))
    assert [_api_report(Client(), d.pk, **auth).status_code for d in documents[:2]] == [201, 201]
    flood = _api_report(Client(), documents[2].pk, **auth)
    assert flood.status_code == 429
    assert int(flood["Retry-After"]) > 0
    assert Report.objects.count() == 2


def test_new_anonymous_identities_share_the_limit_of_their_address(
    settings: Any, make_document: Any
) -> None:
    settings.SAFEDATA_REPORT_RATE_LIMIT = "2/h"
    documents = [make_document(f"Ordinary text number {n} about fish.") for n in range(3)]
    statuses = []
    for document in documents:
        client = Client()  # a fresh cookie jar: a new anonymous voter each time
        statuses.append(
            _api_report(client, document.pk, HTTP_X_CSRFTOKEN=_csrf(client)).status_code
        )
    assert statuses == [201, 201, 429]


def test_enough_independent_reports_hold_the_document(
    settings: Any, clean: Document, make_user: Any
) -> None:
    settings.SAFEDATA_REPORTS_TO_HOLD = 2
    first, second = make_user("r1"), make_user("r2")
    assert _api_report(Client(), clean.pk, **bearer(token_for(first))).status_code == 201
    clean.refresh_from_db()
    assert clean.visibility == Visibility.VISIBLE
    assert (
        _api_report(Client(), clean.pk, reason="malware", **bearer(token_for(second))).status_code
        == 201
    )
    clean.refresh_from_db()
    assert clean.visibility == Visibility.HELD
    hold = Hold.objects.get(document=clean)
    assert hold.cause == Hold.Cause.REPORTS
    assert hold.severity == 3
    assert AuditEntry.objects.filter(action="document.held", target_id=str(clean.pk)).exists()
    assert Client().get(f"/documents/{clean.pk}/").status_code == 404


def test_suspended_member_cannot_report(clean: Document, suspended: User) -> None:
    response = _api_report(Client(), clean.pk, **bearer(token_for(suspended)))
    assert_refused(response, 403, "account_suspended")
    form = signed_in(suspended).post("/report/", {"document": clean.pk, "reason": "spam"})
    assert_refused(form, 403, says="suspended", stored_no=Report)


def test_document_page_and_review_page_link_to_the_report_flow(
    clean: Document, member: User
) -> None:
    page = Client().get(f"/documents/{clean.pk}/").content.decode()
    assert f"/report/?document={clean.pk}" in page
    review = signed_in(member).get("/review/").content.decode()
    assert f"/report/?document={clean.pk}" in review
    assert 'data-key="r"' in review


def test_policy_page_links_to_the_report_flow_and_names_every_reason(client: Client) -> None:
    page = client.get("/policy/").content.decode()
    assert 'href="/report/"' in page
    for reason in ReportReason.values:
        assert f'id="policy-{reason}"' in page
