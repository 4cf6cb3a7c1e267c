"""The document page: text, metadata, votes, consensus, spectrum, and voting from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.documents.models import Document, Visibility
from safedata.voting.models import Vote


@pytest.fixture
def rich_document(make_document: Callable[..., Any]) -> Any:
    document = make_document(
        "First paragraph about <script>alert(1)</script> safety.\n\nSecond paragraph.",
        title="Kitchen knife safety",
        source_url="https://example.org/knives",
        license="CC-BY-4.0",
        language="en",
    )
    Document.objects.filter(pk=document.pk).update(
        votes_unsafe=1,
        votes_neutral=2,
        votes_great=9,
        votes_total=12,
        score=0.53,
        label="great",
        confidence=0.97,
        status="settled",
    )
    return document


def signed_in(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def htmx(client: Client) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"].value}


def test_shows_text_metadata_tallies_and_consensus(rich_document: Any, client: Client) -> None:
    body = client.get(f"/documents/{rich_document.pk}/").content.decode()
    assert '<h1 id="doc-title">Kitchen knife safety</h1>' in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body
    # Shown exactly as stored (issue 11): the blank line kept, no <p> wrapping.
    assert "safety.\n\nSecond paragraph.</div>" in body
    link = 'href="https://example.org/knives" rel="nofollow noopener ugc"'
    for shown in (link, "CC BY 4.0", "uploader", "<dd>en</dd>"):
        assert shown in body
    for tally in (
        "<dt>Unsafe</dt><dd>1</dd>",
        "<dt>Neutral</dt><dd>2</dd>",
        "<dt>Great</dt><dd>9</dd>",
        "<dt>Votes</dt><dd>12</dd>",
    ):
        assert tally in body
    assert "+0.53" in body
    assert "97%" in body
    assert "Settled: reviewers agree it is great" in body


def test_spectrum_marks_the_score_with_a_text_alternative(
    rich_document: Any, client: Client
) -> None:
    body = client.get(f"/documents/{rich_document.pk}/").content.decode()
    assert 'role="img"' in body
    assert "Score 0.53 on a scale from −1 (unsafe) through 0 (neutral) to +1 (great)." in body
    # 20 + (0.53 + 1) / 2 * 560 = 448.4: the marker sits three quarters of the way along.
    assert 'cx="448.4"' in body


@pytest.mark.parametrize("status", ["needs_votes", "contested"])
def test_status_is_explained_in_plain_language(
    status: str, rich_document: Any, client: Client
) -> None:
    Document.objects.filter(pk=rich_document.pk).update(status=status)
    body = client.get(f"/documents/{rich_document.pk}/").content.decode()
    expected = {"needs_votes": "Needs votes", "contested": "Contested: reviewers disagree"}
    assert expected[status] in body


def test_model_prediction_is_a_separate_box(rich_document: Any, client: Client) -> None:
    url = f"/documents/{rich_document.pk}/"
    assert "Model prediction" not in client.get(url).content.decode()
    Document.objects.filter(pk=rich_document.pk).update(
        model_label="unsafe", model_score=-0.4, model_confidence=0.8, model_version="tfidf-3"
    )
    body = client.get(url).content.decode()
    box = body.split('id="model-heading"')[1]
    assert "Model prediction" in body
    assert "−0.40" in box
    assert "tfidf-3" in box
    consensus = body.split('id="vote-panel"')[1].split("</section>")[0]
    assert "−0.40" not in consensus
    assert "tfidf" not in consensus


@pytest.mark.parametrize("visibility", [Visibility.HELD, Visibility.HIDDEN, Visibility.REMOVED])
@pytest.mark.parametrize("persona", ["anonymous", "member", "uploader", "moderator"])
def test_documents_not_visible_are_404_except_to_uploader_and_moderators_and_410_when_removed(
    visibility: str, persona: str, document: Any, request: pytest.FixtureRequest
) -> None:
    Document.objects.filter(pk=document.pk).update(visibility=visibility)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    status = signed_in(user).get(f"/documents/{document.pk}/").status_code
    if visibility == Visibility.REMOVED:
        assert status == 410
    else:
        assert status == (200 if persona in ("uploader", "moderator") else 404)


def test_unknown_document_is_404(client: Client, db: None) -> None:
    assert client.get("/documents/999999/").status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "member", "moderator"])
def test_voting_from_the_page_refreshes_the_panel(
    persona: str, document: Any, request: pytest.FixtureRequest
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = signed_in(user)
    client.get(f"/documents/{document.pk}/")
    response = client.post(
        f"/documents/{document.pk}/vote/", {"rating": "unsafe"}, headers=htmx(client)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="vote-panel"')
    assert "<dt>Unsafe</dt><dd>1</dd>" in body
    assert 'value="unsafe" aria-pressed="true"' in body
    assert "Your rating: <strong>Unsafe</strong>" in body
    # Opening the page again remembers the visitor's rating (cookie or account).
    again = client.get(f"/documents/{document.pk}/").content.decode()
    assert 'value="unsafe" aria-pressed="true"' in again
    assert Vote.objects.get(document=document).rating == "unsafe"


def test_uploader_sees_no_buttons_and_cannot_vote(uploader: User, document: Any) -> None:
    client = signed_in(uploader)
    body = client.get(f"/documents/{document.pk}/").content.decode()
    assert "You uploaded this document, so you cannot rate it." in body
    assert 'name="rating"' not in body
    response = client.post(
        f"/documents/{document.pk}/vote/", {"rating": "great"}, headers=htmx(client)
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_without_csrf_token_is_rejected(document: Any) -> None:
    client = signed_in(None)
    client.get(f"/documents/{document.pk}/")
    response = client.post(
        f"/documents/{document.pk}/vote/", {"rating": "great"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_on_a_removed_document_says_so(member: User, document: Any) -> None:
    client = signed_in(member)
    client.get(f"/documents/{document.pk}/")
    Document.objects.filter(pk=document.pk).update(visibility=Visibility.REMOVED)
    response = client.post(
        f"/documents/{document.pk}/vote/", {"rating": "great"}, headers=htmx(client)
    )
    assert response.status_code == 404
    assert "no longer available" in response.content.decode()
