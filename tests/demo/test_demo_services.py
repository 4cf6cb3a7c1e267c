"""Loading and clearing the sample through the real upload and vote services."""

from __future__ import annotations

from typing import Any

import pytest

from safedata.audit.models import AuditEntry
from safedata.demo.sample import SAMPLE
from safedata.demo.services import (
    DEMO_USERNAME,
    VOTER_PREFIX,
    DemoError,
    clear_sample,
    load_sample,
)
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, int]:
    return Document.objects.count(), Vote.objects.count(), AuditEntry.objects.count()


def test_load_uploads_the_sample_with_consistent_simulated_votes() -> None:
    report = load_sample()
    expected_votes = sum(len(doc.votes) for doc in SAMPLE)
    assert (report.documents_created, report.votes_cast) == (len(SAMPLE), expected_votes)
    documents = Document.objects.filter(uploader__username=DEMO_USERNAME)
    assert documents.count() == len(SAMPLE)
    assert set(documents.values_list("license", flat=True)) == {"CC0-1.0"}
    assert all(document.title for document in documents)
    votes = Vote.objects.filter(document__in=documents)
    assert votes.count() == expected_votes
    assert all(key.startswith(VOTER_PREFIX) for key in votes.values_list("voter_key", flat=True))
    for document in documents:
        assert document.votes_total == document.votes.count()
    assert AuditEntry.objects.filter(action="vote.cast").count() == expected_votes
    assert AuditEntry.objects.filter(action="document.uploaded").count() == len(SAMPLE)
    assert set(documents.filter(status="settled").values_list("label", flat=True)) >= {
        "great",
        "neutral",
        "unsafe",
    }


def test_a_second_load_adds_nothing() -> None:
    load_sample()
    before = _state()
    report = load_sample()
    assert (report.documents_created, report.votes_cast) == (0, 0)
    assert report.documents_total == len(SAMPLE)
    assert _state() == before


def test_load_restores_what_is_missing_from_the_sample() -> None:
    load_sample()
    document = Document.objects.get(title=SAMPLE[0].title)
    document.delete()  # its votes go with it
    report = load_sample()
    assert (report.documents_created, report.votes_cast) == (1, len(SAMPLE[0].votes))
    assert Document.objects.get(title=SAMPLE[0].title).votes_total == len(SAMPLE[0].votes)


def test_clear_removes_the_sample_and_nothing_else(
    make_document: Any, uploader: Any, member: Any
) -> None:
    own = make_document("A member's own document about keeping houseplants alive.")
    cast_vote(own.pk, Voter(key=member.voter_key, user=member), "great")
    load_sample()
    sample_document = Document.objects.filter(uploader__username=DEMO_USERNAME).first()
    assert sample_document is not None
    cast_vote(sample_document.pk, Voter(key=member.voter_key, user=member), "neutral")

    report = clear_sample()

    assert report.documents_removed == len(SAMPLE)
    assert report.votes_removed == sum(len(doc.votes) for doc in SAMPLE) + 1
    assert list(Document.objects.values_list("pk", flat=True)) == [own.pk]
    assert list(Vote.objects.values_list("document_id", "voter_key")) == [
        (own.pk, member.voter_key)
    ]
    own.refresh_from_db()
    assert own.votes_total == 1
    assert not Vote.objects.filter(voter_key__startswith=VOTER_PREFIX).exists()
    from safedata.accounts.models import User

    assert not User.objects.filter(username=DEMO_USERNAME).exists()
    assert set(User.objects.values_list("username", flat=True)) == {"uploader", "member"}
    assert AuditEntry.objects.filter(action="demo.cleared").count() == 1
    assert clear_sample().documents_removed == 0


def test_a_real_account_named_demo_is_never_used_or_removed(make_user: Any) -> None:
    real = make_user(DEMO_USERNAME)
    with pytest.raises(DemoError, match="real account"):
        load_sample()
    with pytest.raises(DemoError, match="real account"):
        clear_sample()
    assert Document.objects.count() == 0
    real.refresh_from_db()
    assert real.is_active
