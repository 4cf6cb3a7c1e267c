"""Helpers shared by the review page tests."""

from __future__ import annotations

from typing import Any

from django.test import Client


def htmx(client: Client) -> dict[str, str]:
    """The headers htmx sends with a review form: its request marker and the CSRF token."""
    return {"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"].value}


def shown_id(response: Any) -> int | None:
    """The id of the document a review stage shows, or None on the empty card."""
    document = response.context["document"]
    return document.pk if document is not None else None
