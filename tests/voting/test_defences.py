"""Vote defences: bursts of young identities and serial voting go into quarantine groups
(out of the consensus) until a moderator releases or confirms them, or they age in; the
voter class of accounts; the moderators' quarantine page, for every persona."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.conftest import PASSWORD

from safedata.accounts.models import User
from safedata.accounts.roles import MODERATORS_GROUP
from safedata.audit.models import AuditEntry
from safedata.consensus.votes import VoterClass
from safedata.documents.models import Document
from safedata.voting import defences
from safedata.voting.identity import Voter, user_class, voter_class
from safedata.voting.models import QuarantineGroup, Vote
from safedata.voting.services import cast_vote, set_votes_counted

State = QuarantineGroup.State


@pytest.fixture
def thresholds(settings: Any) -> Callable[..., None]:
    def change(**fields: Any) -> None:
        settings.SAFEDATA_DEFENCES = dataclasses.replace(settings.SAFEDATA_DEFENCES, **fields)

    return change


def _brigade(document: Document, size: int, rating: str = "unsafe", prefix: str = "b") -> None:
    for n in range(size):
        cast_vote(document.pk, Voter(key=f"a:{prefix}{n}"), rating)


def _old_accounts(make_user: Callable[..., User], document: Document, count: int) -> None:
    """Established members who agreed on ``great`` a week ago."""
    for n in range(count):
        user = make_user(f"old{n}")
        User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=30))
        cast_vote(document.pk, Voter(key=user.voter_key, user=user), "great")
    Vote.objects.update(
        created_at=timezone.now() - timedelta(days=7), updated_at=timezone.now() - timedelta(days=7)
    )


def test_a_burst_of_young_identities_is_quarantined_as_one_group(
    document: Document, make_user: Callable[..., User]
) -> None:
    _old_accounts(make_user, document, 5)
    _brigade(document, 20)
    group = QuarantineGroup.objects.get()
    assert (group.reason, group.status, group.document_id) == ("burst", State.OPEN, document.pk)
    assert group.votes.count() == 20
    assert not Vote.objects.filter(voter_key__startswith="a:", counted=True).exists()
    document.refresh_from_db()
    assert (document.votes_great, document.votes_unsafe, document.votes_uncounted) == (5, 0, 20)
    assert document.label == "great"
    assert AuditEntry.objects.filter(action="quarantine.opened").count() == 1
    assert AuditEntry.objects.filter(action="quarantine.extended").count() == 15


def test_quarantined_votes_have_no_effect_on_the_consensus(
    make_document: Callable[..., Document], make_user: Callable[..., User]
) -> None:
    attacked, untouched = make_document(), make_document()
    _old_accounts(make_user, attacked, 3)
    for n in range(3):
        user = User.objects.get(username=f"old{n}")
        cast_vote(untouched.pk, Voter(key=user.voter_key, user=user), "great")
    _brigade(attacked, 12)
    attacked.refresh_from_db()
    untouched.refresh_from_db()
    assert attacked.consensus.label == untouched.consensus.label
    assert attacked.score == pytest.approx(untouched.score)
    assert attacked.confidence == pytest.approx(untouched.confidence)


def test_mixed_or_old_identities_are_no_burst(
    document: Document, thresholds: Callable[..., None]
) -> None:
    _brigade(document, 3, "unsafe", "u")
    _brigade(document, 3, "great", "g")  # 3 of each: below the burst size
    for n in range(5):  # identities first seen long ago are not young
        Vote.objects.create(
            document=Document.objects.create(
                uploader=document.uploader, text=f"x{n}", content_sha256=f"{n:064x}", char_count=2
            ),
            voter_key=f"a:veteran{n}",
            rating="neutral",
        )
    Vote.objects.filter(voter_key__startswith="a:veteran").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    for n in range(5):
        cast_vote(document.pk, Voter(key=f"a:veteran{n}"), "unsafe")
    assert not QuarantineGroup.objects.exists()
    assert not Vote.objects.filter(counted=False).exists()


def test_accounts_count_fully_once_established(
    member: User, settings: Any, thresholds: Callable[..., None]
) -> None:
    assert user_class(member) == VoterClass.ANONYMOUS  # joined just now, no verified e-mail
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    assert user_class(member) == VoterClass.ACCOUNT
    settings.SAFEDATA_ACCOUNT_ESTABLISHED_BY_EMAIL = False
    assert user_class(member) == VoterClass.ANONYMOUS
    old = timezone.now() - timedelta(days=settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS)
    assert voter_class(member.voter_key, joined=old) == VoterClass.ACCOUNT
    assert voter_class("a:abc", joined=old, email_verified=True) == VoterClass.ANONYMOUS
    assert voter_class("demo:reviewer-1") == VoterClass.ACCOUNT


def test_young_accounts_join_a_burst_and_established_ones_do_not(
    document: Document, make_user: Callable[..., User], settings: Any
) -> None:
    fresh = [make_user(f"fresh{n}") for n in range(5)]
    for user in fresh:
        cast_vote(document.pk, Voter(key=user.voter_key, user=user), "unsafe")
    assert QuarantineGroup.objects.get().votes.count() == 5
    other = Document.objects.create(
        uploader=document.uploader, text="y", content_sha256="e" * 64, char_count=1
    )
    settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS = 0
    for user in fresh:
        cast_vote(other.pk, Voter(key=user.voter_key, user=user), "unsafe")
    assert QuarantineGroup.objects.count() == 1


def test_serial_voting_on_one_uploader_is_quarantined(
    make_document: Callable[..., Document], member: User, thresholds: Callable[..., None]
) -> None:
    thresholds(serial_min_votes=4)
    documents = [make_document() for _ in range(6)]
    voter = Voter(key=member.voter_key, user=member)
    for document in documents[:3]:
        cast_vote(document.pk, voter, "unsafe")
    assert not QuarantineGroup.objects.exists()
    for document in documents[3:]:
        cast_vote(document.pk, voter, "unsafe")
    group = QuarantineGroup.objects.get()
    assert (group.reason, group.target_uploader_id) == ("serial", documents[0].uploader_id)
    assert group.votes.count() == 6
    assert group.detail["voter_key"] == member.voter_key
    assert not Vote.objects.filter(counted=True).exists()


def test_review_page_votes_are_no_series(
    make_document: Callable[..., Document], member: User, thresholds: Callable[..., None]
) -> None:
    thresholds(serial_min_votes=4)
    voter = Voter(key=member.voter_key, user=member)
    for document in [make_document() for _ in range(6)]:
        cast_vote(document.pk, voter, "unsafe", blind=True)  # the queue chose these
    assert not QuarantineGroup.objects.exists()


@pytest.fixture
def burst_group(document: Document) -> QuarantineGroup:
    _brigade(document, 6)
    return QuarantineGroup.objects.get()


def _counted(group: QuarantineGroup) -> int:
    return group.votes.filter(counted=True).count()


def test_decisions_count_the_votes_and_can_be_changed(
    burst_group: QuarantineGroup, moderator: User, document: Document
) -> None:
    defences.decide(burst_group.pk, State.RELEASED, moderator)
    assert _counted(burst_group) == 6
    document.refresh_from_db()
    assert (document.votes_unsafe, document.votes_uncounted) == (6, 0)
    defences.decide(burst_group.pk, State.CONFIRMED, moderator)
    assert _counted(burst_group) == 0
    defences.decide(burst_group.pk, State.OPEN, moderator)
    assert _counted(burst_group) == 0
    defences.decide(burst_group.pk, State.RELEASED, moderator)
    assert _counted(burst_group) == 6
    actions = list(
        AuditEntry.objects.filter(action__startswith="quarantine.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "quarantine.released",
        "quarantine.confirmed",
        "quarantine.reopened",
        "quarantine.released",
    ]
    with pytest.raises(defences.QuarantineError) as again:
        defences.decide(burst_group.pk, State.RELEASED, moderator)
    assert again.value.status == 409


def test_other_recounts_never_lift_a_confirmed_group(
    burst_group: QuarantineGroup, moderator: User
) -> None:
    defences.decide(burst_group.pk, State.CONFIRMED, moderator)
    assert set_votes_counted(Vote.objects.all(), True, actor=moderator, reason="test") == 0
    assert _counted(burst_group) == 0


def test_open_groups_age_in(burst_group: QuarantineGroup, settings: Any) -> None:
    days = settings.SAFEDATA_DEFENCES.age_in_days
    QuarantineGroup.objects.update(created_at=timezone.now() - timedelta(days=days - 1))
    assert defences.age_in() == 0
    QuarantineGroup.objects.update(created_at=timezone.now() - timedelta(days=days + 1))
    assert defences.age_in() == 1
    burst_group.refresh_from_db()
    assert burst_group.status == State.RELEASED
    assert _counted(burst_group) == 6
    assert AuditEntry.objects.filter(action="quarantine.aged_in").exists()


# --- The quarantine page, for every persona -----------------------------------------------


@pytest.fixture
def personas(make_user: Callable[..., User]) -> dict[str, Client]:
    member = make_user("plain-member")
    group_moderator = make_user("group-moderator")
    group_moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    staff = make_user("staff-member", is_staff=True)
    clients = {"anonymous": Client(enforce_csrf_checks=True)}
    for name, user in (("member", member), ("moderator", group_moderator), ("staff", staff)):
        client = Client(enforce_csrf_checks=True)
        assert client.login(username=user.username, password=PASSWORD)
        clients[name] = client
    return clients


def _post(client: Client, url: str) -> Any:
    client.get("/quarantine/")  # the page (or the refusal) sets the CSRF cookie
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return client.post(url, {"csrfmiddlewaretoken": token})


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 403), ("member", 403), ("moderator", 200), ("staff", 200)]
)
def test_quarantine_page_access(
    personas: dict[str, Client], burst_group: QuarantineGroup, persona: str, status: int
) -> None:
    response = personas[persona].get("/quarantine/")
    assert response.status_code == status
    body = response.content.decode()
    assert (f"#{burst_group.pk}" in body) == (status == 200)


@pytest.mark.parametrize(
    ("persona", "released"),
    [("anonymous", False), ("member", False), ("moderator", True), ("staff", True)],
)
def test_release_by_persona(
    personas: dict[str, Client], burst_group: QuarantineGroup, persona: str, released: bool
) -> None:
    response = _post(personas[persona], f"/quarantine/{burst_group.pk}/release/")
    assert response.status_code == (302 if released else 403)
    burst_group.refresh_from_db()
    assert (burst_group.status == State.RELEASED) == released
    assert _counted(burst_group) == (6 if released else 0)


def test_decisions_need_csrf_and_post(
    personas: dict[str, Client], burst_group: QuarantineGroup
) -> None:
    moderator = personas["moderator"]
    assert moderator.post(f"/quarantine/{burst_group.pk}/confirm/").status_code == 403
    assert moderator.get(f"/quarantine/{burst_group.pk}/confirm/").status_code == 405
    assert _post(moderator, f"/quarantine/{burst_group.pk}/explode/").status_code == 404
    assert _post(moderator, "/quarantine/999999/confirm/").status_code == 404
    burst_group.refresh_from_db()
    assert burst_group.status == State.OPEN
    response = _post(moderator, f"/quarantine/{burst_group.pk}/confirm/")
    assert response.status_code == 302
    burst_group.refresh_from_db()
    assert burst_group.status == State.CONFIRMED
    assert burst_group.resolved_by is not None


@pytest.mark.parametrize("addresses", [1, 20])
def test_a_brigade_of_fresh_identities_does_not_flip_a_settled_document(
    document: Document, make_user: Callable[..., User], addresses: int
) -> None:
    """The issue's attack through the site: 5 agreeing accounts, then 20 new cookies."""
    _old_accounts(make_user, document, 5)
    for n in range(20):
        client = Client()  # no cookie: a fresh identity each time
        address = f"203.0.113.{n % addresses + 1}"
        client.get("/review/", REMOTE_ADDR=address)
        response = client.post(
            f"/documents/{document.pk}/vote/",
            {"rating": "unsafe"},
            HTTP_HX_REQUEST="true",
            REMOTE_ADDR=address,
        )
        assert response.status_code == 200
    document.refresh_from_db()
    assert document.label == "great"
    assert document.votes_unsafe == 0
    assert document.votes_uncounted == 20


def test_old_open_groups_age_in_after_a_later_vote(
    burst_group: QuarantineGroup,
    make_document: Callable[..., Document],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    days = settings.SAFEDATA_DEFENCES.age_in_days
    QuarantineGroup.objects.update(created_at=timezone.now() - timedelta(days=days + 1))
    with django_capture_on_commit_callbacks(execute=True):
        cast_vote(make_document().pk, Voter(key="a:soon"), "neutral")
    burst_group.refresh_from_db()
    assert burst_group.status == State.OPEN  # the brigade's votes ran it less than an hour ago
    cache.delete(defences.AGE_IN_GATE)  # an hour later
    with django_capture_on_commit_callbacks(execute=True):
        cast_vote(make_document().pk, Voter(key="a:later"), "neutral")
    burst_group.refresh_from_db()
    assert burst_group.status == State.RELEASED
