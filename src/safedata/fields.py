"""Model fields that several apps declare alike, so each is defined once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def member_ref(
    *, blank: bool = True, related_name: str = "+", help_text: str = ""
) -> models.ForeignKey[Any, Any]:
    """The member who did something (voted, reported, decided, resolved, built a release).

    Deleting the member keeps the row, with NULL here: what was done outlives the account.
    ``blank=False`` makes the field required in forms and the admin.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=blank,
        on_delete=models.SET_NULL,
        related_name=related_name,
        help_text=help_text,
    )
