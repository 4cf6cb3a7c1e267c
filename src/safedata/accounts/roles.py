"""Roles a member can hold. Moderators are the ``moderators`` group, and staff."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from safedata.accounts.models import User

Person = User | AnonymousUser
"""Whoever makes a request: ``request.user`` (a member, or the anonymous user)."""


def member(user: Person) -> User:
    """``user`` as a member, in a view that requires sign-in (``login_required``)."""
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


MODERATORS_GROUP = "moderators"
"""Name of the Django group whose members moderate documents, reports and votes."""


def is_moderator(user: Person) -> bool:
    """Whether ``user`` may use the moderation pages and API (anonymous users never may)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user.groups.filter(name=MODERATORS_GROUP).exists())


class AccountSuspended(PermissionError):
    """A suspended member tried to upload, vote or report: answered with a 403."""

    code = "account_suspended"

    def __init__(self) -> None:
        super().__init__(
            "Your account is suspended by the moderators: you cannot upload, vote or report "
            "until they reinstate it."
        )


def require_not_suspended(user: Person | None) -> None:
    """Raise ``AccountSuspended`` when ``user`` is a suspended member (anonymous users pass)."""
    if isinstance(user, User) and user.is_authenticated and user.suspended_at is not None:
        raise AccountSuspended
