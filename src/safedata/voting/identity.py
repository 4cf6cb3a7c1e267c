"""Who is voting: a member, or an anonymous visitor with a signed cookie."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from safedata.accounts.models import User
from safedata.ratelimit import ip_hash

COOKIE_NAME = "sd_voter"
_SALT = "safedata.voter"


@dataclass(frozen=True, kw_only=True)
class Voter:
    key: str
    user: User | None = None
    is_new: bool = False
    """True when the anonymous id was minted for this request (cookie must be set)."""
    network_key: str = ""
    """Salted hash of the client address, for a newly minted id: dropping the cookie
    must not escape the vote rate limit, so new ids are also limited per address."""

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None


def voter_for(request: HttpRequest) -> Voter:
    """The voter behind ``request``; mints an anonymous id when there is none."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return Voter(key=user.voter_key, user=user)
    anon_id = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT)
    if anon_id:
        return Voter(key=f"a:{anon_id}")
    return Voter(key=f"a:{uuid.uuid4().hex}", is_new=True, network_key=ip_hash(request))


def remember_voter(response: HttpResponse, voter: Voter) -> HttpResponse:
    """Set the signed long-lived cookie for a newly minted anonymous voter."""
    if voter.is_new and voter.key.startswith("a:"):
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
