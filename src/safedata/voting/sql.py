"""Hand-written SQL for the vote, the hottest path of the site.

The ORM costs about 1 ms of CPU per statement here (compiling the query and
building model instances), ten times the statement itself; a vote makes five
statements. These functions do the same work as plain parameterised SQL on
SQLite and PostgreSQL. ``tests/voting/test_cast_vote.py`` and the concurrency
tests cover them through ``cast_vote``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from safedata.audit.models import AuditEntry
from safedata.consensus import Consensus, Counts
from safedata.documents.models import Document, Visibility, consensus_fields
from safedata.voting.models import Vote

_DOCUMENT = Document._meta.db_table
_VOTE = Vote._meta.db_table
_AUDIT = AuditEntry._meta.db_table
_TALLY_COLUMNS = ("uploader_id", "votes_unsafe", "votes_neutral", "votes_great")


@dataclass(frozen=True, kw_only=True)
class LockedTally:
    """The voted document's tallies, read under a row lock, and the voter's current rating."""

    uploader_id: int
    counts: Counts
    previous: str | None


def lock_tally(document_id: int, voter_key: str) -> LockedTally | None:
    """Lock a visible document's row and read its tallies; None when there is no such document.

    The voter's rating is read by a second statement, after the lock is held: in
    PostgreSQL's READ COMMITTED a subquery of the locking statement would see the
    snapshot from before the wait, and miss a vote committed meanwhile. SQLite has
    no row locks: its ``IMMEDIATE`` transactions already serialise writers.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_TALLY_COLUMNS)} FROM {_DOCUMENT} "
            f"WHERE id = %s AND visibility = %s{lock}",
            [document_id, Visibility.VISIBLE.value],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(
            f"SELECT rating FROM {_VOTE} WHERE document_id = %s AND voter_key = %s",
            [document_id, voter_key],
        )
        previous = cursor.fetchone()
    return LockedTally(
        uploader_id=row[0],
        counts=Counts(unsafe=row[1], neutral=row[2], great=row[3]),
        previous=previous[0] if previous else None,
    )


def upsert_vote(
    *, document_id: int, voter_key: str, user_id: int | None, rating: str, now: datetime
) -> None:
    """Insert the vote, or replace the rating of the voter's existing one."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {_VOTE} (document_id, voter_key, user_id, rating, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (document_id, voter_key) "
        "DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document_id, voter_key, user_id, rating, stamp, stamp])


def store_consensus(document_id: int, consensus: Consensus) -> None:
    """Write the new tallies and consensus onto the document row."""
    values = consensus_fields(consensus)
    assignments = ", ".join(f"{column} = %s" for column in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_DOCUMENT} SET {assignments} WHERE id = %s",
            [*values.values(), document_id],
        )


def insert_audit(
    *,
    action: str,
    document_id: int,
    actor_id: int | None,
    actor_key: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """The same row ``log_action`` writes, for a document target."""
    json_value = AuditEntry._meta.get_field("data").get_db_prep_value(data, connection)
    sql = (
        f"INSERT INTO {_AUDIT} (created_at, action, actor_id, actor_key, target_type, "
        "target_id, data) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    values = [
        connection.ops.adapt_datetimefield_value(now),
        action,
        actor_id,
        actor_key,
        Document._meta.label_lower,
        str(document_id),
        json_value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def partial_document(document_id: int, tally: LockedTally, consensus: Consensus) -> Document:
    """A Document holding the voted fields; the others load lazily if a caller reads them."""
    values = {"id": document_id, "uploader_id": tally.uploader_id, **consensus_fields(consensus)}
    return Document.from_db(connection.alias, list(values), list(values.values()))
