"""Personal API tokens: issue (the raw value is returned once) and revoke, both audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from safedata.accounts.models import ApiToken, User
from safedata.audit.models import log_action

MAX_ACTIVE_TOKENS = 20
"""A cap so a leaked session cannot mint tokens without end."""


class TokenError(ValueError):
    """A token request that cannot be granted; the message is shown to the user."""


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its raw value, which is never stored."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, so you can recognise it later.")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name)
        log_action("token.created", token, actor=user, data={"name": name, "prefix": token.prefix})
    return token, raw


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s tokens; ``ApiToken.DoesNotExist`` for anyone else's."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_action("token.revoked", token, actor=user, data={"prefix": token.prefix})
    return token
