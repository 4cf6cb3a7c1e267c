"""Votes on the site under both methods: independence, counted flags, undo and recounts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.audit.models import AuditEntry
from safedata.documents.models import Document
from safedata.voting import services, weights
from safedata.voting.identity import Voter
from safedata.voting.models import QuarantineGroup, Vote
from safedata.voting.services import cast_vote

pytestmark = pytest.mark.django_db

V2 = "dawid-skene-v2"


@pytest.fixture(params=["dirichlet-v1", V2])
def method(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.SAFEDATA_CONSENSUS_METHOD = request.param
    settings.SAFEDATA_VOTE_RATE_LIMIT = "100000/m"
    return str(request.param)


def _voters(n: int, prefix: str = "a:v") -> list[Voter]:
    return [Voter(key=f"{prefix}{i}") for i in range(n)]


def _fresh(document: Document) -> tuple[Any, ...]:
    """The stored consensus fields of ``document``, read again."""
    document.refresh_from_db()
    c = document.consensus
    return (c.label, c.score, c.confidence, c.status, c.counts, c.score_interval, c.quarantined)


def _recounted(document: Document) -> tuple[Any, ...]:
    c = services.recount_documents([document.pk])[document.pk]
    return (c.label, c.score, c.confidence, c.status, c.counts, c.score_interval, c.quarantined)


def test_first_blind_vote_on_an_open_document_is_the_only_independent_one(
    method: str, member: User, document: Document, make_document: Any
) -> None:
    me = Voter(key=member.voter_key, user=member)
    cast_vote(document.pk, me, "great", blind=True)
    assert Vote.objects.get(voter_key=me.key).independent
    cast_vote(document.pk, me, "neutral", blind=True)  # changed after seeing the tally
    assert not Vote.objects.get(voter_key=me.key).independent

    seen = make_document("A second text, rated through the API, which shows the tally.")
    cast_vote(seen.pk, me, "great")
    assert not Vote.objects.get(document=seen).independent

    settled = make_document("A third text that the community has already settled on.")
    for voter in _voters(8, "u:settler"):
        cast_vote(settled.pk, voter, "great")
    assert Document.objects.get(pk=settled.pk).status == "settled"
    cast_vote(settled.pk, me, "great", blind=True)
    assert not Vote.objects.get(document=settled, voter_key=me.key).independent


def test_api_and_review_page_paths_set_the_flag(member: User, document: Document) -> None:
    client = Client()
    client.force_login(member)
    response = client.post(
        f"/api/v1/documents/{document.pk}/vote",
        {"rating": "great"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not Vote.objects.get().independent
    Vote.objects.all().delete()
    services.recount_documents([document.pk])
    response = client.post(f"/review/{document.pk}/vote/", {"rating": "great"})
    assert response.status_code in (200, 302)
    assert Vote.objects.get().independent


def test_every_vote_leaves_the_document_equal_to_a_fresh_recount(
    method: str, document: Document
) -> None:
    ratings = ["great", "great", "unsafe", "neutral", "great", "great", "great", "great"]
    for voter, rating in zip(_voters(len(ratings), "u:r"), ratings, strict=True):
        _, consensus = cast_vote(document.pk, voter, rating, blind=True)
        stored = _fresh(document)
        assert stored == _recounted(document)
        assert stored[5] == consensus.score_interval
    assert document.votes_total == len(ratings)
    low, high = document.consensus.score_interval
    assert -1.0 <= low <= high <= 1.0
    assert (low, high) != (-1.0, 1.0)


def test_withdraw_vote_deletes_recounts_and_audits(
    method: str, member: User, document: Document
) -> None:
    me = Voter(key=member.voter_key, user=member)
    for voter in _voters(2):
        cast_vote(document.pk, voter, "neutral")
    before = _fresh(document)
    cast_vote(document.pk, me, "unsafe")
    assert _fresh(document) != before

    withdrawn = services.withdraw_vote(document, me)
    assert withdrawn is not None
    assert withdrawn.rating == "unsafe"
    assert not Vote.objects.filter(voter_key=me.key).exists()
    assert _fresh(document) == before
    assert withdrawn.consensus.counts == document.counts
    entry = AuditEntry.objects.get(action="vote.withdrawn")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        member.pk,
        str(document.pk),
        {"rating": "unsafe"},
    )
    assert services.withdraw_vote(document, me) is None
    assert AuditEntry.objects.filter(action="vote.withdrawn").count() == 1


def test_uncounted_votes_have_no_effect_and_come_back(
    method: str, document: Document, moderator: User
) -> None:
    honest = _voters(4, "u:honest")
    for voter in honest:
        cast_vote(document.pk, voter, "great")
    baseline = _fresh(document)
    for voter in _voters(6, "a:brigade"):
        cast_vote(document.pk, voter, "unsafe")
    attacked = _fresh(document)
    assert attacked[4].unsafe == 6

    brigade = Vote.objects.filter(voter_key__startswith="a:brigade")
    assert services.set_votes_counted(brigade, False, actor=moderator, reason="burst") == 6
    stored = _fresh(document)
    assert stored[:6] == baseline[:6]
    assert stored[6] == 6
    assert document.votes_total == 4
    entry = AuditEntry.objects.get(action="vote.uncounted")
    assert entry.data == {"reason": "burst", "votes": 6}
    assert services.set_votes_counted(brigade, False, actor=moderator, reason="again") == 0

    assert services.set_votes_counted(brigade, True, actor=moderator, reason="released") == 6
    assert _fresh(document) == attacked
    assert AuditEntry.objects.get(action="vote.counted").data == {"reason": "released", "votes": 6}


def test_counting_again_skips_votes_held_by_an_open_group(
    document: Document, moderator: User
) -> None:
    for voter in _voters(3):
        cast_vote(document.pk, voter, "unsafe")
    group = QuarantineGroup.objects.create(reason=QuarantineGroup.Reason.BURST, document=document)
    held = Vote.objects.filter(voter_key="a:v0")
    held.update(quarantine_group=group)
    everything = Vote.objects.filter(document=document)
    services.set_votes_counted(everything, False, actor=moderator, reason="suspended")
    assert services.set_votes_counted(everything, True, actor=moderator, reason="back") == 2
    assert not held.get().counted
    document.refresh_from_db()
    assert (document.votes_unsafe, document.votes_uncounted) == (2, 1)


def test_v2_weighs_a_new_anonymous_identity_below_an_account(
    settings: Any, make_document: Any
) -> None:
    settings.SAFEDATA_CONSENSUS_METHOD = V2
    by_account = make_document("Rated once by an account.")
    by_anonymous = make_document("Rated once by an anonymous identity.")
    _, account = cast_vote(by_account.pk, Voter(key="u:99"), "great")
    _, anonymous = cast_vote(by_anonymous.pk, Voter(key="a:fresh"), "great")
    assert account.effective_votes == pytest.approx(1.0)
    assert anonymous.effective_votes < 0.5 * account.effective_votes
    assert anonymous.score < account.score
    assert "anonymous_trust" in weights.method_params()


def test_document_page_and_api_say_why_with_the_interval(
    method: str, document: Document, moderator: User, client: Client
) -> None:
    for voter in _voters(5, "u:r"):
        cast_vote(document.pk, voter, "great")
    cast_vote(document.pk, Voter(key="a:odd"), "unsafe")
    odd = Vote.objects.filter(voter_key="a:odd")
    services.set_votes_counted(odd, False, actor=moderator, reason="burst")
    document.refresh_from_db()
    low, high = document.score_low, document.score_high

    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Based on 5 counted votes (0 unsafe, 0 neutral, 5 great)" in page
    assert f"weighing {document.effective_votes:.1f} effective votes" in page
    assert "1 vote quarantined or suspended, left out" in page
    assert 'class="spectrum-interval"' in page

    body = client.get(f"/api/v1/documents/{document.pk}").json()["consensus"]
    assert body["score_interval"] == [low, high]
    assert body["uncounted"] == 1
    assert body["effective_votes"] == pytest.approx(document.effective_votes)
