"""``safedata consensus recompute``: refit consensus v2 on every vote, safe while voting goes on.

1. **Read** every vote from one snapshot, without blocking a vote, as rows of
   plain integers: document, its ``vote_version``, the voter's index and a
   packed code. PostgreSQL (a ``REPEATABLE READ`` transaction of two
   statements) numbers the voters itself and sends the rows by ``COPY … TO
   STDOUT (FORMAT BINARY)``, parsed by NumPy without a Python object per value;
   SQLite (one statement) hands its rows over page by page and the voters are
   numbered through a dict.
2. **Fit** ``safedata.consensus.dawid_skene.fit`` on those arrays.
3. **Store** the voters' matrices and the new ``ConsensusFit`` in one transaction:
   the matrices go into a temporary table (``COPY`` on PostgreSQL, one
   ``executemany`` on SQLite) and from there into ``VoterReliability`` by one
   ``INSERT … ON CONFLICT``. From its commit on, the vote path weighs each new
   vote with the new matrices.
4. **Write back** in batches of 10,000 documents, each one short transaction (a
   vote waits for one batch at most): the batch's new values go into a temporary
   table (binary ``COPY`` / ``executemany``), then one ``UPDATE … FROM`` writes a
   row only if its ``vote_version`` is still the one read in step 1
   (compare-and-set) and one of its values changed: a steady-state refit rewrites
   only what moved. A document that got a vote (or an undo, a quarantine…) since
   the read is recounted instead, under its row lock, from its current votes and
   the new matrices. No vote is lost and no newer consensus is overwritten by an
   older one.

Updating the consensus columns leaves the full-text index alone: PostgreSQL
recomputes the stored ``search_vector`` only when ``title`` or ``text`` is set,
and SQLite's FTS5 trigger fires on ``UPDATE OF title, text`` only
(``docs/performance.md``, "Consensus refit").

Under ``dirichlet-v1`` there is nothing to fit: every document with votes is
recounted.
"""

# ruff: noqa: S608 - table names come from model metadata; values are bound or COPY'd.
from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from numpy.typing import NDArray

from safedata.consensus import LABELS
from safedata.consensus.dawid_skene import Fit, fit
from safedata.consensus.votes import Votes
from safedata.documents.models import Document
from safedata.records.schema import VOTE_FIELDS
from safedata.voting import services, weights
from safedata.voting.models import ConsensusFit, Vote, VoterReliability

_DOCUMENT = Document._meta.db_table
_VOTE = Vote._meta.db_table
_RELIABILITY = VoterReliability._meta.db_table
_PAGE = 100_000
"""Rows per fetch when SQLite reads the votes."""
_WRITE_BATCH = 10_000
"""Documents per compare-and-set ``UPDATE`` (one transaction each)."""
_DEADLOCK_ATTEMPTS = 3
_STATUS_VALUES = ("needs_votes", "settled", "contested")
_TOLERANCE = 1e-6
"""A stored float within this of the refit's value counts as unchanged (not rewritten)."""
_CODE = (
    "CASE v.rating "
    + " ".join(f"WHEN '{label.value}' THEN {i}" for i, label in enumerate(LABELS))
    + " END + CASE WHEN v.independent THEN 3 ELSE 0 END + CASE WHEN v.counted THEN 6 ELSE 0 END"
)
"""Rating index + 3 if independent + 6 if counted: the database does the per-vote work."""
_PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
"""Binary ``COPY`` signature, no flags, no header extension."""


@dataclass(frozen=True)
class RefitReport:
    """What one recompute did, with its timings in seconds (wall, and this process's CPU)."""

    votes: int
    documents: int
    voters: int
    iterations: int
    converged: bool
    read_s: float
    fit_s: float
    store_s: float
    write_s: float
    written: int
    recounted: int
    """Documents whose votes changed during the refit, recounted under their lock."""
    unchanged: int = 0
    """Documents whose stored consensus already was the refit's (not rewritten)."""
    cpu_s: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """Process CPU seconds of read, fit, store and write (the database's own is not in it)."""
    peak_rss_mib: float = 0.0

    @property
    def total_s(self) -> float:
        return self.read_s + self.fit_s + self.store_s + self.write_s


@dataclass(frozen=True, eq=False)
class _Read:
    votes: Votes
    document_ids: NDArray[np.int64]
    """Sorted."""
    versions: NDArray[np.int64]
    voter_keys: list[str]


class _Clock:
    """Wall and CPU seconds of successive steps."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._at = (time.perf_counter(), time.process_time())

    def lap(self) -> tuple[float, float]:
        now = (time.perf_counter(), time.process_time())
        self.wall.append(now[0] - self._at[0])
        self.cpu.append(now[1] - self._at[1])
        self._at = now
        return self.wall[-1], self.cpu[-1]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _temp(name: str) -> str:
    """A temporary table's qualified name: never resolves to a permanent table."""
    return f"pg_temp.{name}" if _postgres() else f"temp.{name}"


@contextmanager
def _snapshot() -> Iterator[None]:
    """PostgreSQL: run the enclosed reads on one snapshot, without blocking writers.

    Inside a caller's transaction (tests) that transaction is used as it is.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _read_postgres() -> tuple[NDArray[np.int64], list[str]]:
    """Rows of (document id, its vote version, voter index, code) and the voter keys.

    The database numbers the voters (``row_number`` over the sorted distinct keys,
    the same order in both statements of the snapshot), so the votes come as
    bigints only, by binary ``COPY``: no Python object per value.
    """
    voters = (
        'SELECT voter_key, row_number() OVER (ORDER BY voter_key COLLATE "C") - 1 AS i '
        f"FROM {_VOTE} GROUP BY voter_key"
    )
    statement = (
        f"SELECT CAST(v.document_id AS BIGINT), CAST(d.vote_version AS BIGINT), "
        f"CAST(k.i AS BIGINT), CAST({_CODE} AS BIGINT) FROM {_VOTE} v "
        f"JOIN {_DOCUMENT} d ON d.id = v.document_id "
        f"JOIN ({voters}) k ON k.voter_key = v.voter_key"
    )
    with _snapshot(), connection.cursor() as cursor:
        cursor.execute(f"SELECT voter_key FROM ({voters}) k ORDER BY i")
        keys = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT BINARY)") as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
    return _from_pg_binary(data, 4), keys


def _read_sqlite() -> tuple[NDArray[np.int64], list[str]]:
    """The same rows and keys from one statement (one snapshot), numbered in Python.

    SQLite runs in this process: looking each vote's key up in a dict costs less
    than having SQLite join the votes to a numbered list of voters.
    """
    statement = (
        f"SELECT v.document_id, d.vote_version, v.voter_key, {_CODE} FROM {_VOTE} v "
        f"JOIN {_DOCUMENT} d ON d.id = v.document_id"
    )
    index: dict[str, int] = {}
    pages = []
    with connection.cursor() as cursor:
        cursor.execute(statement)
        while page := cursor.fetchmany(_PAGE):
            doc, version, keys, code = zip(*page, strict=True)
            voter = [index.setdefault(key, len(index)) for key in keys]
            pages.append(np.array([doc, version, voter, code], dtype=np.int64).T)
    rows = np.concatenate(pages) if pages else np.zeros((0, 4), np.int64)
    return rows, list(index)


def _pg_dtype(kinds: str) -> np.dtype[Any]:
    """Binary ``COPY`` tuple of 8-byte fields: ``i`` bigint, ``f`` double precision."""
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i, kind in enumerate(kinds):
        fields += [(f"len{i}", ">i4"), (f"v{i}", ">i8" if kind == "i" else ">f8")]
    return np.dtype(fields)


def _from_pg_binary(data: bytes, width: int) -> NDArray[np.int64]:
    """The bigint columns of a binary ``COPY`` stream without NULLs, as a rows × width array."""
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension : len(data) - 2]
    rows = np.frombuffer(body, _pg_dtype("i" * width))
    if np.any(rows["n"] != width) or any(np.any(rows[f"len{i}"] != 8) for i in range(width)):
        raise ValueError("unexpected binary COPY layout")
    return np.stack([rows[f"v{i}"].astype(np.int64) for i in range(width)], axis=1)


def _to_pg_binary(columns: list[NDArray[Any]]) -> bytes:
    """A binary ``COPY FROM`` stream of 8-byte columns (integer arrays bigint, others double)."""
    kinds = "".join("i" if c.dtype.kind in "iub" else "f" for c in columns)
    rows = np.zeros(columns[0].size if columns else 0, _pg_dtype(kinds))
    rows["n"] = len(columns)
    for i, column in enumerate(columns):
        rows[f"len{i}"] = 8
        rows[f"v{i}"] = column
    return _PG_COPY_HEADER + rows.tobytes() + b"\xff\xff"


def read_votes() -> _Read:
    """Every vote as dense arrays, with each document's vote version from the same snapshot."""
    rows, keys = _read_postgres() if _postgres() else _read_sqlite()
    doc_ids, versions_by_vote, voter, code = rows.T
    document_ids, doc_index = np.unique(doc_ids, return_inverse=True)
    versions = np.zeros(document_ids.size, np.int64)
    versions[doc_index] = versions_by_vote
    classes = np.fromiter(weights.voter_classes(keys), np.int64, len(keys))
    votes = Votes.from_arrays(
        doc_index,
        voter,
        code % 3,
        voter_class=classes[voter],
        independent=(code // 3) % 2 == 1,
        weight=(code >= 6).astype(np.float64),
        n_docs=int(document_ids.size),
        n_voters=len(keys),
    )
    return _Read(votes, document_ids.astype(np.int64), versions, keys)


def _fill_temp(name: str, columns: dict[str, str], rows: list[tuple[Any, ...]] | bytes) -> str:
    """(Re)create a temporary table and load it: bytes are a binary ``COPY`` stream (PostgreSQL)."""
    table = _temp(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})"
        )
        if isinstance(rows, bytes):
            with cursor.cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(rows)
        elif _postgres():
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        if _postgres():
            cursor.execute(f"ANALYZE {table}")
    return table


def _drop_temp(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def store_fit(read: _Read, result: Fit, seconds: float) -> None:
    """Replace the voters' matrices and add the ``ConsensusFit`` row, in one transaction."""
    accuracy = np.round(result.voter_accuracy(), 6).tolist()
    classes = read.votes.classes_of_voters().tolist()
    learned = np.bincount(
        read.votes.voter[read.votes.independent & (read.votes.weight > 0)],
        minlength=read.votes.n_voters,
    ).tolist()
    matrices = result.confusion.reshape(read.votes.n_voters, -1).tolist()
    rows = [
        (key, classes[i], json.dumps(matrices[i]), accuracy[i], learned[i])
        for i, key in enumerate(read.voter_keys)
    ]
    columns = {
        "voter_key": "VARCHAR(64)",
        "voter_class": "INTEGER",
        "matrix": "JSONB" if _postgres() else "TEXT",
        "accuracy": "DOUBLE PRECISION",
        "independent_votes": "INTEGER",
    }
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*list(columns)[1:], "fitted_at"])
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic():
        table = _fill_temp("refit_voters", columns, rows)
        with connection.cursor() as cursor:
            cursor.execute(
                # WHERE TRUE: SQLite would read ON CONFLICT as a join constraint otherwise.
                f"INSERT INTO {_RELIABILITY} ({names}, fitted_at) "
                f"SELECT {names}, %s FROM {table} WHERE TRUE "
                f"ON CONFLICT (voter_key) DO UPDATE SET {updates}",
                [stamp],
            )
        _drop_temp(table)
        ConsensusFit.objects.create(
            method=weights.V2,
            params=result.params.as_dict(),
            state=result.state.as_dict(),
            votes=read.votes.size,
            documents=result.n_docs,
            voters=read.votes.n_voters,
            iterations=result.iterations,
            converged=result.converged,
            seconds=round(seconds, 3),
        )


def _new_values(read: _Read, result: Fit) -> dict[str, NDArray[Any]]:
    """The temporary table's columns: document id, version read, then the refit's values.

    ``label`` and ``status`` travel as indexes (mapped back in SQL), ``votes_total``
    not at all (the sum of the three counts).
    """
    t, counts = result.table, result.counts
    return {
        "document_id": read.document_ids,
        "version": read.versions,
        **{name: counts[:, i] for i, name in enumerate(VOTE_FIELDS)},
        "votes_uncounted": result.quarantined,
        "label": t["label"],
        "status": t["status"],
        "score": t["score"],
        "confidence": t["confidence"],
        "score_low": t["low"],
        "score_high": t["high"],
        "effective_votes": np.round(result.effective_votes, 6),
    }


def _case(column: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{value}'" for i, value in enumerate(values))
    return f"CASE t.{column} {whens} END"


def _update_statement(values: dict[str, NDArray[Any]], table: str) -> str:
    """Compare-and-set of the batch in ``table``, only where a value changed."""
    expressions = {
        name: (
            _case(name, tuple(label.value for label in LABELS))
            if name == "label"
            else _case(name, _STATUS_VALUES)
            if name == "status"
            else f"t.{name}"
        )
        for name in list(values)[2:]
    }
    expressions["votes_total"] = " + ".join(f"t.{name}" for name in VOTE_FIELDS)
    same = " AND ".join(
        f"ABS(d.{name} - {expression}) <= {_TOLERANCE}"
        if name in values and values[name].dtype.kind == "f"
        else f"d.{name} = {expression}"
        for name, expression in expressions.items()
    )
    assignments = ", ".join(f"{name} = {expression}" for name, expression in expressions.items())
    return (
        f"UPDATE {_DOCUMENT} AS d SET {assignments} FROM {table} AS t "
        "WHERE d.id = t.document_id AND d.vote_version = t.version "
        f"AND NOT ({same}) RETURNING id"
    )


def _write_batch(
    values: dict[str, NDArray[Any]], columns: dict[str, str]
) -> tuple[list[int], list[int]]:
    """One batch in one transaction: load it into a temporary table, compare-and-set.

    Returns the ids written and those whose ``vote_version`` moved since the read
    (to recount). The temporary table lives only inside the transaction, so the
    refit also works through a pooler in transaction mode (PgBouncer).

    A batch locks its rows in the join's order, and a moderator's recount locks
    several documents in id order: PostgreSQL may break such a cycle by failing
    one of them (deadlock, SQLSTATE 40P01). The batch is then simply run again.
    """
    arrays = list(values.values())
    rows = (
        _to_pg_binary(arrays)
        if _postgres()
        else list(zip(*(a.tolist() for a in arrays), strict=True))
    )
    for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                table = _fill_temp("refit_documents", columns, rows)
                with connection.cursor() as cursor:
                    cursor.execute(_update_statement(values, table))
                    written = [row[0] for row in cursor.fetchall()]
                    cursor.execute(
                        f"SELECT t.document_id FROM {table} t JOIN {_DOCUMENT} d "
                        "ON d.id = t.document_id WHERE d.vote_version <> t.version"
                    )
                    moved = [row[0] for row in cursor.fetchall()]
                _drop_temp(table)
            return written, moved
        except OperationalError as exc:
            if attempt == _DEADLOCK_ATTEMPTS or getattr(exc.__cause__, "sqlstate", "") != "40P01":
                raise
    raise AssertionError("unreachable")


def write_back(read: _Read, result: Fit) -> tuple[int, int, int]:
    """Compare-and-set every changed document; recount those whose votes changed meanwhile.

    Returns (written, recounted, unchanged).
    """
    values = _new_values(read, result)
    columns = {
        name: "BIGINT PRIMARY KEY"
        if name == "document_id"
        else "BIGINT"
        if array.dtype.kind in "iub"
        else "DOUBLE PRECISION"
        for name, array in values.items()
    }
    written: set[int] = set()
    missed: list[int] = []
    for start in range(0, read.document_ids.size, _WRITE_BATCH):
        batch = {name: array[start : start + _WRITE_BATCH] for name, array in values.items()}
        done, moved = _write_batch(batch, columns)
        written.update(done)
        missed.extend(moved)
    services.recount_documents(missed)
    touched = written.union(missed)
    return len(written), len(missed), int(read.document_ids.size) - len(touched)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recompute(progress: Callable[[str], None] | None = None) -> RefitReport:
    """Refit the configured method on every vote and bring every document up to date."""
    say = progress or (lambda _: None)
    clock = _Clock()
    read = read_votes()
    wall, cpu = clock.lap()
    say(
        f"read {read.votes.size:,} votes on {read.document_ids.size:,} documents by "
        f"{read.votes.n_voters:,} voters: {wall:.2f} s ({cpu:.2f} s CPU)"
    )
    if not weights.is_vote_level():
        recounted = len(services.recount_documents(read.document_ids.tolist()))
        clock.lap()
        return RefitReport(
            votes=read.votes.size,
            documents=int(read.document_ids.size),
            voters=read.votes.n_voters,
            iterations=0,
            converged=True,
            read_s=clock.wall[0],
            fit_s=0.0,
            store_s=0.0,
            write_s=clock.wall[1],
            written=0,
            recounted=recounted,
            cpu_s=(clock.cpu[0], 0.0, 0.0, clock.cpu[1]),
            peak_rss_mib=_peak_rss_mib(),
        )
    result = fit(read.votes, weights.v2_params())
    wall, cpu = clock.lap()
    say(f"fit: {wall:.2f} s ({cpu:.2f} s CPU), {result.iterations} EM iterations")
    store_fit(read, result, sum(clock.wall))
    wall, cpu = clock.lap()
    say(f"store {read.votes.n_voters:,} voter matrices and the fit: {wall:.2f} s ({cpu:.2f} s CPU)")
    written, recounted, unchanged = write_back(read, result)
    wall, cpu = clock.lap()
    say(
        f"write back: {written:,} documents changed, {unchanged:,} unchanged, "
        f"{recounted:,} recounted: {wall:.2f} s ({cpu:.2f} s CPU)"
    )
    return RefitReport(
        votes=read.votes.size,
        documents=int(read.document_ids.size),
        voters=read.votes.n_voters,
        iterations=result.iterations,
        converged=result.converged,
        read_s=clock.wall[0],
        fit_s=clock.wall[1],
        store_s=clock.wall[2],
        write_s=clock.wall[3],
        written=written,
        recounted=recounted,
        unchanged=unchanged,
        cpu_s=(clock.cpu[0], clock.cpu[1], clock.cpu[2], clock.cpu[3]),
        peak_rss_mib=_peak_rss_mib(),
    )
