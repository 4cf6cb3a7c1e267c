"""One key press votes once, and only on the document that was on screen.

The review forms carry a signed "document N went on screen at T" token. The
server refuses a vote or skip whose token names another document, was forged,
or came less than ``MIN_VIEW_MS`` after that document was swapped in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.voting.conftest import htmx

from safedata.documents.models import Document
from safedata.voting.models import Vote
from safedata.voting.views import MIN_VIEW_MS

pytestmark = pytest.mark.django_db


def shown_in(response: Any) -> tuple[int, str]:
    """The document on the served stage and the token its forms carry."""
    body = response.content.decode()
    pk = int(re.search(r'data-document-id="(\d+)"', body).group(1))  # type: ignore[union-attr]
    token = re.search(r'name="shown" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
    return pk, token


def post(client: Client, pk: int, action: str, **data: str) -> Any:
    return client.post(f"/review/{pk}/{action}/", data, headers=htmx(client))


@pytest.fixture
def client_on_stage(make_document: Callable[..., Any]) -> Client:
    for n in range(3):
        make_document(f"Document {n}: a short text worth reading before rating.")
    client = Client(enforce_csrf_checks=True)
    client.get("/review/")
    return client


def test_a_vote_on_a_document_just_swapped_in_is_refused(client_on_stage: Client) -> None:
    first, token = shown_in(client_on_stage.get("/review/"))
    swapped = post(client_on_stage, first, "vote", rating="great", shown=token)
    assert swapped.status_code == 200
    second, fresh = shown_in(swapped)
    assert second != first
    # The same key again, milliseconds after the second document appeared.
    refused = post(client_on_stage, second, "vote", rating="great", shown=fresh)
    assert refused.status_code == 409
    assert "before this document was on screen" in refused.content.decode()
    assert not Vote.objects.filter(document_id=second).exists()
    # The refused document stays on screen, with a new token.
    again, later = shown_in(refused)
    assert again == second
    time.sleep(MIN_VIEW_MS / 1000 + 0.05)
    assert post(client_on_stage, second, "vote", rating="great", shown=later).status_code == 200
    assert Vote.objects.get(document_id=second).rating == "great"


def test_a_full_page_load_is_not_held_back(client_on_stage: Client) -> None:
    pk, token = shown_in(client_on_stage.get("/review/"))
    assert post(client_on_stage, pk, "vote", rating="neutral", shown=token).status_code == 200
    assert Vote.objects.get(document_id=pk).rating == "neutral"


def test_a_vote_for_another_document_than_the_one_shown_is_refused(
    client_on_stage: Client,
) -> None:
    pk, token = shown_in(client_on_stage.get("/review/"))
    other = Document.objects.exclude(pk=pk).first()
    assert other is not None
    refused = post(client_on_stage, other.pk, "vote", rating="unsafe", shown=token)
    assert refused.status_code == 409
    assert "no longer on screen" in refused.content.decode()
    assert not Vote.objects.exists()
    assert shown_in(refused)[0] == pk


@pytest.mark.parametrize("token", ["", "1:2:0", "garbage:with:colons:signed"])
def test_a_forged_token_is_refused(client_on_stage: Client, token: str) -> None:
    pk, _ = shown_in(client_on_stage.get("/review/"))
    refused = post(client_on_stage, pk, "vote", rating="great", shown=token)
    assert refused.status_code == 400
    assert "out of date" in refused.content.decode()
    assert not Vote.objects.exists()


def test_a_skip_just_after_a_swap_is_refused_too(client_on_stage: Client) -> None:
    first, token = shown_in(client_on_stage.get("/review/"))
    second, fresh = shown_in(post(client_on_stage, first, "skip", shown=token))
    refused = post(client_on_stage, second, "skip", shown=fresh)
    assert refused.status_code == 409
    assert client_on_stage.session["review_skipped"] == [first]
