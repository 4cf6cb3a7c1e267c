"""No acknowledged vote is lost or doubled while the site crashes under load.

Concurrent token clients cast unique votes (one per voter and document) while,
each round: a gunicorn worker is SIGKILLed, then the master (and restarted, as
systemd would), then the test's own PostgreSQL is stopped immediately and
started again. A client retries a vote until it is acknowledged. At the end the
database holds exactly the acknowledged votes, once each, the tallies match the
votes, every reply during the outage was a 503 (never a 500), and the server
recovered without being touched. ``FAULT_ROUNDS`` sets the rounds (CI: 2; the
benchmark in docs/performance.md: 20); ``FAULT_REPORT`` names a JSON file for
the figures.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.faults.site import Gunicorn, manage, production_env, request, seed
from tests.private_postgres import PrivatePostgres

ROUNDS = int(os.environ.get("FAULT_ROUNDS", "2"))
CLIENTS = 8
DOCUMENTS = 60
PACE_SECONDS = 0.08
RATINGS = ("unsafe", "neutral", "great")


@dataclass
class Ledger:
    """What the clients saw: acknowledged votes and every status, with its time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[tuple[int, int], str] = field(default_factory=dict)
    replies: list[tuple[float, int]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    def record(self, status: int, vote: tuple[int, int], rating: str) -> None:
        with self.lock:
            self.replies.append((time.monotonic(), status))
            if status == 200:
                self.acked[vote] = rating

    def failed(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] += 1
            self.replies.append((time.monotonic(), 0))

    def statuses_between(self, start: float, end: float) -> Counter[int]:
        with self.lock:
            return Counter(status for at, status in self.replies if start <= at <= end)


def vote_client(
    port: Callable[[], int], user: int, token: str, plan: list[tuple[int, str]], ledger: Ledger
) -> None:
    """Cast every planned vote, retrying each until it is acknowledged (or 300 s pass)."""
    pending = deque(plan)
    deadline = time.monotonic() + 300
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while pending and time.monotonic() < deadline:
        document, rating = pending.popleft()
        body = json.dumps({"rating": rating}).encode()
        try:
            reply = request(port(), "POST", f"/api/v1/documents/{document}/vote", body, **headers)
        except OSError as error:
            ledger.failed(type(error).__name__)
            pending.append((document, rating))
            time.sleep(0.05)
            continue
        ledger.record(reply.status, (user, document), rating)
        if reply.status != 200:
            pending.append((document, rating))
        time.sleep(PACE_SECONDS)


def plan_for(user: int, documents: list[int]) -> list[tuple[int, str]]:
    return [(document, RATINGS[(user + document) % 3]) for document in documents]


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Round:
    acked: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    outage_statuses: dict[int, int] = field(default_factory=dict)
    connection_errors: int = 0
    recovered_in_s: float = 0.0
    seconds: float = 0.0

    def count_stored(self, acked: dict[tuple[int, int], str], rows: list[Any]) -> None:
        """Compare the round's acknowledged votes with its voters' stored rows."""
        pairs = [(user, document) for user, document, _ in rows]
        self.stored = len(rows)
        self.lost = len(set(acked) - set(pairs))
        self.duplicated = len(pairs) - len(set(pairs))
        # 503 is the designed answer while the database is down; any other 5xx is a failure.
        self.server_errors = sum(
            n for status, n in self.statuses.items() if status >= 500 and status != 503
        )


def run_round(
    server: Gunicorn, postgres: PrivatePostgres, tokens: dict[int, str], documents: list[int]
) -> tuple[Round, Ledger]:
    started = time.monotonic()
    ledger = Ledger()
    planned = len(tokens) * len(documents)
    clients = [
        threading.Thread(
            target=vote_client,
            args=(lambda: server.port, user, token, plan_for(user, documents), ledger),
        )
        for user, token in tokens.items()
    ]
    for client in clients:
        client.start()

    def acked_share(share: float) -> Callable[[], bool]:
        return lambda: len(ledger.acked) >= share * planned

    wait_until(acked_share(0.1), 180, "the first votes")
    server.kill_worker()
    wait_until(acked_share(0.25), 180, "votes after a worker was killed")
    server.kill_master()
    server.restart()
    wait_until(acked_share(0.4), 180, "votes after the master was restarted")
    postgres.stop()
    outage_start = time.monotonic()
    wait_until(
        lambda: ledger.statuses_between(outage_start, time.monotonic())[503] >= 5, 30, "503s"
    )
    postgres.start()
    outage_end = time.monotonic()
    acked_at_restart = len(ledger.acked)
    wait_until(lambda: len(ledger.acked) > acked_at_restart, 180, "recovery after the outage")
    recovered_in = time.monotonic() - outage_end
    for client in clients:
        client.join(timeout=180)
    outage = ledger.statuses_between(outage_start, outage_end)
    result = Round(
        acked=len(ledger.acked),
        connection_errors=sum(ledger.failures.values()),
        outage_statuses=dict(outage),
        statuses=dict(Counter(status for _, status in ledger.replies)),
        recovered_in_s=round(recovered_in, 2),
        seconds=round(time.monotonic() - started, 1),
    )
    return result, ledger


def stored_votes(url: str, users: list[int] | None = None) -> list[tuple[int, int, str]]:
    """Every token voter's stored vote, or only those of ``users``."""
    query = "SELECT user_id, document_id, rating FROM voting_vote WHERE user_id IS NOT NULL"
    with psycopg.connect(url) as connection:
        if users is None:
            rows = connection.execute(query).fetchall()
        else:
            rows = connection.execute(f"{query} AND user_id = ANY(%s)", (users,)).fetchall()
    return [(int(user), int(document), str(rating)) for user, document, rating in rows]


def write_report(rounds: list[Round], summary: dict[str, Any]) -> None:
    """``FAULT_REPORT``, rewritten after every round: a failed run keeps its figures."""
    report = os.environ.get("FAULT_REPORT")
    if report:
        figures = {"rounds": len(rounds), **summary, "per_round": [vars(r) for r in rounds]}
        Path(report).write_text(json.dumps(figures, indent=1), encoding="utf-8")


def tallies_match_votes(url: str) -> list[Any]:
    """Documents whose stored tally differs from a count of their votes (should be none)."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            """
            SELECT d.id FROM documents_document d
            LEFT JOIN voting_vote v ON v.document_id = d.id
            GROUP BY d.id, d.votes_unsafe, d.votes_neutral, d.votes_great, d.votes_total
            HAVING d.votes_unsafe <> COUNT(v.id) FILTER (WHERE v.rating = 'unsafe')
                OR d.votes_neutral <> COUNT(v.id) FILTER (WHERE v.rating = 'neutral')
                OR d.votes_great <> COUNT(v.id) FILTER (WHERE v.rating = 'great')
                OR d.votes_total <> COUNT(v.id)
            """
        ).fetchall()


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[Gunicorn, PrivatePostgres, dict[str, str]]]:
    postgres = PrivatePostgres().init()
    postgres.start()
    postgres.create_database("safedata")
    env = production_env(
        tmp_path / "var",
        postgres.url("safedata"),
        VOTE_RATE_LIMIT="100000/m",
        VOTE_ADDRESS_RATE_LIMIT="100000/m",
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        server.start()
        yield server, postgres, env
    finally:
        server.stop()
        postgres.remove()


@pytest.mark.slow
@pytest.mark.timeout(600 + 300 * ROUNDS)
def test_no_acknowledged_vote_is_lost_across_kills_and_outages(
    deployed: tuple[Gunicorn, PrivatePostgres, dict[str, str]],
) -> None:
    server, postgres, env = deployed
    documents, tokens = seed(env, documents=DOCUMENTS, voters=CLIENTS * ROUNDS)
    url = postgres.url("safedata")
    voters = sorted(tokens)
    acknowledged: dict[tuple[int, int], str] = {}
    rounds = []
    for number in range(ROUNDS):
        these = {user: tokens[user] for user in voters[number * CLIENTS : (number + 1) * CLIENTS]}
        result, ledger = run_round(server, postgres, these, documents)
        result.count_stored(ledger.acked, stored_votes(url, list(these)))
        rounds.append(result)
        acknowledged |= ledger.acked
        write_report(rounds, {"acknowledged": len(acknowledged)})
        assert (result.lost, result.duplicated, result.server_errors) == (0, 0, 0), result
        assert result.acked == CLIENTS * DOCUMENTS, f"round {number}: not every vote got through"
        assert set(result.statuses) <= {0, 200, 503}, f"round {number}: {result.statuses}"
        assert set(result.outage_statuses) <= {0, 200, 503}
        assert result.outage_statuses.get(503, 0) >= 5

    stored = stored_votes(url)
    assert len(stored) == len({(user, document) for user, document, _ in stored})
    assert {(user, document): rating for user, document, rating in stored} == acknowledged
    assert len(stored) == ROUNDS * CLIENTS * DOCUMENTS
    assert tallies_match_votes(url) == []
    assert "Traceback" not in server.log.read_text(encoding="utf-8", errors="replace")
    pairs = {(user, document) for user, document, _ in stored}
    summary = {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(set(acknowledged) - pairs),
        "duplicated": len(stored) - len(pairs),
    }
    write_report(rounds, summary)
