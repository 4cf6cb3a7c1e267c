"""Fixtures for the dataset: rated documents, a snapshot folder, tokens, a CSRF-checking client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from safedata.accounts.models import ApiToken
from safedata.consensus import Counts, compute
from safedata.documents.models import Document, Visibility, consensus_fields

Rate = Callable[..., Document]


@pytest.fixture(autouse=True)
def _own_snapshot_dir(snapshot_dir: Path) -> None:
    """Every test publishes into its own folder."""


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def rate() -> Rate:
    """Give a document these vote counts and their consensus, as voting would."""

    def apply(document: Document, unsafe: int = 0, neutral: int = 0, great: int = 0) -> Document:
        counts = Counts(unsafe=unsafe, neutral=neutral, great=great)
        consensus = compute(counts, django_settings.SAFEDATA_CONSENSUS)
        Document.objects.filter(pk=document.pk).update(**consensus_fields(consensus))
        document.refresh_from_db()
        return document

    return apply


@pytest.fixture
def corpus(make_document: Callable[..., Document], rate: Rate) -> dict[str, Document]:
    """Documents of every kind: great, unsafe, neutral, unrated, and one hidden, one removed."""
    docs = {
        "great": rate(
            make_document(
                "How to store passwords: use a slow KDF such as argon2id.",
                language="en",
                license="CC-BY-4.0",
            ),
            great=6,
        ),
        "unsafe": rate(
            make_document("Step-by-step instructions that must not be trained on."),
            unsafe=5,
            neutral=1,
        ),
        "neutral": rate(
            make_document("A shopping list: eggs, milk, flour and some butter."), neutral=4
        ),
        "unrated": make_document("A document nobody has voted on yet, with some words."),
        "hidden": rate(make_document("Hidden by a moderator: must never be downloaded."), great=6),
        "removed": rate(
            make_document("Removed after a takedown: must never be downloaded."), great=6
        ),
    }
    Document.objects.filter(pk=docs["hidden"].pk).update(visibility=Visibility.HIDDEN)
    Document.objects.filter(pk=docs["removed"].pk).update(visibility=Visibility.REMOVED)
    return docs


@pytest.fixture
def member_token(member: Any) -> str:
    return ApiToken.issue(member, "tests")[1]


@pytest.fixture
def moderator_token(moderator: Any) -> str:
    return ApiToken.issue(moderator, "tests")[1]
