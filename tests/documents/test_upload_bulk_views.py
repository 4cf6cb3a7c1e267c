"""The bulk upload page: per-line report, reruns create nothing, personas, CSRF, limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.api.conftest import assert_refused

from safedata.audit.models import AuditEntry
from safedata.documents.models import Document

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
Post = Callable[..., Any]

LINES = [
    {
        "text": "Notes on pruning apple trees in late winter, before the buds open.",
        "title": "Pruning",
        "license": "CC0-1.0",
        "source_url": "https://example.org/prune",
    },
    {"text": "Ein kurzer Text über das Beschneiden von Apfelbäumen im späten Winter."},
    {"title": "missing its text"},
    {"text": "Notes on pruning apple trees in late winter, before the buds open."},
]
FILE = "\n".join(json.dumps(line) for line in LINES).encode() + b"\n"


def rows(html: str) -> list[str]:
    """The status cell of each report row, in order."""
    return [
        part.split("</span>")[0].rsplit(">", 1)[-1]
        for part in html.split('<td><span class="badge')[1:]
    ]


def test_report_lists_every_line_and_stores_the_accepted(
    client_for: ClientFor, member: Any, post_bulk: Post
) -> None:
    response = post_bulk(client_for(member), FILE)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert rows(html) == ["accepted", "accepted", "rejected", "duplicate"]
    assert "2 accepted, 1 duplicate, 1 rejected (4 lines)" in html
    assert 'Missing the required field "text".' in html
    assert "Same text as line 1." in html
    first = Document.objects.get(title="Pruning")
    assert (first.uploader, first.license, first.language) == (member, "CC0-1.0", "en")
    assert Document.objects.get(title="").language == "de"
    assert html.count(f'href="/documents/{first.pk}/"') == 2  # line 1 and its duplicate, line 4


def test_same_file_twice_creates_nothing_new(
    client_for: ClientFor, member: Any, uploader: Any, post_bulk: Post
) -> None:
    post_bulk(client_for(member), FILE)
    ids = set(Document.objects.values_list("pk", flat=True))
    audit = AuditEntry.objects.count()
    # The same file again, even from another member: every text is a duplicate.
    response = post_bulk(client_for(uploader), FILE)
    html = unescape(response.content.decode())
    assert rows(html) == ["duplicate", "duplicate", "rejected", "duplicate"]
    assert "Already in the dataset." in html
    assert set(Document.objects.values_list("pk", flat=True)) == ids
    assert AuditEntry.objects.count() == audit


def test_every_stored_line_records_the_accepted_policy(
    client_for: ClientFor, member: Any, post_bulk: Post
) -> None:
    post_bulk(client_for(member), FILE)
    entries = AuditEntry.objects.filter(action="document.uploaded")
    assert sorted(e.data["line"] for e in entries) == [1, 2]
    assert all(e.data["aup_accepted"] is True and e.actor == member for e in entries)


def test_bulk_without_the_policy_stores_nothing(
    client_for: ClientFor, member: Any, post_bulk: Post
) -> None:
    response = post_bulk(client_for(member), FILE, aup=None)
    assert_refused(
        response, 400, says="You must accept the Acceptable Use Policy", stored_no=Document
    )


def test_bulk_without_a_file_says_so(client_for: ClientFor, member: Any) -> None:
    client = client_for(member)
    token = client.cookies["csrftoken"].value
    response = client.post("/upload/bulk/", {"aup": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert "Choose a .jsonl file to upload." in response.content.decode()


@pytest.mark.parametrize("persona", ["member", "uploader", "moderator"])
def test_every_member_persona_sees_the_bulk_form(
    client_for: ClientFor, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).get("/upload/bulk/")
    assert response.status_code == 200
    assert b'accept=".jsonl"' in response.content


def test_anonymous_bulk_post_stores_nothing(client: Client) -> None:
    upload = SimpleUploadedFile("docs.jsonl", FILE)
    response = client.post("/upload/bulk/", {"file": upload, "aup": "on"})
    assert response.status_code == 302
    assert not Document.objects.exists()


def test_bulk_without_csrf_token_is_refused(client_for: ClientFor, member: Any) -> None:
    upload = SimpleUploadedFile("docs.jsonl", FILE)
    response = client_for(member).post("/upload/bulk/", {"file": upload, "aup": "on"})
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_oversized_bulk_request_gets_413(
    client_for: ClientFor, member: Any, small_limits: Any, post_bulk: Post
) -> None:
    response = post_bulk(client_for(member), b'{"text": "x"}\n' * 6000)
    assert_refused(response, 413, says="The upload is too large", stored_no=Document)


def test_bulk_counts_once_against_the_rate_limit(
    post_bulk: Post, second_upload_in_a_minute: Post
) -> None:
    again = b'{"text": "A brand new text that was never seen."}'
    second_upload_in_a_minute(post_bulk, FILE, again, accepted=200)
    assert Document.objects.count() == 2
