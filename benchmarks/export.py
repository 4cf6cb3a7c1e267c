"""Export benchmark: a full Parquet snapshot and a streamed JSONL download against pyarrow.

    .venv/bin/python benchmarks/export.py --rows 1000000        # the figures in docs
    .venv/bin/python benchmarks/export.py --rows 20000          # quick check
    .venv/bin/python benchmarks/export.py --rows 200000 --keep /tmp/bench  # reuse the rows

For each backend (SQLite, PostgreSQL) it creates a fresh database, generates
``--rows`` documents of about 1 KB (COPY on PostgreSQL, executemany on SQLite),
then measures, each in its own process so that peak RSS belongs to one
measurement:

- ``snapshot``: ``build_snapshot`` writing Parquet (freeze rows, stream, write, hash);
- ``download``: ``GET /api/v1/dataset?format=jsonl`` through Django, body consumed;
- ``baseline``: pyarrow writing the same rows, already in memory, to Parquet (zstd).

It prints rows/s, the ratio to the baseline, the CPU seconds of the timed part
(user + system, every thread of the measuring process; PostgreSQL's own work is not
in it) and the same ratio in CPU time (baseline CPU per row / CPU per row), the
peak RSS of each, and the load average before and after (on a
shared machine, compare ratios within one run). With ``--keep DIR`` the generated
database stays in DIR (PostgreSQL: a database named after the row count) and a later
run with the same ``--rows`` measures the same rows again without generating them:
run it once per version of the code to compare two versions on one data set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WORDS = (
    "the of and to in is that for it as with was on be by this are or from at which an "
    "have not they but one all were can there their has more when will would if about "
    "data model training text safety review people community document vote label score "
    "research policy language example careful useful clear source licence open question "
    "answer system process method result study analysis evidence report users content "
    "quality consensus rating neutral great unsafe filter corpus dataset release version "
    "engineer write explain describe measure improve check verify build publish share "
    "because however although therefore while during before after between within without"
)
VOCABULARY = WORDS.split()
GENERATE_BATCH = 10_000
DB_NAME = "safedata_bench_export"  # its own: other benchmarks drop theirs


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "safedata.settings"
    import django

    django.setup()


def _text(rng: random.Random, number: int) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(120, 220))
    sentences = [" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, len(words), 14)]
    return f"Document {number}. " + " ".join(sentences)


def _consensus_table() -> dict[tuple[int, int, int], Any]:
    from django.conf import settings

    from safedata.consensus import Counts, compute

    return {
        (u, n, g): compute(Counts(u, n, g), settings.SAFEDATA_CONSENSUS)
        for u in range(6)
        for n in range(6)
        for g in range(6)
    }


def _row(
    rng: random.Random, number: int, base: dict[str, Any], table: dict[Any, Any], start: datetime
) -> dict[str, Any]:
    import hashlib

    counts = (rng.randint(0, 5), rng.randint(0, 5), rng.randint(0, 5))
    consensus = table[counts]
    text = _text(rng, number)
    return {
        **base,
        "text": text,
        "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "char_count": len(text),
        "created_at": start + timedelta(seconds=number * 7),
        "visibility": "hidden" if number % 50 == 0 else "visible",
        "votes_unsafe": counts[0],
        "votes_neutral": counts[1],
        "votes_great": counts[2],
        "votes_total": sum(counts),
        "score": consensus.score,
        "label": consensus.label.value,
        "confidence": consensus.confidence,
        "status": consensus.status.value,
        "language": "en",
        "license": "CC-BY-4.0",
    }


def generate(rows: int) -> None:
    """Fill the documents table with ``rows`` generated documents (child process)."""
    from django.db import connection, transaction

    from safedata.accounts.models import User
    from safedata.documents.models import Document

    uploader = User.objects.create_user("bench-uploader", password=None)
    User.objects.create_user("bench-reader", password=None)
    fields = [f for f in Document._meta.concrete_fields if not f.primary_key]
    base = {f.attname: f.get_default() for f in fields}
    base["uploader_id"] = uploader.pk
    table, rng = _consensus_table(), random.Random(42)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    columns = [f.column for f in fields]
    for first in range(0, rows, GENERATE_BATCH):
        batch = [
            _row(rng, n, base, table, start)
            for n in range(first, min(rows, first + GENERATE_BATCH))
        ]
        values = [[f.get_db_prep_save(r[f.attname], connection) for f in fields] for r in batch]
        with transaction.atomic():
            _insert(connection, Document._meta.db_table, columns, values)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _insert(connection: Any, table: str, columns: list[str], values: list[list[Any]]) -> None:
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            insert = f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, values)


def _cpu() -> float:
    """CPU seconds of this process so far, every thread, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_snapshot(rows: int) -> dict[str, Any]:
    from safedata.datasets.services import build_snapshot

    started, cpu = time.perf_counter(), _cpu()
    snapshot = build_snapshot(f"bench-{rows}-{time.time_ns()}", snapshot_formats=("parquet",))
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "rows": snapshot.row_count,
        "bytes": snapshot.total_bytes,
    }


def measure_download(rows: int) -> dict[str, Any]:
    from django.test import Client

    from safedata.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-reader"))
    # A served process has its URLconf (every view module) loaded before the download.
    assert client.get("/healthz").status_code == 200
    started, cpu = time.perf_counter(), _cpu()
    response = client.get("/api/v1/dataset?format=jsonl")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    assert response.status_code == 200, response.status_code
    return {"seconds": seconds, "cpu_s": cpu, "rows": lines, "bytes": size}


def measure_baseline(rows: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from safedata.datasets.services import snapshot_root
    from safedata.records.parquet import PARQUET_OPTIONS, ROW_GROUP_ROWS

    # The snapshot this run just built (with --keep, earlier runs' are there too).
    built = snapshot_root().glob(f"bench-{rows}-*/data/documents.parquet")
    source = max(built, key=lambda path: path.stat().st_mtime)
    table = pq.read_table(source).combine_chunks()
    target = Path(tempfile.mkdtemp()) / "baseline.parquet"
    started, cpu = time.perf_counter(), _cpu()
    pq.write_table(table, target, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    size = target.stat().st_size
    shutil.rmtree(target.parent)
    return {"seconds": seconds, "cpu_s": cpu, "rows": table.num_rows, "bytes": size}


MEASUREMENTS = {
    "generate": generate,
    "snapshot": measure_snapshot,
    "download": measure_download,
    "baseline": measure_baseline,
}


def child(kind: str, rows: int, env: dict[str, str]) -> None:
    _setup(env)
    result = MEASUREMENTS[kind](rows) or {}
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(kind: str, rows: int, env: dict[str, str]) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--rows",
        str(rows),
        "--env",
        json.dumps(env),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def backend_env(backend: str, workdir: Path, admin_url: str, db_name: str) -> dict[str, str]:
    env = {"SAFEDATA_DATA_DIR": str(workdir / "data"), "SNAPSHOT_DIR": str(workdir / "snaps")}
    if backend == "postgres":
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {db_name}")
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{db_name}"
    return env


def _drop_database(admin_url: str, db_name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")


def migrate(env: dict[str, str]) -> None:
    script = Path(sys.executable).with_name("safedata")
    subprocess.run(
        [str(script), "manage", "migrate", "--noinput", "-v0"],
        env={**os.environ, **env},
        check=True,
    )


def _generated(backend: str, rows: int, admin_url: str, keep: Path | None) -> dict[str, str]:
    """The environment of a database holding ``rows`` generated documents.

    A fresh one, or with ``keep`` the one a previous run left there (generated now
    when there is none).
    """
    if keep is None:
        workdir, db_name = Path(tempfile.mkdtemp(prefix=f"safedata-bench-{backend}-")), DB_NAME
    else:
        workdir, db_name = keep / f"{backend}-{rows}", f"{DB_NAME}_{rows}"
        saved = workdir / "env.json"
        if saved.exists():
            print(f"{backend}: reusing the {rows:,} documents in {workdir}", flush=True)
            return dict(json.loads(saved.read_text()))
        workdir.mkdir(parents=True, exist_ok=True)
    env = backend_env(backend, workdir, admin_url, db_name)
    migrate(env)
    started = time.perf_counter()
    run_child("generate", rows, env)
    print(
        f"{backend}: generated {rows:,} documents in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    if keep is not None:
        (workdir / "env.json").write_text(json.dumps(env))
    env["BENCH_WORKDIR"] = str(workdir)
    return env


def bench(backend: str, rows: int, admin_url: str, keep: Path | None) -> list[dict[str, Any]]:
    env: dict[str, str] = {}
    try:
        env = _generated(backend, rows, admin_url, keep)
        return [
            {"name": kind, **run_child(kind, rows, env)}
            for kind in ("snapshot", "download", "baseline")
        ]
    finally:
        if keep is None and "BENCH_WORKDIR" in env:
            shutil.rmtree(env["BENCH_WORKDIR"], ignore_errors=True)
        if keep is None and backend == "postgres":
            _drop_database(admin_url, DB_NAME)


def report(backend: str, results: list[dict[str, Any]]) -> None:
    baseline = next(r for r in results if r["name"] == "baseline")
    base_rate = baseline["rows"] / baseline["seconds"]
    base_cpu = baseline["cpu_s"] / baseline["rows"]
    print(
        f"{'backend':<9} {'measurement':<10} {'rows':>9} {'seconds':>8} {'rows/s':>9} "
        f"{'ratio':>6} {'CPU s':>6} {'CPU ratio':>9} {'MB':>7} {'peak RSS MiB':>12}"
    )
    for r in results:
        rate = r["rows"] / r["seconds"]
        print(
            f"{backend:<9} {r['name']:<10} {r['rows']:>9,} {r['seconds']:>8.2f} {rate:>9,.0f} "
            f"{rate / base_rate:>6.2f} {r['cpu_s']:>6.1f} "
            f"{base_cpu / (r['cpu_s'] / r['rows']):>9.2f} {r['bytes'] / 1e6:>7.0f} "
            f"{r['peak_rss_mib']:>12.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--keep", type=Path, help="keep the generated databases here and reuse them next time"
    )
    parser.add_argument("--child", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--env", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, json.loads(args.env))
        return
    for backend in args.backends.split(","):
        load = os.getloadavg()[0]
        results = bench(backend, args.rows, args.pg_admin_url, args.keep)
        print(f"{backend}: load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
        report(backend, results)


if __name__ == "__main__":
    main()
