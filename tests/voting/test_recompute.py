"""``safedata consensus recompute``: the refit, through the real entry point and under load."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from safedata.documents.models import Document
from safedata.voting import sql, weights
from safedata.voting.identity import Voter
from safedata.voting.models import ConsensusFit, VoterReliability
from safedata.voting.refit import recompute
from safedata.voting.services import cast_vote, withdraw_vote

SCRIPT = str(Path(sys.executable).with_name("safedata"))
TRUTH = ("great", "neutral", "unsafe", "great", "neutral")


@pytest.fixture
def v2(settings: Any) -> None:
    settings.SAFEDATA_CONSENSUS_METHOD = "dawid-skene-v2"
    settings.SAFEDATA_VOTE_RATE_LIMIT = "1000000/m"


def _fresh_consensus(document_id: int) -> tuple[Any, ...]:
    """What a recount would store now, computed without storing it."""
    rows, fit_id = sql.document_votes([document_id])
    c = weights.consensus_of(rows, fit_id)
    return (c.label, c.status, c.counts, c.score_interval, c.quarantined)


def _stored(document: Document) -> tuple[Any, ...]:
    document.refresh_from_db()
    c = document.consensus
    return (c.label, c.status, c.counts, c.score_interval, c.quarantined)


def _assert_all_fresh(documents: list[Document]) -> None:
    for document in documents:
        assert _stored(document) == _fresh_consensus(document.pk), document.pk
        rows, fit_id = sql.document_votes([document.pk])
        assert document.score == pytest.approx(weights.consensus_of(rows, fit_id).score, abs=2e-6)


def _rate(documents: list[Document]) -> None:
    """A contrarian account votes unsafe on everything first; five careful accounts follow."""
    for document, truth in zip(documents, TRUTH * 8, strict=False):
        cast_vote(document.pk, Voter(key="u:contrarian"), "unsafe", blind=True)
        for n in range(5):
            cast_vote(document.pk, Voter(key=f"u:careful{n}"), truth, blind=True)


@pytest.mark.django_db
@pytest.mark.usefixtures("v2")
def test_recompute_learns_who_is_reliable_and_matches_a_recount(make_document: Any) -> None:
    documents = [make_document(f"Refit text number {n}.") for n in range(40)]
    _rate(documents)
    report = recompute()
    assert (report.votes, report.documents, report.voters) == (240, 40, 6)
    assert report.converged
    assert report.iterations > 0
    assert (report.written, report.unchanged, report.recounted) == (40, 0, 0)
    fit = ConsensusFit.objects.get()
    assert (fit.method, fit.votes, fit.voters) == ("dawid-skene-v2", 240, 6)
    accuracy = dict(VoterReliability.objects.values_list("voter_key", "accuracy"))
    assert accuracy["u:contrarian"] < 0.5 < min(accuracy[f"u:careful{n}"] for n in range(5))
    _assert_all_fresh(documents)
    # A second refit on the same votes finds nothing to rewrite.
    again = recompute()
    assert (again.written, again.unchanged, again.recounted) == (0, 40, 0)
    assert ConsensusFit.objects.count() == 2
    _assert_all_fresh(documents)
    # The new matrices are what the vote path uses from now on.
    _, consensus = cast_vote(documents[1].pk, Voter(key="u:late"), "neutral")
    assert _stored(documents[1]) == _fresh_consensus(documents[1].pk)
    assert consensus.label == "neutral"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("v2")
def test_recompute_while_votes_arrive_loses_nothing_and_overwrites_nothing(
    make_document: Any,
) -> None:
    documents = [make_document(f"Busy text number {n}.") for n in range(30)]
    _rate(documents)
    ratings = ("unsafe", "neutral", "great")
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def voter_thread(i: int) -> None:
        try:
            barrier.wait()
            for n in range(40):
                document = documents[(i * 7 + n) % len(documents)]
                voter = Voter(key=f"{'a' if i % 2 else 'u'}:busy{i}")
                cast_vote(document.pk, voter, ratings[(i + n) % 3], blind=n % 2 == 0)
                if n % 5 == 4:
                    withdraw_vote(document, voter)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def refit_thread() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                recompute()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=voter_thread, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=refit_thread))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ConsensusFit.objects.count() == 3
    _assert_all_fresh(documents)
    for document in documents:
        assert document.votes_total == document.votes.filter(counted=True).count()


def _wait_until_blocked() -> None:
    """PostgreSQL: until another session of this database waits for a lock (10 s at most)."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)  # SQLite: the refit waits on the database lock, nothing to see
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database() "
                "AND a.pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("v2")
def test_recompute_survives_a_deadlock_with_a_multi_document_lock(make_document: Any) -> None:
    """A session holds the last document, then locks all the others in id order.

    On PostgreSQL the refit's write-back batch has locked those others (it reaches the
    last document last) and waits for it: a deadlock, which PostgreSQL breaks by failing
    the refit's batch (it has waited longest). The other session then gets every lock,
    and the batch, run again, still writes every document.
    """
    documents = [make_document(f"Locked text number {n}.") for n in range(20)]
    _rate(documents)
    last, others = documents[-1].pk, [d.pk for d in documents[:-1]]
    holding = threading.Event()
    got: list[int] = []
    errors: list[BaseException] = []

    def locker() -> None:
        try:
            with transaction.atomic():
                list(Document.objects.select_for_update().filter(pk=last))
                holding.set()
                _wait_until_blocked()
                rows = Document.objects.select_for_update().filter(pk__in=others).order_by("pk")
                got.extend(rows.values_list("pk", flat=True))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=locker)
    thread.start()
    holding.wait(10)
    report = recompute()
    thread.join()
    assert errors == []
    assert sorted(got) == sorted(others)
    assert report.written + report.recounted == 20
    _assert_all_fresh(documents)


@pytest.mark.django_db
def test_recompute_under_v1_recounts_every_document(settings: Any, make_document: Any) -> None:
    settings.SAFEDATA_CONSENSUS_METHOD = "dirichlet-v1"
    documents = [make_document(f"Plain text number {n}.") for n in range(5)]
    _rate(documents)
    Document.objects.filter(pk=documents[0].pk).update(label="great", status="contested")
    report = recompute()
    assert report.recounted == 5
    assert not ConsensusFit.objects.exists()
    _assert_all_fresh(documents)


@pytest.mark.usefixtures("v2")
def test_recompute_through_the_console_script(
    database_url: str, make_document: Any, tmp_path: Path
) -> None:
    documents = [make_document(f"Script text number {n}.") for n in range(10)]
    _rate(documents)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "SAFEDATA_DATA_DIR": str(tmp_path / "data"),
        "CONSENSUS_METHOD": "dawid-skene-v2",
    }
    done = subprocess.run(
        [SCRIPT, "consensus", "recompute"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Recomputed 10 documents from 60 votes by 6 voters" in done.stdout
    assert "10 written, 0 unchanged, 0 recounted" in done.stdout
    assert VoterReliability.objects.count() == 6
    _assert_all_fresh(documents)
