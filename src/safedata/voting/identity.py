"""Who is voting: a member, or an anonymous visitor with a signed cookie; and how much
the consensus trusts them (their voter class).

Every path that hands out a new anonymous identity counts it against the client's
address (``IDENTITY_RATE_LIMIT``): the review page and the vote or report that sets
the cookie alike, so fetching a page for a fresh cookie before each vote gains
nothing. The document page's vote panel only peeks and never hands one out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from safedata.accounts.models import User
from safedata.consensus.votes import VoterClass
from safedata.ratelimit import Rate, RateLimited, hit, ip_hash

COOKIE_NAME = "sd_voter"
_SALT = "safedata.voter"


@dataclass
class _Mint:
    """Whether this request's new identity was counted against its address yet."""

    counted: bool = False
    refused: RateLimited | None = None


@dataclass(frozen=True, kw_only=True)
class Voter:
    key: str
    user: User | None = None
    is_new: bool = False
    """True when the anonymous id was minted for this request (cookie must be set)."""
    network_key: str = ""
    """Salted hash of the client address (``safedata.ratelimit.ip_hash``): votes are limited
    per address too, and new anonymous ids are counted per address."""
    mint: _Mint = field(default_factory=_Mint, compare=False, repr=False)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None


def voter_for(request: HttpRequest) -> Voter:
    """The voter behind ``request``; mints an anonymous id when there is none."""
    network_key = ip_hash(request)
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return Voter(key=user.voter_key, user=user, network_key=network_key)
    anon_id = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT)
    if anon_id:
        return Voter(key=f"a:{anon_id}", network_key=network_key)
    return Voter(key=f"a:{uuid.uuid4().hex}", is_new=True, network_key=network_key)


def claim_identity(voter: Voter) -> None:
    """Count ``voter``'s newly minted identity against its address, once per request.

    Raises ``RateLimited`` past ``IDENTITY_RATE_LIMIT`` (and again on every later
    claim in the same request). Does nothing for members and known identities.
    """
    if not voter.is_new or not voter.network_key:
        return
    if voter.mint.refused is not None:
        raise voter.mint.refused
    if voter.mint.counted:
        return
    try:
        hit("identity", voter.network_key, Rate.parse(settings.SAFEDATA_IDENTITY_RATE_LIMIT))
    except RateLimited as exc:
        voter.mint.refused = exc
        raise
    voter.mint.counted = True


def remember_voter(response: HttpResponse, voter: Voter) -> HttpResponse:
    """Set the signed long-lived cookie for a newly minted anonymous voter.

    The identity is counted against the address first; past the limit no cookie
    is set (the page still works; a vote from it is refused with 429).
    """
    if not (voter.is_new and voter.key.startswith("a:")):
        return response
    try:
        claim_identity(voter)
    except RateLimited:
        return response
    response.set_signed_cookie(
        COOKIE_NAME,
        voter.key[2:],
        salt=_SALT,
        max_age=settings.SAFEDATA_VOTER_COOKIE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def established_since(now: datetime | None = None) -> datetime:
    """Accounts that joined at or before this instant are old enough to be established."""
    return (now or timezone.now()) - timedelta(days=settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS)


def voter_class(
    voter_key: str,
    *,
    joined: datetime | None = None,
    email_verified: bool = False,
    now: datetime | None = None,
) -> VoterClass:
    """The consensus class of the voter behind ``voter_key``: how much its votes can weigh.

    Anonymous identities (``a:``) are ``ANONYMOUS``. A member (``u:``) is an
    ``ACCOUNT`` once established: a verified e-mail (with
    ``ACCOUNT_ESTABLISHED_BY_EMAIL``) or ``joined`` at least
    ``ACCOUNT_ESTABLISHED_DAYS`` ago; until then ``ANONYMOUS``. Other keys (the
    demo's simulated reviewers) are accounts.
    """
    if voter_key.startswith("a:"):
        return VoterClass.ANONYMOUS
    if not voter_key.startswith("u:"):
        return VoterClass.ACCOUNT
    if email_verified and settings.SAFEDATA_ACCOUNT_ESTABLISHED_BY_EMAIL:
        return VoterClass.ACCOUNT
    if joined is not None and joined <= established_since(now):
        return VoterClass.ACCOUNT
    return VoterClass.ANONYMOUS


def user_class(user: User, now: datetime | None = None) -> VoterClass:
    """``voter_class`` of a member, looking up whether an e-mail of theirs is verified."""
    verified = EmailAddress.objects.filter(user=user, verified=True).exists()
    return voter_class(user.voter_key, joined=user.date_joined, email_verified=verified, now=now)


_LOOKUP_BATCH = 500
"""Members looked up per statement (well under SQLite's parameter limit)."""


def voter_classes(keys: Iterable[str], now: datetime | None = None) -> dict[str, VoterClass]:
    """``voter_class`` of each key, looking members up in bulk (one statement per 500).

    A member key (``u:<id>``) whose account is not established yet is ``ANONYMOUS``.
    Any other key is ``ACCOUNT`` (the demo's reviewers), and so is a member key
    without a user row (an account deleted since): no one can vote under it.
    """
    now = now or timezone.now()
    classes: dict[str, VoterClass] = {}
    members: dict[int, str] = {}
    for key in keys:
        user_id = key[2:] if key.startswith("u:") else ""
        if user_id.isdigit():
            members[int(user_id)] = key
        else:
            anonymous = key.startswith("a:")
            classes[key] = VoterClass.ANONYMOUS if anonymous else VoterClass.ACCOUNT
    if members and settings.SAFEDATA_ACCOUNT_ESTABLISHED_DAYS == 0:
        classes.update(dict.fromkeys(members.values(), VoterClass.ACCOUNT))
        return classes
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    ids = sorted(members)
    for start in range(0, len(ids), _LOOKUP_BATCH):
        found = (
            User.objects.filter(pk__in=ids[start : start + _LOOKUP_BATCH])
            .annotate(email_verified=Exists(verified))
            .values_list("pk", "date_joined", "email_verified")
        )
        for pk, joined, email_verified in found:
            key = members.pop(pk)
            classes[key] = voter_class(key, joined=joined, email_verified=email_verified, now=now)
    classes.update(dict.fromkeys(members.values(), VoterClass.ACCOUNT))
    return classes
