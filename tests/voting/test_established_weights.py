"""Consensus v2 weighs a member's vote as an account's only once the account is established.

Until then (joined less than ``ACCOUNT_ESTABLISHED_DAYS`` ago, no verified e-mail)
the vote weighs like an anonymous identity's, on the vote path and in the refit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from safedata.accounts.models import User
from safedata.consensus.votes import VoterClass
from safedata.documents.models import Document
from safedata.voting import refit, weights
from safedata.voting.identity import Voter
from safedata.voting.services import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def v2(settings: Any) -> None:
    settings.SAFEDATA_CONSENSUS_METHOD = "dawid-skene-v2"
    settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS = 7
    settings.SAFEDATA_ACCOUNT_ESTABLISHED_BY_EMAIL = True


def _effective(document_id: int, voter: Voter) -> float:
    """The effective weight of ``voter``'s single great vote on the document."""
    _, consensus = cast_vote(document_id, voter, "great", blind=True)
    return float(consensus.effective_votes)


def test_young_account_weighs_like_an_anonymous_identity(
    make_user: Callable[..., User], make_document: Callable[..., Document]
) -> None:
    young = make_user("young")  # joined just now, e-mail not verified
    aged = make_user("aged")
    User.objects.filter(pk=aged.pk).update(date_joined=timezone.now() - timedelta(days=8))
    verified = make_user("verified")
    EmailAddress.objects.create(user=verified, email=verified.email, verified=True, primary=True)

    anonymous = _effective(make_document("A text for the anonymous vote.").pk, Voter(key="a:x1"))
    weights_by_member = {
        user.username: _effective(
            make_document(f"A text for {user.username}'s vote.").pk,
            Voter(key=user.voter_key, user=user),
        )
        for user in (young, aged, verified)
    }
    assert weights_by_member["young"] == pytest.approx(anonymous)
    assert anonymous < 0.2 < 0.9 < weights_by_member["aged"]
    assert weights_by_member["verified"] == pytest.approx(weights_by_member["aged"])
    assert weights.voter_classes([young.voter_key, aged.voter_key, "a:x1", "demo:r1"]) == [
        VoterClass.ANONYMOUS,
        VoterClass.ACCOUNT,
        VoterClass.ANONYMOUS,
        VoterClass.ACCOUNT,
    ]


def test_the_refit_puts_young_accounts_in_the_anonymous_class(
    make_user: Callable[..., User], make_document: Callable[..., Document], settings: Any
) -> None:
    young, aged = make_user("young"), make_user("aged")
    User.objects.filter(pk=aged.pk).update(date_joined=timezone.now() - timedelta(days=30))
    document = make_document("A text both members rate before the refit.")
    for user in (young, aged):
        cast_vote(document.pk, Voter(key=user.voter_key, user=user), "great", blind=True)
    read = refit.read_votes()
    classes = dict(zip(read.voter_keys, read.votes.classes_of_voters().tolist(), strict=True))
    assert classes == {young.voter_key: VoterClass.ANONYMOUS, aged.voter_key: VoterClass.ACCOUNT}
    settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS = 0  # every account established at once
    assert set(weights.voter_classes([young.voter_key, aged.voter_key])) == {VoterClass.ACCOUNT}
