"""``safedata consensus recompute``: refit consensus v2 on every vote, safe while voting goes on.

1. **Read** every vote with its document's ``vote_version`` in one statement (one
   consistent snapshot on SQLite and PostgreSQL), page by page into NumPy arrays;
   no model instances.
2. **Fit** ``safedata.consensus.dawid_skene.fit`` on those arrays.
3. **Store** the voters' matrices and the new ``ConsensusFit`` in one transaction:
   from its commit on, the vote path weighs each new vote with the new matrices.
4. **Write back** the documents in batches by compare-and-set: a row is updated
   only if its ``vote_version`` is still the one read in step 1. A document that
   got a vote (or an undo, a quarantine…) meanwhile is recounted instead, under
   its row lock, from its current votes and the new matrices. No vote is lost
   and no newer consensus is overwritten by an older one.

Under ``dirichlet-v1`` there is nothing to fit: every document with votes is
recounted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from numpy.typing import NDArray

from safedata.consensus import LABELS
from safedata.consensus.dawid_skene import Fit, fit
from safedata.consensus.votes import Votes
from safedata.voting import services, sql, weights
from safedata.voting.models import ConsensusFit, VoterReliability

_PAGE = 50_000
_WRITE_BATCH = 2_000
"""Documents per compare-and-set statement (13 parameters each: under every limit)."""
_STATUS_VALUES = ("needs_votes", "settled", "contested")


@dataclass(frozen=True)
class RefitReport:
    """What one recompute did, with its timings in seconds."""

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

    @property
    def total_s(self) -> float:
        return self.read_s + self.fit_s + self.store_s + self.write_s


@dataclass(frozen=True, eq=False)
class _Read:
    votes: Votes
    document_ids: NDArray[np.int64]
    versions: NDArray[np.int64]
    voter_keys: list[str]


def read_votes() -> _Read:
    """Every vote as dense arrays, with each document's vote version from the same snapshot."""
    voter_index: dict[str, int] = {}
    parts: tuple[list[NDArray[np.int64]], ...] = ([], [], [], [])
    for page in sql.vote_pages(_PAGE):
        doc, version, page_keys, page_code = zip(*page, strict=True)
        voters = [voter_index.setdefault(k, len(voter_index)) for k in page_keys]
        for part, column in zip(parts, (doc, version, voters, page_code), strict=True):
            part.append(np.fromiter(column, np.int64, len(page)))
    doc_ids, versions_by_vote, voter, code = (
        np.concatenate(part) if part else np.zeros(0, np.int64) for part in parts
    )
    document_ids, doc_index = np.unique(doc_ids, return_inverse=True)
    versions = np.zeros(document_ids.size, np.int64)
    versions[doc_index] = versions_by_vote
    keys = list(voter_index)
    classes = np.fromiter((weights.voter_class(k) for k in keys), np.int64, len(keys))
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


def store_fit(read: _Read, result: Fit, seconds: float) -> None:
    """Replace the voters' matrices and add the ``ConsensusFit`` row, in one transaction."""
    now = timezone.now()
    accuracy = result.voter_accuracy()
    classes = read.votes.classes_of_voters()
    learned = np.bincount(
        read.votes.voter[read.votes.independent & (read.votes.weight > 0)],
        minlength=read.votes.n_voters,
    )
    rows = [
        VoterReliability(
            voter_key=key,
            voter_class=int(classes[i]),
            matrix=list(result.voter_matrix(i)),
            accuracy=round(float(accuracy[i]), 6),
            independent_votes=int(learned[i]),
            fitted_at=now,
        )
        for i, key in enumerate(read.voter_keys)
    ]
    with transaction.atomic():
        VoterReliability.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["voter_key"],
            update_fields=["voter_class", "matrix", "accuracy", "independent_votes", "fitted_at"],
        )
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


_WRITE_COLUMNS = (
    "votes_unsafe",
    "votes_neutral",
    "votes_great",
    "votes_total",
    "score",
    "label",
    "confidence",
    "status",
    "score_low",
    "score_high",
    "effective_votes",
    "votes_uncounted",
)


def _rows(read: _Read, result: Fit) -> list[list[float | int | str]]:
    """Per document: id, version read, then the values of ``_WRITE_COLUMNS``."""
    t = result.table
    counts = result.counts
    columns: list[list[float | int | str]] = [
        read.document_ids.tolist(),
        read.versions.tolist(),
        counts[:, 0].tolist(),
        counts[:, 1].tolist(),
        counts[:, 2].tolist(),
        counts.sum(axis=1).tolist(),
        t["score"].tolist(),
        [LABELS[i].value for i in t["label"].tolist()],
        t["confidence"].tolist(),
        [_STATUS_VALUES[i] for i in t["status"].tolist()],
        t["low"].tolist(),
        t["high"].tolist(),
        np.round(result.effective_votes, 6).tolist(),
        result.quarantined.tolist(),
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def write_back(read: _Read, result: Fit) -> tuple[int, int]:
    """Compare-and-set every document; recount those that changed. (written, recounted)."""
    rows = _rows(read, result)
    missed: list[int] = []
    written = 0
    for start in range(0, len(rows), _WRITE_BATCH):
        batch = rows[start : start + _WRITE_BATCH]
        done = sql.compare_and_set(_WRITE_COLUMNS, batch)
        written += len(done)
        missed.extend(int(row[0]) for row in batch if row[0] not in done)
    services.recount_documents(missed)
    return written, len(missed)


def recompute(progress: Callable[[str], None] | None = None) -> RefitReport:
    """Refit the configured method on every vote and bring every document up to date."""
    say = progress or (lambda _: None)
    started = time.perf_counter()
    read = read_votes()
    read_s = time.perf_counter() - started
    say(f"read {read.votes.size:,} votes on {read.document_ids.size:,} documents in {read_s:.2f} s")
    if not weights.is_vote_level():
        written_at = time.perf_counter()
        recounted = len(services.recount_documents(read.document_ids.tolist()))
        return RefitReport(
            votes=read.votes.size,
            documents=int(read.document_ids.size),
            voters=read.votes.n_voters,
            iterations=0,
            converged=True,
            read_s=read_s,
            fit_s=0.0,
            store_s=0.0,
            write_s=time.perf_counter() - written_at,
            written=0,
            recounted=recounted,
        )
    result = fit(read.votes, weights.v2_params())
    say(f"fitted in {result.seconds:.2f} s, {result.iterations} iterations")
    stored_at = time.perf_counter()
    store_fit(read, result, stored_at - started)
    write_at = time.perf_counter()
    written, recounted = write_back(read, result)
    return RefitReport(
        votes=read.votes.size,
        documents=int(read.document_ids.size),
        voters=read.votes.n_voters,
        iterations=result.iterations,
        converged=result.converged,
        read_s=read_s,
        fit_s=result.seconds,
        store_s=write_at - stored_at,
        write_s=time.perf_counter() - write_at,
        written=written,
        recounted=recounted,
    )
