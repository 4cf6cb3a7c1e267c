"""Home page, Acceptable Use Policy, the shared layout and allauth in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import safedata
from safedata.accounts.models import User

STATIC = Path(safedata.__file__).parent / "static"


def test_home_on_an_empty_database_explains_what_to_do_first(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "open dataset of text documents rated by its community" in body
    assert "The dataset is empty so far." in body
    for link in ('href="/review/"', 'href="/upload/"', 'href="/dataset/"', 'href="/policy/"'):
        assert link in body
    assert "<dt>Documents</dt><dd>0</dd>" in body
    assert "<dt>Votes</dt><dd>0</dd>" in body


def test_home_counts_visible_documents_and_votes(
    client: Client, make_document: Any, member: User
) -> None:
    from safedata.documents.models import Document, Visibility
    from safedata.voting.identity import Voter
    from safedata.voting.services import cast_vote

    shown, hidden = make_document(), make_document()
    Document.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    cast_vote(shown.pk, Voter(key=member.voter_key, user=member), "great")
    body = client.get("/").content.decode()
    assert "<dt>Documents</dt><dd>1</dd>" in body
    assert "<dt>Votes</dt><dd>1</dd>" in body
    assert "The dataset is empty so far." not in body


def test_policy_names_what_may_not_be_uploaded(client: Client, db: None) -> None:
    body = client.get("/policy/").content.decode()
    for rule in (
        "sexualises minors",
        "Personal data of other people",
        "Malware",
        "Material you have no right to share",
        "You may upload",
    ):
        assert rule in body


@pytest.mark.parametrize(
    "url", ["/", "/policy/", "/review/", "/documents/", "/accounts/login/", "/accounts/signup/"]
)
def test_every_page_uses_the_layout_with_local_assets_and_csrf(
    url: str, client: Client, db: None
) -> None:
    body = client.get(url).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert "data-theme-toggle" in body
    assert 'href="/static/css/site.css"' in body
    assert 'src="/static/vendor/htmx-2.0.11.min.js"' in body
    # No CDN: every script and stylesheet comes from this site.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', body)


def test_allauth_forms_are_styled_and_labelled(client: Client, db: None) -> None:
    body = client.get("/accounts/signup/").content.decode()
    assert '<form class="form form-narrow" method="post"' in body
    assert '<label for="id_username">' in body
    assert 'class="field' in body
    assert 'class="button primary" type="submit"' in body
    assert "<title>" in body
    assert "Sign" in body.split("<title>")[1].split("</title>")[0]


def test_static_assets_are_vendored_and_served(client: Client, db: None) -> None:
    for path in ("css/site.css", "js/site.js", "vendor/htmx-2.0.11.min.js"):
        assert (STATIC / path).stat().st_size > 1000
        assert client.get(f"/static/{path}").status_code == 200
    script = (STATIC / "js" / "site.js").read_text()
    # The shortcuts ignore typing and modifier keys.
    assert "event.ctrlKey || event.metaKey || event.altKey" in script
    assert "input, textarea, select" in script
