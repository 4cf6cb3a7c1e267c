"""Personas and documents for moderation: flagged and clean texts, a group moderator,
staff, a suspended member; a CSRF-checking client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from safedata.accounts.models import ApiToken, User
from safedata.accounts.roles import MODERATORS_GROUP
from safedata.documents.models import Document
from safedata.documents.services import NewDocument, upload_document

EMAIL_TEXT = "Write to jane.doe@fastmail.com for the minutes of the meeting on Tuesday."
"""Flagged by ``pii.email`` (medium)."""
CARD_TEXT = "Pay the invoice with card 4111 1111 1111 1111 before Friday, then file it."
"""Flagged by ``pii.payment_card`` (high): a Luhn-valid test card number."""
CLEAN_TEXT = "A plain paragraph about gardening: water the tomatoes early in the morning."


@pytest.fixture(autouse=True)
def _own_snapshot_dir(snapshot_dir: Path) -> None:
    """Every test publishes snapshots into its own folder (rate limits start fresh: see
    ``_fresh_cache``)."""


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def group_moderator(make_user: Callable[..., User]) -> User:
    """A member of the ``moderators`` group (not staff)."""
    user = make_user("groupmod")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("staffer", is_staff=True)


@pytest.fixture
def suspended(make_user: Callable[..., User]) -> User:
    return make_user("suspended", suspended_at=timezone.now())


@pytest.fixture
def upload(uploader: User) -> Callable[..., Any]:
    """Upload through the real pipeline (as the form and the API do)."""

    def run(text: str, owner: User | None = None, **fields: Any) -> Any:
        new = NewDocument(text=text, **fields)
        return upload_document(
            new, owner or uploader, aup_accepted=True, detect_language=False, via="form"
        )

    return run


@pytest.fixture
def held(upload: Callable[..., Any]) -> Document:
    """An upload held by the policy checks (a payment card number)."""
    document: Document = upload(CARD_TEXT).document
    return document


@pytest.fixture
def clean(upload: Callable[..., Any]) -> Document:
    document: Document = upload(CLEAN_TEXT).document
    return document


def token_for(user: User) -> str:
    return ApiToken.issue(user, "tests")[1]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_as(user: User, path: str, body: dict[str, Any]) -> Any:
    """POST ``body`` as JSON to ``path`` with a new bearer token of ``user``'s."""
    return Client().post(path, body, content_type="application/json", **bearer(token_for(user)))


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rate_great(*documents: Document) -> None:
    """Give documents six great votes' consensus, as voting would (exports need a verdict)."""
    from django.conf import settings as django_settings

    from safedata.consensus import Counts, compute
    from safedata.documents.models import consensus_fields

    consensus = compute(Counts(unsafe=0, neutral=0, great=6), django_settings.SAFEDATA_CONSENSUS)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(**consensus_fields(consensus))
