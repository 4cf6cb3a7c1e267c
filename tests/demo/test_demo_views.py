"""The staff button on an empty site: every persona, CSRF, and where it shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safedata.demo.sample import SAMPLE
from safedata.documents.models import Document

pytestmark = pytest.mark.django_db

URL = "/demo/load/"


def _client_for(persona: str, request: pytest.FixtureRequest) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.mark.parametrize(
    ("persona", "status", "loaded"),
    [("anonymous", 403, 0), ("member", 403, 0), ("moderator", 302, len(SAMPLE))],
)
def test_only_staff_can_load_the_sample(
    persona: str, status: int, loaded: int, request: pytest.FixtureRequest
) -> None:
    response = _client_for(persona, request).post(URL)
    assert response.status_code == status
    assert Document.objects.count() == loaded
    if status == 302:
        assert response["Location"] == "/review/"


def test_the_button_needs_a_post_with_a_csrf_token(moderator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.get(URL).status_code == 405
    assert client.post(URL).status_code == 403
    assert Document.objects.count() == 0
    home = client.get("/")
    token = home.context["csrf_token"]
    response = client.post(URL, {"csrfmiddlewaretoken": str(token)}, follow=True)
    assert response.redirect_chain[0] == ("/review/", 302)
    assert f"Sample loaded: {len(SAMPLE)} documents" in response.content.decode()
    assert Document.objects.count() == len(SAMPLE)


@pytest.mark.parametrize(
    ("persona", "shown"), [("anonymous", False), ("member", False), ("moderator", True)]
)
def test_the_button_shows_for_staff_on_an_empty_site_only(
    persona: str, shown: bool, request: pytest.FixtureRequest, make_document: Any
) -> None:
    client = _client_for(persona, request)
    assert ("Load sample data" in client.get("/").content.decode()) is shown
    make_document()
    assert "Load sample data" not in client.get("/").content.decode()
