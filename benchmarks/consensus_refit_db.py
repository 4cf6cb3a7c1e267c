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

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
DB_NAME = "safedata_bench_refit"
RATINGS = ("unsafe", "neutral", "great")


def _fresh_postgres(base: str) -> str:
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{base}/{DB_NAME}"


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


def _load(n_votes: int, n_docs: int, n_voters: int) -> np.ndarray:
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


def _recompute(url: str) -> tuple[float, float, str]:
    env = {**os.environ, "DATABASE_URL": url, "CONSENSUS_METHOD": "dawid-skene-v2"}
    script = str(Path(sys.executable).with_name("safedata"))
    started = time.perf_counter()
    child = subprocess.Popen(
        [script, "consensus", "recompute"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"recompute failed ({child.returncode}):\n{output}")
    return wall, usage.ru_maxrss / 1024, output


def _accuracy(truth: np.ndarray) -> float:
    from safedata.documents.models import Document

    labels = Document.objects.order_by("id").values_list("label", flat=True)
    stored = np.fromiter((RATINGS.index(label) for label in labels), np.int64)
    return float((stored == truth).mean())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary folder")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refit-") as temp:
        url = f"sqlite:///{temp}/refit.sqlite3" if args.sqlite else _fresh_postgres(args.postgres)
        _setup(url)
        started = time.perf_counter()
        truth = _load(args.votes, args.docs, args.voters)
        engine = "SQLite" if args.sqlite else "PostgreSQL"
        print(
            f"loaded {args.votes:,} votes on {args.docs:,} documents by {args.voters:,} voters "
            f"into {engine} in {time.perf_counter() - started:.1f} s"
        )
        wall, rss, output = _recompute(url)
        print(output.strip())
        print(
            f"safedata consensus recompute: {wall:.2f} s wall (process start included), "
            f"peak RSS {rss:.0f} MiB; stored labels {100 * _accuracy(truth):.2f} % accurate"
        )
        print(f"target < 30 s and < 2048 MiB: {'met' if wall < 30 and rss < 2048 else 'NOT met'}")


if __name__ == "__main__":
    main()
