"""Who counts as a moderator: the moderators group and staff, never anonymous or inactive users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from safedata.accounts.roles import MODERATORS_GROUP, is_moderator


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("member", False), ("moderator", True), ("staff", True), ("inactive_moderator", False)],
)
def test_is_moderator(make_user: Callable[..., Any], persona: str, expected: bool) -> None:
    user = make_user(
        persona, is_staff=persona == "staff", is_active=persona != "inactive_moderator"
    )
    if "moderator" in persona:
        user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    assert is_moderator(user) is expected


def test_anonymous_is_never_a_moderator() -> None:
    assert is_moderator(AnonymousUser()) is False
