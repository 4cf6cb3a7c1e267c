"""Load test: a realistic mix of users against the site as production runs it.

Production settings (DEBUG off, a 64-character SECRET_KEY, its own IP-hash salt,
TRUSTED_PROXIES as behind the documented nginx), gunicorn with
``deploy/gunicorn.conf.py``, PostgreSQL (a database of its own, made afresh) and
Redis (db 11, emptied). locust, headless, runs the users of
``benchmarks/locustfile.py``: browse, review, vote, upload and download, each user
with its own address and token. Prints throughput and p50/p99 per route, every
status that is not a success, and checks stored votes and uploads against the
acknowledged ones.

    .venv/bin/python benchmarks/load.py [--users 32 --duration 60]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import redis
from _server import ROOT, CpuMeter, gunicorn

BIN = Path(sys.executable).parent
DB_NAME = "safedata_bench_load"  # its own: votes.py and export.py use theirs
TARGET_P99_MS = 200


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=32, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=8.0,
        help="users started per second; the figures count from the moment all run",
    )
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=0, help="0: deploy/gunicorn.conf.py's")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="no database")
    # Its own Redis database: the test suite flushes 7 to 10 and 13, 14; votes.py uses 12.
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    return parser.parse_args()


def production_env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{DB_NAME}",
        "REDIS_URL": args.redis,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "IP_HASH_SALT": secrets.token_urlsafe(32),
        "TRUSTED_PROXIES": "127.0.0.1",
        "SAFEDATA_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "ERROR",
        "LOG_JSON": "true",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


SEED = """
import json, secrets
from django.contrib.auth.hashers import make_password
from safedata.accounts.models import ApiToken, User, hash_token
from safedata.documents.models import Document
from safedata.records import text_sha256
uploader = User.objects.create_user("load-uploader", password=None)
texts = [f"Load document {n}: notes on topic {n % 89} and how to handle it." for n in range(N_DOCS)]
Document.objects.bulk_create(
    [Document(uploader=uploader, text=t, content_sha256=text_sha256(t), char_count=len(t))
     for t in texts], batch_size=2000)
users = User.objects.bulk_create(
    [User(username=f"load-user-{n}", password=make_password(None)) for n in range(N_USERS)])
raws = [f"sdt_load{n}_{secrets.token_urlsafe(16)}" for n in range(len(users))]
ApiToken.objects.bulk_create([ApiToken(user=u, name="load", token_hash=hash_token(r), prefix=r[:10])
                              for u, r in zip(users, raws)])
ids = list(Document.objects.values_list("id", flat=True))
print(json.dumps({"documents": ids, "tokens": raws}))
"""


def manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(args.redis).flushdb()
    manage(env, "migrate", "--noinput", "-v", "0")
    script = SEED.replace("N_DOCS", str(args.documents)).replace("N_USERS", str(args.users))
    setup: dict[str, Any] = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    return setup


def server_options(args: argparse.Namespace) -> list[str]:
    options = ["-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    return options + (["-w", str(args.workers)] if args.workers else [])


def run_locust(args: argparse.Namespace, setup: dict[str, Any], folder: Path) -> Path:
    env = {
        **os.environ,
        "LOAD_SETUP": json.dumps(setup),
        "LOAD_LEDGER": str(folder / "ledger.json"),
    }
    command = [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py")]
    # Users arrive over a few seconds rather than in one instant, and the statistics start
    # once all of them run (steady state); the ledger of acknowledged writes counts them all.
    command += ["--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
    command += ["--reset-stats"]
    command += ["--run-time", f"{args.duration}s", "--stop-timeout", "10"]
    command += ["--host", f"http://127.0.0.1:{args.port}", "--csv", str(folder / "load")]
    command += ["--only-summary", "--loglevel", "WARNING"]
    subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    return folder


def stored(args: argparse.Namespace) -> tuple[int, int]:
    with psycopg.connect(f"{args.pg}/{DB_NAME}") as conn:
        votes = conn.execute(
            "SELECT count(*) FROM voting_vote v JOIN accounts_user u ON u.id = v.user_id"
            " WHERE u.username LIKE 'load-user-%'"
        ).fetchone()
        uploads = conn.execute(
            "SELECT count(*) FROM documents_document WHERE text LIKE 'Load test upload %'"
        ).fetchone()
    return (votes or (0,))[0], (uploads or (0,))[0]


def report(
    args: argparse.Namespace, folder: Path, counts: tuple[int, int], cpu: tuple[float, float]
) -> bool:
    rows = list(csv.DictReader((folder / "load_stats.csv").open(encoding="utf-8")))
    ledger = json.loads((folder / "ledger.json").read_text(encoding="utf-8"))
    print(
        f"\n{args.users} users (started at {args.spawn_rate:g}/s, counted once all run),"
        f" {args.duration} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'route':36} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}  statuses")
    worst_p99, unexpected = 0.0, 0
    for row in rows:
        name = row["Name"]
        statuses = ledger["statuses"].get(name, {})
        if name != "Aggregated":
            worst_p99 = max(worst_p99, float(row["99%"]))
            unexpected += sum(n for code, n in statuses.items() if not _designed(int(code)))
        shown = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
        print(
            f"{name:36} {float(row['Requests/s']):7.1f} {float(row['50%']):7.0f}"
            f" {float(row['99%']):7.0f}  {shown}"
        )
    failures = folder / "load_failures.csv"
    for row in csv.DictReader(failures.open(encoding="utf-8")) if failures.exists() else []:
        print(f"  failed: {row['Method']} {row['Name']}: {row['Error']} x {row['Occurrences']}")
    python, database = cpu
    requests = sum(int(row["Request Count"]) for row in rows if row["Name"] == "Aggregated")
    print(
        f"server CPU: gunicorn {python:.1f} s, PostgreSQL {database:.1f} s for {requests}"
        f" requests = {(python + database) / max(1, requests) * 1000:.1f} ms per request,"
        f" {(python + database) / args.duration / (os.cpu_count() or 1):.0%} of the cores"
    )
    acked = ledger["acked"]
    votes, uploads = counts
    print(f"acknowledged votes {acked.get('votes', 0)}, stored {votes}")
    print(f"acknowledged uploads {acked.get('uploads', 0)}, stored {uploads}")
    ok = {
        f"p99 < {TARGET_P99_MS} ms on every route": worst_p99 < TARGET_P99_MS,
        "no error beyond designed 429s": unexpected == 0,
        "stored votes = acknowledged": votes == acked.get("votes", 0),
        "stored uploads = acknowledged": uploads == acked.get("uploads", 0),
    }
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in ok.items()))
    return all(ok.values())


def _designed(status: int) -> bool:
    return 200 <= status < 300 or status == 429


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="safedata-load-") as scratch:
        folder = Path(scratch)
        env = production_env(args, folder / "var")
        setup = prepare(args, env)
        log_path = Path(env["SAFEDATA_DATA_DIR"]).parent / "gunicorn.log"
        with (
            log_path.open("wb") as log,
            gunicorn(server_options(args), env=env, port=args.port, log=log) as server,
        ):
            meter = CpuMeter(server.pid, args.pg, DB_NAME)
            _, *cpu = meter.measure(lambda: run_locust(args, setup, folder))
            time.sleep(2)  # requests in flight when locust stopped
        met = report(args, folder, stored(args), (cpu[0], cpu[1]))
    raise SystemExit(0 if met else 1)


if __name__ == "__main__":
    main()
