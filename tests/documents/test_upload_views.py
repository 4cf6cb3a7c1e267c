"""The upload form through the real client: personas, CSRF, duplicates, limits, language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.api.conftest import assert_refused

from safedata.audit.models import AuditEntry
from safedata.documents.models import Document, Visibility

pytestmark = pytest.mark.django_db

TEXT = "A short guide to writing clear commit messages that explain why a change was made."
FRENCH = (
    "Un petit guide pour écrire des messages de commit clairs qui expliquent pourquoi "
    "une modification a été faite."
)

ClientFor = Callable[[Any], Client]
Post = Callable[..., Any]
Headers = Callable[..., dict[str, str]]


def txt_file(content: bytes, name: str = "doc.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    for path in ("/upload/", "/upload/bulk/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_post_stores_nothing(client: Client) -> None:
    response = client.post("/upload/", {"text": TEXT, "aup": "on"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Document.objects.exists()


@pytest.mark.parametrize("persona", ["member", "uploader", "moderator"])
def test_every_member_persona_can_upload(
    post_upload: Post, client_for: ClientFor, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get("/upload/")
    assert page.status_code == 200
    assert b'name="aup"' in page.content
    response = post_upload(
        client, text=TEXT, title="Commits", source_url="https://example.org/c", license="CC-BY-4.0"
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/"
    assert (document.uploader, document.title, document.license, document.source_url) == (
        user,
        "Commits",
        "CC-BY-4.0",
        "https://example.org/c",
    )
    assert AuditEntry.objects.get(action="document.uploaded").data["aup_accepted"] is True


def test_upload_from_a_file(post_upload: Post, client_for: ClientFor, member: Any) -> None:
    client = client_for(member)
    response = post_upload(client, file=txt_file(FRENCH.encode() + b"\r\n", "note.md"))
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.text, document.language) == (FRENCH, "fr")


def test_duplicate_by_another_member_points_to_the_existing_document(
    post_upload: Post, client_for: ClientFor, document: Document, member: Any
) -> None:
    response = post_upload(client_for(member), text=f"  {document.text}\r\n")
    assert response.status_code == 409
    assert "already in the dataset" in response.content.decode()
    assert f'href="/documents/{document.pk}/"' in response.content.decode()
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    ("visibility", "message"),
    [
        (Visibility.HIDDEN, "withdrawn from the dataset"),
        (Visibility.REMOVED, "removed by the moderators"),
    ],
)
def test_duplicate_of_a_withdrawn_document_gives_no_link(
    post_upload: Post,
    client_for: ClientFor,
    document: Document,
    member: Any,
    visibility: str,
    message: str,
) -> None:
    document.visibility = visibility
    document.save(update_fields=["visibility"])
    response = post_upload(client_for(member), text=document.text)
    assert response.status_code == 409
    assert message in response.content.decode()
    assert f"/documents/{document.pk}/" not in response.content.decode()


def test_post_without_csrf_token_is_refused(client_for: ClientFor, member: Any) -> None:
    client = client_for(member)
    response = client.post("/upload/", {"text": TEXT, "aup": "on"})
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_language_is_detected_on_submit_without_javascript(
    post_upload: Post, client_for: ClientFor, member: Any
) -> None:
    post_upload(client_for(member), text=FRENCH, language="")
    assert Document.objects.get().language == "fr"


@pytest.mark.parametrize(("choice", "stored"), [("de", "de"), ("other", ""), ("eu", "eu")])
def test_uploader_corrects_the_language(
    post_upload: Post, client_for: ClientFor, member: Any, choice: str, stored: str
) -> None:
    post_upload(client_for(member), text=FRENCH, language=choice)
    assert Document.objects.get().language == stored


@pytest.fixture
def prefill_language(
    htmx_headers: Headers, client_for: ClientFor, member: Any
) -> Callable[..., Any]:
    """POST ``fields`` to the form's language endpoint as htmx does, signed in as a member."""

    def post(fields: dict[str, Any], **headers: str) -> Any:
        client = client_for(member)
        return client.post("/upload/language/", fields, headers=htmx_headers(client, **headers))

    return post


def test_htmx_prefills_the_language_select(prefill_language: Post) -> None:
    response = prefill_language({"text": FRENCH, "language": "", "language_detected": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="fr" selected>' in html
    assert 'name="language_detected" value="fr"' in html
    assert "<html" not in html


def test_htmx_prefill_keeps_a_choice_made_by_hand(prefill_language: Post) -> None:
    response = prefill_language({"text": TEXT, "language": "it", "language_detected": "fr"})
    html = response.content.decode()
    assert '<option value="it" selected>' in html
    assert "the detector suggests “en”" in html


def test_htmx_prefill_reads_a_chosen_file(prefill_language: Post) -> None:
    fields = {"file": txt_file(FRENCH.encode()), "text": "", "language": ""}
    response = prefill_language(fields, **{"HX-Trigger-Name": "file"})
    assert '<option value="fr" selected>' in response.content.decode()


def test_language_endpoint_needs_sign_in_and_csrf(
    client: Client, client_for: ClientFor, member: Any
) -> None:
    assert client.post("/upload/language/", {"text": FRENCH}).status_code == 302
    assert client_for(member).post("/upload/language/", {"text": FRENCH}).status_code == 403


def test_oversized_request_gets_413_before_the_body_is_read(
    post_upload: Post, client_for: ClientFor, member: Any, small_limits: Any
) -> None:
    limit = small_limits.SAFEDATA_MAX_UPLOAD_BYTES
    response = post_upload(client_for(member), file=txt_file(b"a" * (limit + 70 * 1024)))
    assert_refused(response, 413, says=f"at most {limit:,} bytes", stored_no=Document)


def test_oversized_file_just_over_the_limit_gets_413(
    post_upload: Post, client_for: ClientFor, member: Any, small_limits: Any
) -> None:
    limit = small_limits.SAFEDATA_MAX_UPLOAD_BYTES
    response = post_upload(client_for(member), file=txt_file(b"b" * (limit + 1)))
    assert_refused(response, 413, says=f"Too large: {limit + 1:,} bytes", stored_no=Document)


def test_body_over_djangos_memory_limit_gets_413_not_400(
    post_upload: Post, client_for: ClientFor, member: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = post_upload(client_for(member), text="c" * 3000)
    assert_refused(response, 413, says="The upload is too large", stored_no=Document)


def test_rate_limited_upload_gets_a_friendly_429(
    post_upload: Post, second_upload_in_a_minute: Post
) -> None:
    def upload(client: Client, text: str) -> Any:
        return post_upload(client, text=text)

    response = second_upload_in_a_minute(upload, TEXT, f"{TEXT} Again.", accepted=302)
    assert int(response["Retry-After"]) >= 1
    assert Document.objects.count() == 1


def test_form_errors_are_linked_to_their_fields(
    post_upload: Post, client_for: ClientFor, member: Any
) -> None:
    response = post_upload(client_for(member), text=TEXT, aup=None)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_aup_error"' in html
    assert 'id="id_aup_error"' in html
    assert 'aria-invalid="true"' in html
