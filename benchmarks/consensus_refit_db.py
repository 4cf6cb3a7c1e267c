"""``safedata consensus recompute`` end to end: read every vote from the database, fit, write back.

Loads the votes of ``benchmarks/consensus_refit.py`` (1,000,000 votes on 100,000
documents by 20,000 voters by default, 20 % of them anonymous, 90 % of votes
independent) into a fresh database, then runs the real console script
``safedata consensus recompute`` as a child process and prints its own timings
(read, fit, store, write), the wall time around it, its peak RSS (from
``wait4``, the child alone) and the accuracy of the stored labels against the
generated truth. Target: < 30 s and < 2 GiB on 2 cores.

    .venv/bin/python benchmarks/consensus_refit_db.py                  # PostgreSQL
    .venv/bin/python benchmarks/consensus_refit_db.py --sqlite         # SQLite in a temp dir
    .venv/bin/python benchmarks/consensus_refit_db.py --votes 100000 --docs 10000 --voters 2000
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
DB_NAME = "safedata_bench_refit"
RATINGS = ("unsafe", "neutral", "great")


def _fresh_postgres(base: str, name: str) -> str:
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "safedata.settings"
    os.environ["CONSENSUS_METHOD"] = "dawid-skene-v2"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _voter_keys(n_voters: int, anonymous: np.ndarray) -> list[str]:
    return [f"a:bench{i:06d}" if anonymous[i] else f"u:{i + 1_000_000}" for i in range(n_voters)]


def _load_votes(n_votes: int, n_docs: int, n_voters: int) -> np.ndarray:
    from consensus_refit import generated_votes
    from django.db import connection
    from django.utils import timezone

    from safedata.accounts.models import User
    from safedata.documents.models import Document
    from safedata.records import text_sha256

    votes, truth = generated_votes(n_votes, n_docs, n_voters)
    uploader = User.objects.create_user("bench-uploader", "bench@example.org", "x")
    now = timezone.now()
    texts = [f"Benchmark document number {i}." for i in range(n_docs)]
    Document.objects.bulk_create(
        (
            Document(uploader=uploader, text=t, content_sha256=text_sha256(t), char_count=len(t))
            for t in texts
        ),
        batch_size=5_000,
    )
    first = Document.objects.order_by("id").values_list("id", flat=True).first()
    assert first is not None
    keys = _voter_keys(n_voters, votes.classes_of_voters())
    stamp = now.isoformat()
    rows = zip(
        (votes.doc + first).tolist(),
        (keys[v] for v in votes.voter.tolist()),
        (RATINGS[r] for r in votes.rating.tolist()),
        votes.independent.tolist(),
        strict=True,
    )
    _insert_votes(connection, rows, stamp)
    return truth


def _insert_votes(connection: object, rows: object, stamp: str) -> None:
    from django.db import connection as conn

    columns = "document_id, voter_key, rating, independent, counted, created_at, updated_at"
    insert = (
        "INSERT INTO voting_vote (document_id, voter_key, rating, independent, counted, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, 1, %s, %s)"
    )
    if conn.vendor == "postgresql":
        buffer = io.StringIO()
        for doc, key, rating, independent in rows:  # type: ignore[attr-defined]
            buffer.write(
                f"{doc}\t{key}\t{rating}\t{'t' if independent else 'f'}\tt\t{stamp}\t{stamp}\n"
            )
        with (
            conn.cursor() as cursor,
            cursor.cursor.copy(f"COPY voting_vote ({columns}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        return
    with conn.cursor() as cursor:
        cursor.executemany(
            insert,
            [(d, k, r, i, stamp, stamp) for d, k, r, i in rows],  # type: ignore[attr-defined]
        )


class _ServerCpu:
    """CPU seconds of the PostgreSQL processes serving one database, from ``/proc``.

    Polls ``pg_stat_activity`` (backends and their parallel workers) every 50 ms and
    keeps each process's last reading: a parallel worker that lives less than a
    poll is missed, so the figure is a lower bound. Only processes of the bench
    database count, so other users of the same server do not.
    """

    def __init__(self, url: str) -> None:
        self._url, self._seen = url, {}
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self._tick

    def _poll(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            own = conn.info.backend_pid
            name = conn.info.dbname
            while not self._stop.wait(0.05):
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                    [name, own],
                ).fetchall()
                for (pid,) in pids:
                    cpu = self._cpu(pid)
                    if cpu is not None:
                        self._seen[pid] = cpu

    def __enter__(self) -> _ServerCpu:
        self._before = {pid: cpu for pid in self._pids() if (cpu := self._cpu(pid)) is not None}
        self._thread.start()
        return self

    def _pids(self) -> list[int]:
        with psycopg.connect(self._url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(cpu - self._before.get(pid, 0.0) for pid, cpu in self._seen.items())


def _recompute(url: str, postgres: bool) -> tuple[float, float, float, float, str]:
    """Run the console script; (wall s, its CPU s, server CPU s, its peak RSS MiB, output)."""
    env = {**os.environ, "DATABASE_URL": url, "CONSENSUS_METHOD": "dawid-skene-v2"}
    script = str(Path(sys.executable).with_name("safedata"))
    server = _ServerCpu(url) if postgres else contextlib.nullcontext()
    with server:
        started = time.perf_counter()
        child = subprocess.Popen(
            [script, "consensus", "recompute"], env=env, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"recompute failed ({child.returncode}):\n{output}")
    server_cpu = server.seconds if isinstance(server, _ServerCpu) else 0.0
    return wall, usage.ru_utime + usage.ru_stime, server_cpu, usage.ru_maxrss / 1024, output


def _accuracy(truth: np.ndarray) -> float:
    from safedata.documents.models import Document

    labels = Document.objects.order_by("id").values_list("label", flat=True)
    stored = np.fromiter((RATINGS.index(label) for label in labels), np.int64)
    return float((stored == truth).mean())


def _table_updates() -> tuple[int, int]:
    """PostgreSQL's counters of rows updated in the documents table, and of HOT ones."""
    from django.db import connection

    time.sleep(1.0)  # backends flush their counters at most once a second, or as they exit
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'documents_document'"
        )
        updated, hot = cursor.fetchone()
    return updated, hot


def _floor() -> float:
    """The database alone: one UPDATE rewriting every document's consensus columns."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE documents_document SET votes_unsafe = 0, votes_neutral = 0, "
            "votes_great = 0, votes_total = 0, score = 0, label = 'neutral', confidence = 0, "
            "status = 'needs_votes', score_low = -1, score_high = 1, effective_votes = 0, "
            "votes_uncounted = 0"
        )
    return time.perf_counter() - started


def _run(url: str, name: str, postgres: bool) -> tuple[float, float]:
    """One recompute, printed; (wall seconds, or inf past 2 GiB; its write-back seconds)."""
    before = _table_updates() if postgres else (0, 0)
    wall, cpu, server_cpu, rss, output = _recompute(url, postgres)
    print(f"--- {name}\n{output.strip()}")
    server = f" + {server_cpu:.2f} s in PostgreSQL = {cpu + server_cpu:.2f} s" if postgres else ""
    print(
        f"{name}: {wall:.2f} s wall (process start included), CPU {cpu:.2f} s in the "
        f"child{server}, peak RSS {rss:.0f} MiB; load average {_load()}"
    )
    if postgres:
        after = _table_updates()
        updated, hot = after[0] - before[0], after[1] - before[1]
        print(f"documents_document rows updated {updated:,}, HOT (no index touched) {hot:,}")
    found = re.search(r"write ([0-9.]+) s", output)
    return (wall if rss < 2048 else float("inf")), float(found[1]) if found else float("nan")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from consensus_refit import size_parser

    parser = size_parser(__doc__)
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary folder")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DB_NAME, help="PostgreSQL database (recreated)")
    args = parser.parse_args()
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="refit-") as temp:
        postgres = not args.sqlite
        url = (
            _fresh_postgres(args.postgres, args.database)
            if postgres
            else (f"sqlite:///{temp}/refit.sqlite3")
        )
        _setup(url)
        started = time.perf_counter()
        truth = _load_votes(args.votes, args.docs, args.voters)
        engine = "PostgreSQL" if postgres else "SQLite"
        print(
            f"loaded {args.votes:,} votes on {args.docs:,} documents by {args.voters:,} voters "
            f"into {engine} in {time.perf_counter() - started:.1f} s"
        )
        first, _ = _run(url, "first refit (every document changes)", postgres)
        print(f"stored labels {100 * _accuracy(truth):.2f} % accurate against the truth")
        _run(url, "second refit (same votes: nothing to rewrite)", postgres)
        floor = _floor()
        print(
            f"baseline, the database alone: one UPDATE of every document's consensus "
            f"columns {floor:.2f} s"
        )
        _, write = _run(url, "third refit (after that reset: every document changes)", postgres)
        print(f"ratio third refit's write-back / baseline UPDATE: {write / floor:.1f}x")
        print(f"target < 30 s and < 2048 MiB: {'met' if first < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
