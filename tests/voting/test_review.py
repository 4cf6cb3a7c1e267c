"""The review page: one document at a time, votes and skips over htmx, no herding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.voting.conftest import htmx, shown_id

from safedata.accounts.models import User
from safedata.documents.models import Document, Visibility
from safedata.voting.models import Vote
from safedata.voting.views import MAX_SKIPPED, SKIPPED_SESSION_KEY


@pytest.fixture
def browser() -> Callable[[User | None], Client]:
    """A client that checks CSRF like production, signed in as ``user`` (or anonymous)."""

    def make(user: User = None) -> Client:
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        return client

    return make


def vote(client: Client, pk: int, rating: str) -> Any:
    return client.post(f"/review/{pk}/vote/", {"rating": rating}, headers=htmx(client))


@pytest.mark.parametrize("persona", ["anonymous", "member", "moderator"])
def test_every_persona_gets_a_document_without_its_tallies(
    persona: str,
    browser: Callable[[User | None], Client],
    request: pytest.FixtureRequest,
    make_document: Callable[..., Any],
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    document = make_document("A calm explanation of photosynthesis for children.")
    # A tally no id, timestamp or size on the page can collide with.
    Document.objects.filter(pk=document.pk).update(
        votes_great=4187, votes_total=4187, label="great"
    )
    response = browser(user).get("/review/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "photosynthesis" in body
    # No herding: nothing of the community's verdict before the visitor votes.
    assert "All votes" not in body
    assert "4187" not in body.split('id="review-stage"')[1].split("</article>")[0]
    assert "badge-great" not in body.split('id="review-stage"')[1].split("</article>")[0]
    assert 'data-key="1"' in body
    assert 'data-key="s"' in body


def test_anonymous_visitor_gets_a_voter_cookie(
    browser: Callable[[User | None], Client], document: Any
) -> None:
    response = browser(None).get("/review/")
    assert "sd_voter" in response.cookies


def test_uploader_never_gets_their_own_documents(
    browser: Callable[[User | None], Client], uploader: User, document: Any
) -> None:
    response = browser(uploader).get("/review/")
    assert shown_id(response) is None
    assert "Nothing left to review" in response.content.decode()


def test_vote_reveals_the_tallies_and_brings_the_next_document(
    browser: Callable[[User | None], Client], make_document: Callable[..., Any]
) -> None:
    first, second = make_document(), make_document()
    client = browser(None)
    current = shown_id(client.get("/review/"))
    assert current in {first.pk, second.pk}
    response = vote(client, current, "great")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "voting/_stage.html"
    body = response.content.decode()
    assert "You rated" in body
    assert "All votes: 0 unsafe · 0 neutral · 1 great" in body
    assert shown_id(response) == ({first.pk, second.pk} - {current}).pop()
    assert Vote.objects.get(document_id=current).rating == "great"


def test_vote_without_csrf_token_is_rejected(
    browser: Callable[[User | None], Client], document: Any
) -> None:
    client = browser(None)
    client.get("/review/")
    response = client.post(
        f"/review/{document.pk}/vote/", {"rating": "great"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_skip_is_not_shown_again_in_the_session(
    browser: Callable[[User | None], Client], make_document: Callable[..., Any]
) -> None:
    make_document(), make_document()
    client = browser(None)
    skipped = shown_id(client.get("/review/"))
    response = client.post(f"/review/{skipped}/skip/", headers=htmx(client))
    assert response.status_code == 200
    other = shown_id(response)
    assert other not in {None, skipped}
    for _ in range(10):
        assert shown_id(client.get("/review/")) == other
    vote(client, other, "neutral")
    final = client.get("/review/")
    assert shown_id(final) is None
    assert "Show the 1 skipped document again" in final.content.decode()
    assert not Vote.objects.filter(document_id=skipped).exists()


def test_skips_can_be_reset(browser: Callable[[User | None], Client], document: Any) -> None:
    client = browser(None)
    client.get("/review/")
    client.post(f"/review/{document.pk}/skip/", headers=htmx(client))
    assert shown_id(client.get("/review/")) is None
    response = client.post("/review/skips/reset/", headers=htmx(client))
    assert response.status_code == 302
    assert shown_id(client.get("/review/")) == document.pk


def test_skip_list_is_bounded(browser: Callable[[User | None], Client], document: Any) -> None:
    client = browser(None)
    client.get("/review/")
    session = client.session
    session[SKIPPED_SESSION_KEY] = list(range(10**6, 10**6 + MAX_SKIPPED))
    session.save()
    client.post(f"/review/{document.pk}/skip/", headers=htmx(client))
    kept = client.session[SKIPPED_SESSION_KEY]
    assert len(kept) == MAX_SKIPPED
    assert kept[-1] == document.pk
    assert 10**6 not in kept


@pytest.mark.parametrize(
    ("setup", "status", "message"),
    [
        ("own", 403, "You uploaded that document"),
        ("removed", 404, "no longer available"),
        ("bad_rating", 400, "Choose Unsafe, Neutral or Great"),
        ("rate_limited", 429, "Please wait"),
    ],
)
def test_refusals_show_a_friendly_inline_message(
    setup: str,
    status: int,
    message: str,
    browser: Callable[[User | None], Client],
    uploader: User,
    member: User,
    document: Any,
    settings: Any,
) -> None:
    client = browser(uploader if setup == "own" else member)
    client.get("/review/")
    rating = "excellent" if setup == "bad_rating" else "great"
    if setup == "removed":
        Document.objects.filter(pk=document.pk).update(visibility=Visibility.REMOVED)
    if setup == "rate_limited":
        settings.SAFEDATA_VOTE_RATE_LIMIT = "1/m"
        other = Document.objects.create(
            uploader=uploader, text="x", content_sha256="f" * 64, char_count=1
        )
        assert vote(client, other.pk, "great").status_code == 200
    response = vote(client, document.pk, rating)
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'id="review-stage"' in response.content.decode()
    assert not Vote.objects.filter(document=document).exists()


def test_without_javascript_the_forms_post_and_redirect(
    browser: Callable[[User | None], Client], document: Any
) -> None:
    client = browser(None)
    client.get("/review/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/review/{document.pk}/vote/", {"rating": "unsafe", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    assert Vote.objects.get(document=document).rating == "unsafe"


def test_review_page_rejects_other_methods(browser: Callable[[User | None], Client]) -> None:
    assert browser(None).get("/review/1/vote/").status_code == 405
