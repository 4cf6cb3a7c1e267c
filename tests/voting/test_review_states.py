"""The review page when there is nothing to rate, its progress strip, the text as stored."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.voting import queue
from safedata.voting.identity import Voter

pytestmark = pytest.mark.django_db


def page(user: User | None = None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get("/review/").content.decode()


def stage(body: str) -> str:
    return body.split('id="review-stage"')[1].split("</section>")[0]


def counts(body: str) -> dict[str, str]:
    strip = stage(body).split('class="progress-counts"')[1].split("</p>")[0]
    return {
        label: n for n, label in re.findall(r"<strong>([^<]+)</strong> ([a-z ]+)</span>", strip)
    }


@pytest.mark.parametrize("persona", ["anonymous", "member", "moderator"])
def test_an_empty_site_says_so_and_what_to_do(persona: str, request: pytest.FixtureRequest) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    body = stage(page(user))
    assert "No documents to review yet" in body
    assert "Nothing left to review" not in body
    assert "Thank you" not in body
    if persona == "anonymous":
        assert 'href="/accounts/signup/"' in body
    else:
        assert 'href="/upload/"' in body
    # Staff get the button that loads the sample; the others are told the command.
    assert ('action="/demo/load/"' in body) == (persona == "moderator")
    assert ("safedata demo load" in body) == (persona != "moderator")


def test_an_uploader_with_only_their_own_documents_left_is_told_why(
    uploader: User, member: User, make_document: Callable[..., Any]
) -> None:
    make_document("One of the uploader's own texts.")
    body = stage(page(uploader))
    assert "Nothing left to review" in body
    assert "you can't rate your own uploads" in body
    assert "Thank you" not in body
    # Someone else sees the document, not the message.
    assert "you can't rate your own uploads" not in stage(page(member))


def test_a_reviewer_who_rated_everything_is_thanked(
    member: User, document: Any, make_document: Callable[..., Any]
) -> None:
    client = Client()
    client.force_login(member)
    client.get("/review/")
    client.post(f"/review/{document.pk}/vote/", {"rating": "great"})
    body = stage(client.get("/review/").content.decode())
    assert "You have rated every document you can review. Thank you!" in body
    assert "you can't rate your own uploads" not in body


def test_progress_counts_this_session_the_total_and_what_is_waiting(
    member: User, make_document: Callable[..., Any]
) -> None:
    def progress(client: Client) -> tuple[str, str, str]:
        shown = counts(client.get("/review/").content.decode())
        assert shown.keys() == {"reviewed this session", "in total", "waiting"}
        return shown["reviewed this session"], shown["in total"], shown["waiting"]

    documents = [make_document() for _ in range(4)]
    client = Client()
    client.force_login(member)
    assert progress(client) == ("0", "0", "4")
    for document in documents[:2]:
        client.post(f"/review/{document.pk}/vote/", {"rating": "neutral"})
    assert progress(client) == ("2", "2", "2")
    # A new session (signed in again) starts its own count; the total stays.
    again = Client()
    again.force_login(member)
    assert progress(again) == ("0", "2", "2")


def test_waiting_is_counted_up_to_a_cap(
    member: User, make_document: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "WAITING_CAP", 3)
    for _ in range(5):
        make_document()
    progress = queue.progress(Voter(key=member.voter_key, user=member))
    assert (progress.waiting, progress.cap, progress.waiting_capped) == (4, 3, True)
    assert counts(page(member))["waiting"] == "3+"


INDENTED = (
    "def greet(name):\n"
    "    if name:\n"
    "        return f'hello {name}'\n"
    "\treturn 'hi'   \n"
    "\n\n\n"
    "  <b>not bold</b> & <script>alert(1)</script>"
)


@pytest.mark.parametrize("url", ["/review/", "/documents/{pk}/"])
def test_text_is_shown_exactly_as_stored_and_escaped(
    url: str, member: User, make_document: Callable[..., Any]
) -> None:
    document = make_document(INDENTED, title="Indented code")
    assert "\n        return" in document.text
    client = Client()
    client.force_login(member)
    body = client.get(url.format(pk=document.pk)).content.decode()
    shown = re.search(r'<div class="[^"]*plain-text">(.*?)</div>', body, re.S)
    assert shown is not None
    assert html.unescape(shown.group(1)) == document.text
    assert "<script>alert(1)</script>" not in body
    assert "&lt;b&gt;not bold&lt;/b&gt;" in shown.group(1)
