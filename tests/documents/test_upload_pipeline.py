"""One upload pipeline: every path screens each upload once and refuses long titles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any, ClassVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safedata.accounts.models import ApiToken
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document
from safedata.documents.services import NewDocument, UploadError, create_document
from safedata.screening import Limits, TextCheck, register
from safedata.screening import base as screening_base

pytestmark = pytest.mark.django_db

TEXT = "A plain paragraph about repotting house plants before the growing season starts."
LONG_TITLE = "t" * 301
TITLE_MESSAGE = "a title may have at most 300 characters (it has 301)."


class CountingCheck(TextCheck):
    """A real registered check that accepts everything and counts the texts it sees."""

    identifier = "test-counting"
    order = 1_000
    seen: ClassVar[list[str]] = []

    def problem(self, value: str, limits: Limits) -> str | None:
        self.seen.append(value)
        return None


@pytest.fixture
def screened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Registers ``CountingCheck`` for one test; yields the texts it screened."""
    monkeypatch.setattr(screening_base, "_REGISTRY", dict(screening_base._REGISTRY))
    register(CountingCheck)
    CountingCheck.seen.clear()
    yield CountingCheck.seen
    CountingCheck.seen.clear()


def _api_upload(member: Any, body: dict[str, Any]) -> Any:
    token = ApiToken.issue(member, "pipeline test")[1]
    return Client().post(
        "/api/v1/documents",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _nothing_stored() -> bool:
    return not Document.objects.exists() and not AuditEntry.objects.exists()


def test_the_form_screens_an_upload_once(
    screened: list[str], client_for: Callable[[Any], Client], member: Any, post_upload: Any
) -> None:
    response = post_upload(client_for(member), text=f"  {TEXT}\r\n", title="Plants")
    assert response.status_code == 302
    assert screened == [TEXT]


def test_a_file_upload_is_screened_once(
    screened: list[str], client_for: Callable[[Any], Client], member: Any, post_upload: Any
) -> None:
    upload = SimpleUploadedFile("plants.txt", TEXT.encode(), content_type="text/plain")
    assert post_upload(client_for(member), file=upload).status_code == 302
    assert screened == [TEXT]


def test_the_api_screens_an_upload_once(screened: list[str], member: Any) -> None:
    assert _api_upload(member, {"text": TEXT}).status_code == 201
    assert screened == [TEXT]


def test_bulk_screens_each_line_once(
    screened: list[str], client_for: Callable[[Any], Client], member: Any, post_bulk: Any
) -> None:
    lines = [{"text": f"{TEXT} Line {n}."} for n in range(3)]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    response = post_bulk(client_for(member), data)
    assert "3 accepted, 0 duplicates, 0 rejected" in response.content.decode()
    assert screened == [line["text"] for line in lines]


def test_a_refused_upload_is_not_screened_again(
    screened: list[str], client_for: Callable[[Any], Client], member: Any, post_upload: Any
) -> None:
    response = post_upload(client_for(member), text=TEXT, title=LONG_TITLE)
    assert response.status_code == 400
    assert screened == [TEXT]


def test_the_form_refuses_a_long_title_on_its_field(
    client_for: Callable[[Any], Client], member: Any, post_upload: Any
) -> None:
    response = post_upload(client_for(member), text=TEXT, title=LONG_TITLE)
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert TITLE_MESSAGE in html
    assert 'id="id_title_error"' in html
    assert _nothing_stored()


def test_a_title_of_300_characters_is_kept_whole(
    client_for: Callable[[Any], Client], member: Any, post_upload: Any
) -> None:
    assert post_upload(client_for(member), text=TEXT, title="t" * 300).status_code == 302
    assert Document.objects.get().title == "t" * 300


def test_the_api_refuses_a_long_title_with_400(member: Any) -> None:
    response = _api_upload(member, {"text": TEXT, "title": LONG_TITLE})
    assert response.status_code == 400
    assert "title" in response.json()["error"]["message"]
    assert _nothing_stored()


def test_a_bulk_line_with_a_long_title_is_rejected_alone(
    client_for: Callable[[Any], Client], member: Any, post_bulk: Any
) -> None:
    data = json.dumps({"text": TEXT, "title": LONG_TITLE}).encode()
    response = post_bulk(client_for(member), data)
    html = unescape(response.content.decode())
    assert "0 accepted, 0 duplicates, 1 rejected" in html
    assert TITLE_MESSAGE in html
    assert _nothing_stored()


def test_the_service_refuses_a_long_title_instead_of_cutting_it(member: Any) -> None:
    with pytest.raises(UploadError) as caught:
        create_document(NewDocument(text=TEXT, title=LONG_TITLE), member)
    assert (caught.value.field, caught.value.code) == ("title", "title-too-long")
    assert caught.value.message.endswith(TITLE_MESSAGE)
    assert _nothing_stored()
