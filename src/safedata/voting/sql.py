"""Hand-written SQL for the vote, the hottest path of the site.

The ORM costs about 1 ms of CPU per statement here (compiling the query and
building model instances), ten times the statement itself. These functions do
the same work as plain parameterised SQL on SQLite and PostgreSQL.
``tests/voting/test_cast_vote.py`` and the concurrency tests cover them through
``cast_vote``; the recount and the refit use ``document_votes`` and
``store_consensus`` too, so every path computes a document from the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from safedata.audit.models import AuditEntry
from safedata.consensus import Counts, Label, Status
from safedata.consensus.dawid_skene import WeightedConsensus
from safedata.documents.models import Document, Visibility, consensus_fields
from safedata.records.schema import VOTE_FIELDS
from safedata.voting.models import ConsensusFit, Vote, VoterReliability

_DOCUMENT = Document._meta.db_table
_VOTE = Vote._meta.db_table
_AUDIT = AuditEntry._meta.db_table
_RELIABILITY = VoterReliability._meta.db_table
_FIT = ConsensusFit._meta.db_table
_STORED_COLUMNS = (
    "uploader_id",
    *VOTE_FIELDS,
    "label",
    "score",
    "confidence",
    "status",
    "score_low",
    "score_high",
    "effective_votes",
    "votes_uncounted",
)


@dataclass(frozen=True)
class VoteRow:
    """One vote as the consensus reads it, with its voter's matrix from the last refit."""

    document_id: int
    voter_key: str
    rating: str
    independent: bool
    counted: bool
    matrix: tuple[float, ...] | None


@dataclass(frozen=True, kw_only=True)
class LockedTally:
    """The voted document's stored consensus, read under a row lock, and the voter's vote.

    ``rows`` (every vote on the document), ``voter_matrix`` and ``fit_id`` are read
    only for a vote-level method (``with_votes``).
    """

    uploader_id: int
    stored: WeightedConsensus
    previous: str | None
    previous_counted: bool
    same_since: int = 0
    """Votes on the document with the rating being cast, changed since ``since`` (before
    this one): the burst check of ``voting.defences`` runs only when they are enough."""
    rows: tuple[VoteRow, ...] = ()
    voter_matrix: tuple[float, ...] | None = None
    fit_id: int | None = None

    @property
    def counts(self) -> Counts:
        return self.stored.counts


def _stored(row: Sequence[Any]) -> WeightedConsensus:
    return WeightedConsensus(
        label=Label(row[4]),
        score=row[5],
        confidence=row[6],
        status=Status(row[7]),
        counts=Counts(unsafe=row[1], neutral=row[2], great=row[3]),
        score_interval=(row[8], row[9]),
        effective_votes=row[10],
        quarantined=row[11],
    )


def lock_tally(
    document_id: int,
    voter_key: str,
    *,
    with_votes: bool = False,
    rating: str,
    since: datetime,
) -> LockedTally | None:
    """Lock a visible document's row and read its consensus; None when there is no such document.

    The voter's vote (or, ``with_votes``, every vote on the document, the voter's
    matrix and the newest fit's id), and how many votes on the document give
    ``rating`` and changed at or after ``since``, are read by one second statement,
    after the lock is held: in PostgreSQL's READ COMMITTED a subquery of the locking
    statement would see the snapshot from before the wait, and miss a vote committed
    meanwhile. SQLite has no row locks: its ``IMMEDIATE`` transactions already
    serialise writers.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_STORED_COLUMNS)} FROM {_DOCUMENT} "
            f"WHERE id = %s AND visibility = %s{lock}",
            [document_id, Visibility.VISIBLE.value],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    stamp = connection.ops.adapt_datetimefield_value(since)
    same = (
        f"(SELECT COUNT(*) FROM {_VOTE} WHERE document_id = %s AND rating = %s "
        "AND updated_at >= %s)"
    )
    same_values: list[Any] = [document_id, rating, stamp]
    if with_votes:
        return _with_votes(document_id, voter_key, row, same, same_values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.rating, v.counted, {same} FROM (SELECT 1) AS one "
            f"LEFT JOIN {_VOTE} v ON v.document_id = %s AND v.voter_key = %s",
            [*same_values, document_id, voter_key],
        )
        previous, counted, same_since = cursor.fetchone()
    return LockedTally(
        uploader_id=row[0],
        stored=_stored(row),
        previous=previous,
        previous_counted=bool(counted) if previous is not None else True,
        same_since=same_since,
    )


def _with_votes(
    document_id: int, voter_key: str, row: Sequence[Any], same: str, same_values: list[Any]
) -> LockedTally:
    """The document's votes (kind 0), the voter's matrix (kind 1), the fit id and the
    count of ``same`` (kind 2)."""
    statement = (
        "SELECT 0, v.id, v.voter_key, v.rating, v.independent, v.counted, r.matrix, "
        f"CAST(NULL AS BIGINT) "
        f"FROM {_VOTE} v LEFT JOIN {_RELIABILITY} r ON r.voter_key = v.voter_key "
        f"WHERE v.document_id = %s "
        f"UNION ALL SELECT 1, 0, voter_key, NULL, NULL, NULL, matrix, NULL FROM {_RELIABILITY} "
        f"WHERE voter_key = %s "
        f"UNION ALL SELECT 2, {same}, NULL, NULL, NULL, NULL, NULL, (SELECT MAX(id) FROM {_FIT}) "
        "ORDER BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [document_id, voter_key, *same_values])
        found = cursor.fetchall()
    rows = tuple(
        VoteRow(document_id, r[2], r[3], bool(r[4]), bool(r[5]), _matrix(r[6]))
        for r in found
        if r[0] == 0
    )
    mine = next((r for r in rows if r.voter_key == voter_key), None)
    last = found[-1]  # kind 2, always there
    return LockedTally(
        uploader_id=row[0],
        stored=_stored(row),
        previous=mine.rating if mine else None,
        previous_counted=mine.counted if mine else True,
        same_since=last[1],
        rows=rows,
        voter_matrix=next((_matrix(r[6]) for r in found if r[0] == 1), None),
        fit_id=last[7],
    )


def lock_documents(document_ids: Sequence[int]) -> list[int]:
    """Lock the rows of those documents (any visibility), in id order; the ids found."""
    if not document_ids:
        return []
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    marks = ", ".join(["%s"] * len(document_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_DOCUMENT} WHERE id IN ({marks}) ORDER BY id{lock}",
            list(document_ids),
        )
        return [row[0] for row in cursor.fetchall()]


def _upsert_statement(
    document_id: int,
    voter_key: str,
    user_id: int | None,
    rating: str,
    independent: bool,
    stamp: Any,
) -> tuple[str, list[Any]]:
    """Insert the vote, or replace the rating of the voter's existing one.

    A replaced vote is never independent: its voter has seen the tally by then.
    """
    sql = (
        f"INSERT INTO {_VOTE} (document_id, voter_key, user_id, rating, independent, counted, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (document_id, voter_key) DO UPDATE SET rating = excluded.rating, "
        "independent = %s, updated_at = excluded.updated_at"
    )
    return sql, [document_id, voter_key, user_id, rating, independent, True, stamp, stamp, False]


def write_vote(
    *,
    document_id: int,
    voter_key: str,
    user_id: int | None,
    rating: str,
    independent: bool,
    consensus: WeightedConsensus,
    previous: str | None,
    now: datetime,
) -> None:
    """Upsert the vote, store the document's new consensus and write the ``vote.cast`` entry.

    On PostgreSQL this is one statement (the upsert and the update as data-modifying
    CTEs, the audit insert as the main statement): one round trip. SQLite runs the
    three statements in the caller's ``IMMEDIATE`` transaction (no network: each
    is a function call).
    """
    stamp = connection.ops.adapt_datetimefield_value(now)
    parts = [
        _upsert_statement(document_id, voter_key, user_id, rating, independent, stamp),
        _store_statement(document_id, consensus),
        _audit_statement(
            "vote.cast",
            document_id,
            user_id,
            voter_key,
            {"rating": rating, "previous": previous},
            stamp,
        ),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            (upsert, a), (update, b), (audit, c) = parts
            cursor.execute(f"WITH vote AS ({upsert}), doc AS ({update}) {audit}", [*a, *b, *c])
            return
        for statement, values in parts:
            cursor.execute(statement, values)


def delete_vote(document_id: int, voter_key: str) -> str | None:
    """Delete the voter's vote on the document; its rating, or None when there was none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_VOTE} WHERE document_id = %s AND voter_key = %s RETURNING rating",
            [document_id, voter_key],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def document_votes(document_ids: Sequence[int]) -> tuple[list[VoteRow], int | None]:
    """The votes of those documents with their voters' matrices, and the newest fit's id.

    One statement: the fit id comes as a column so that the caller can tell
    whether its cached model state is still the newest without asking again.
    """
    marks = ", ".join(["%s"] * len(document_ids))
    sql = (
        f"SELECT v.document_id, v.voter_key, v.rating, v.independent, v.counted, r.matrix, "
        f"(SELECT MAX(id) FROM {_FIT}) FROM {_VOTE} v "
        f"LEFT JOIN {_RELIABILITY} r ON r.voter_key = v.voter_key "
        f"WHERE v.document_id IN ({marks}) ORDER BY v.document_id, v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(document_ids))
        rows = cursor.fetchall()
    if not rows:
        return [], latest_fit_id()
    return [
        VoteRow(
            document_id=row[0],
            voter_key=row[1],
            rating=row[2],
            independent=bool(row[3]),
            counted=bool(row[4]),
            matrix=_matrix(row[5]),
        )
        for row in rows
    ], rows[0][6]


def _matrix(value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands JSON back as text
        value = json.loads(value)
    return tuple(float(x) for x in value)


def latest_fit_id() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {_FIT}")
        row = cursor.fetchone()
    return row[0] if row else None


def _store_statement(document_id: int, consensus: WeightedConsensus) -> tuple[str, list[Any]]:
    values = consensus_fields(consensus)
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql = f"UPDATE {_DOCUMENT} SET {assignments}, vote_version = vote_version + 1 WHERE id = %s"
    return sql, [*values.values(), document_id]


def store_consensus(document_id: int, consensus: WeightedConsensus) -> None:
    """Write the new tallies and consensus onto the document row and bump its vote version."""
    with connection.cursor() as cursor:
        cursor.execute(*_store_statement(document_id, consensus))


def _audit_statement(
    action: str,
    document_id: int,
    actor_id: int | None,
    actor_key: str,
    data: dict[str, Any],
    stamp: Any,
) -> tuple[str, list[Any]]:
    """The same row ``log_action`` writes, for a document target."""
    json_value = AuditEntry._meta.get_field("data").get_db_prep_value(data, connection)
    sql = (
        f"INSERT INTO {_AUDIT} (created_at, action, actor_id, actor_key, target_type, "
        "target_id, data) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    target = Document._meta.label_lower
    return sql, [stamp, action, actor_id, actor_key, target, str(document_id), json_value]


def insert_audit(
    *,
    action: str,
    document_id: int,
    actor_id: int | None,
    actor_key: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Write an audit entry on a document."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(*_audit_statement(action, document_id, actor_id, actor_key, data, stamp))


def partial_document(
    document_id: int, tally: LockedTally, consensus: WeightedConsensus
) -> Document:
    """A Document holding the voted fields; the others load lazily if a caller reads them."""
    values = {"id": document_id, "uploader_id": tally.uploader_id, **consensus_fields(consensus)}
    return Document.from_db(connection.alias, list(values), list(values.values()))
