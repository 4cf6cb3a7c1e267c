"""Loading and clearing the built-in sample through the real upload and vote services.

The sample is uploaded by a dedicated ``demo`` account (which cannot sign in)
with ``bulk_upload``, the path a member's JSONL upload takes, so screening,
deduplication, language detection, predictions and audit entries are the
real ones. Its simulated votes go through ``cast_vote`` with voter keys
``demo:reviewer-<n>``, so tallies, consensus and the audit log agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction

from safedata.accounts.models import User
from safedata.accounts.roles import Person
from safedata.audit.models import log_action
from safedata.demo.sample import LICENSE, SAMPLE, SampleDocument
from safedata.documents.models import Document
from safedata.documents.services import bulk_upload
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@safedata.invalid"
VOTER_PREFIX = "demo:"
"""Every simulated vote's voter key starts with this: ``demo:reviewer-<n>``."""

REVIEWERS = 20
"""Simulated reviewers; each document's votes go to a different few of them, so no
one reviewer comes near the vote rate limit."""


class DemoError(Exception):
    """The sample cannot be loaded or cleared; the message says why."""


@dataclass(frozen=True)
class LoadReport:
    documents_created: int
    votes_cast: int
    documents_total: int
    """Sample documents in the database after the load."""


@dataclass(frozen=True)
class ClearReport:
    documents_removed: int
    votes_removed: int


def demo_user() -> User | None:
    """The demo account, or None; ``DemoError`` if a real member took its name."""
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None and (user.email != DEMO_EMAIL or user.has_usable_password()):
        raise DemoError(
            f"The username {DEMO_USERNAME!r} belongs to a real account; "
            "the sample is not loaded or cleared under it."
        )
    return user


def _create_demo_user() -> User:
    user = User(username=DEMO_USERNAME, email=DEMO_EMAIL, is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def reviewer_key(document_index: int, vote_number: int) -> str:
    """The voter key of a document's ``vote_number``-th simulated vote (from 1)."""
    reviewer = (document_index * 7 + vote_number - 1) % REVIEWERS + 1
    return f"{VOTER_PREFIX}reviewer-{reviewer}"


def _sample_jsonl(sample: tuple[SampleDocument, ...]) -> bytes:
    lines = (json.dumps({"title": d.title, "text": d.text, "license": LICENSE}) for d in sample)
    return ("\n".join(lines) + "\n").encode()


def load_sample(actor: Person | None = None) -> LoadReport:
    """Upload the sample and cast its simulated votes; a second run adds nothing.

    Raises ``DemoError``, ``UploadError`` or ``RateLimited``.
    """
    user = demo_user() or _create_demo_user()
    report = bulk_upload(_sample_jsonl(SAMPLE), user, aup_accepted=True)
    if report.rejected:
        reasons = "; ".join(row.reason for row in report.rows if row.reason and not row.document)
        raise DemoError(f"{report.rejected} sample documents were refused: {reasons}")
    documents = [row.document for row in report.rows]
    votes = sum(
        _cast_missing_votes(index, sample, document)
        for index, (sample, document) in enumerate(zip(SAMPLE, documents, strict=True))
        if document is not None and document.uploader_id == user.pk
    )
    if report.accepted or votes:
        with transaction.atomic():
            data = {"documents": report.accepted, "votes": votes}
            log_action("demo.loaded", user, actor=actor, data=data)
    total = Document.objects.filter(uploader=user).count()
    return LoadReport(report.accepted, votes, total)


def _cast_missing_votes(index: int, sample: SampleDocument, document: Document) -> int:
    cast = set(
        Vote.objects.filter(document=document, voter_key__startswith=VOTER_PREFIX).values_list(
            "voter_key", flat=True
        )
    )
    missing = [
        (key, rating)
        for number, rating in sample.ratings()
        if (key := reviewer_key(index, number)) not in cast
    ]
    for key, rating in missing:
        cast_vote(document.pk, Voter(key=key), rating)
    return len(missing)


def clear_sample(actor: Person | None = None) -> ClearReport:
    """Remove every sample document, every vote on one, and the demo account.

    Nothing else changes: members' documents and their votes elsewhere stay,
    and the audit log keeps its entries (it is append-only).
    """
    user = demo_user()
    if user is None:
        return ClearReport(0, 0)
    with transaction.atomic():
        documents = Document.objects.filter(uploader=user)
        report = ClearReport(
            documents_removed=documents.count(),
            votes_removed=Vote.objects.filter(document__in=documents).count(),
        )
        log_action(
            "demo.cleared",
            user,
            actor=actor,
            data={"documents": report.documents_removed, "votes": report.votes_removed},
        )
        documents.delete()
        user.delete()
    return report
