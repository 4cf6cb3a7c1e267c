"""Vote throughput under gunicorn + PostgreSQL, against a bare endpoint on the same server.

Creates a fresh database, loads documents and token-holding voters, starts gunicorn,
then drives ``GET /api/v1/ping`` (the baseline: full middleware and ninja, no
database) and ``POST /api/v1/documents/{id}/vote`` with wrk. Every vote request
uses a (voter, document) pair that never repeats, so each acknowledged vote must
be one new row; the stored count is checked against the acknowledgements. For each
endpoint it also reports the CPU time per request of the gunicorn workers and of
their PostgreSQL backends (read from /proc: the same machine only), so that the
cost of a vote is known even when other jobs share the cores.

    .venv/bin/python benchmarks/votes.py [--duration 30 --connections 32]
    .venv/bin/python benchmarks/votes.py --profile 2000     # in process, where time goes
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import redis
from _server import ROOT, CpuMeter, gunicorn

DB_NAME = "safedata_bench_votes"  # its own: benchmarks/export.py uses safedata_bench
TARGET_RATIO = 0.30  # issue 12: about 0.9 of a one-statement vote view's ratio to its ping
TARGET_P99_MS = 100

LUA_COMMON = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  ok, client_errors, server_errors = 0, 0, 0
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status >= 500 then server_errors = server_errors + 1
  else client_errors = client_errors + 1 end
end
function done(summary, latency, requests)
  local total_ok, total_4xx, total_5xx = 0, 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_4xx = total_4xx + t:get("client_errors")
    total_5xx = total_5xx + t:get("server_errors")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "ok": %d, "4xx": %d, "5xx": %d, '
    .. '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, total_ok, total_4xx, total_5xx,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

LUA_VOTE = """
local first_doc, ndocs, nthreads = {first_doc}, {ndocs}, {nthreads}
local tokens = {{ {tokens} }}
local ratings = {{ "unsafe", "neutral", "great" }}
local counter = 0
function request()
  -- Pair number g is unique across threads; it walks every document before a voter repeats.
  local g = counter * nthreads + tid
  counter = counter + 1
  local doc = first_doc + g % ndocs
  local voter = tokens[math.floor(g / ndocs) % #tokens + 1]
  return wrk.format("POST", "/api/v1/documents/" .. doc .. "/vote",
    {{ ["Authorization"] = "Bearer " .. voter, ["Content-Type"] = "application/json" }},
    '{{"rating": "' .. ratings[g % 3 + 1] .. '"}}')
end
"""

LUA_PING = """
function request()
  return wrk.format("GET", "/api/v1/ping")
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument(
        "--text-chars",
        type=int,
        default=0,
        help="document length; 0: one short sentence. Longer texts have more distinct words,"
        " which the search index of every document row holds",
    )
    parser.add_argument("--voters", type=int, default=64, help="token holders per run")
    # Threads overlap the waits on PostgreSQL round trips; they measured best on 2 cores.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database"
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        help="rate-limit store, as in production (this database is emptied); '' for the file cache",
    )
    parser.add_argument(
        "--synchronous-commit",
        default="on",
        choices=["on", "off"],
        help="PostgreSQL setting for the bench database; 'off' shows what the WAL fsync costs",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the server run: CPU per request of N/2 pings and N/2 votes in"
        " process, then cProfile N/2 more votes",
    )
    parser.add_argument("--profile-rows", type=int, default=40, help="functions to list")
    return parser.parse_args()


def admin_sql(pg: str, statement: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def setup_django(pg: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = f"{pg}/{DB_NAME}"
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safedata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_text(n: int, chars: int) -> str:
    """Document ``n``: one short sentence, or about ``chars`` characters of varied words."""
    text = f"Benchmark document {n}: a short text about topic {n % 97}."
    words = (f"w{(n * 7919 + k * 104729) % 50_000:x}" for k in itertools.count())
    while len(text) < chars:
        text += " " + next(words)
    return text


def load_data(documents: int, voters: int, chars: int = 0) -> tuple[int, list[list[str]]]:
    """Documents and two disjoint sets of voter tokens (warm-up, measured run)."""
    from django.contrib.auth.hashers import make_password

    from safedata.accounts.models import ApiToken, User, hash_token
    from safedata.documents.models import Document
    from safedata.records import text_sha256

    uploader = User.objects.create_user("bench-uploader", password=secrets.token_hex(16))
    texts = [bench_text(n, chars) for n in range(documents)]
    Document.objects.bulk_create(
        [
            Document(uploader=uploader, text=t, content_sha256=text_sha256(t), char_count=len(t))
            for t in texts
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [User(username=f"bench-voter-{n}", password=make_password(None)) for n in range(2 * voters)]
    )
    raws = [f"sdt_bench{n}_{secrets.token_urlsafe(16)}" for n in range(len(users))]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="bench", token_hash=hash_token(r), prefix=r[:10])
            for u, r in zip(users, raws, strict=True)
        ]
    )
    ids = list(Document.objects.order_by("id").values_list("id", flat=True))
    if ids[-1] - ids[0] + 1 != len(ids):
        raise SystemExit("document ids are not contiguous; the Lua script assumes they are")
    return ids[0], [raws[:voters], raws[voters:]]


def vote_count() -> int:
    from django.db import connection

    from safedata.voting.models import Vote

    count = Vote.objects.count()
    connection.close()
    return count


def server_options(args: argparse.Namespace) -> list[str]:
    options = ["--workers", str(args.workers), "--worker-class", args.worker_class]
    options += ["--threads", str(args.threads), "--backlog", "2048", "--log-level", "warning"]
    return options


def production_like_env() -> None:
    """DEBUG off (no query log) and a key of production strength, for the server and
    the in-process profile alike; limits raised out of the way."""
    os.environ.update(
        {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "false", "LOG_LEVEL": "ERROR"}
    )
    for limit in ("VOTE_RATE_LIMIT", "VOTE_ADDRESS_RATE_LIMIT", "IDENTITY_RATE_LIMIT"):
        os.environ[limit] = "100000000/m"
    # One uploader's documents rated by a few voters in a burst is exactly what serial
    # detection quarantines; keep its checks (their cost is real) but never trigger them.
    for threshold in ("SERIAL_MIN_VOTES", "BURST_MIN_VOTES"):
        os.environ[threshold] = "1000000000"


def run_wrk(args: argparse.Namespace, script: str, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + LUA_COMMON)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(args.wrk_threads),
                "-c",
                str(args.connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{args.port}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(ln for ln in output.splitlines() if ln.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rate"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def vote_script(args: argparse.Namespace, first_doc: int, tokens: list[str]) -> str:
    quoted = ", ".join(f'"{t}"' for t in tokens)
    return LUA_VOTE.format(
        first_doc=first_doc, ndocs=args.documents, nthreads=args.wrk_threads, tokens=quoted
    )


def measure(
    args: argparse.Namespace, first_doc: int, tokens: list[list[str]], meter: CpuMeter
) -> None:
    warm_tokens, run_tokens = tokens
    run_wrk(args, LUA_PING, args.warmup)
    run_wrk(args, vote_script(args, first_doc, warm_tokens), args.warmup)
    load_before = os.getloadavg()[0]
    baseline = metered(meter, lambda: run_wrk(args, LUA_PING, args.duration))
    time.sleep(1)
    before = vote_count()
    votes = metered(
        meter, lambda: run_wrk(args, vote_script(args, first_doc, run_tokens), args.duration)
    )
    time.sleep(2)  # let requests in flight when wrk stopped finish
    stored = vote_count() - before
    report(args, baseline, votes, stored, load_before)


def metered(meter: CpuMeter, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one wrk pass; add the server's and the database's CPU ms per request to its result."""
    result, python, database = meter.measure(run)
    requests = max(1, result["requests"])
    result["python_cpu_ms"] = python / requests * 1000
    result["pg_cpu_ms"] = database / requests * 1000
    return result


def report(
    args: argparse.Namespace,
    baseline: dict[str, Any],
    votes: dict[str, Any],
    stored: int,
    load_before: float,
) -> None:
    lost = max(0, votes["ok"] - stored)
    ratio = votes["rate"] / baseline["rate"]
    print(
        f"\nload average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}"
        f"  cores: {os.cpu_count()}"
    )
    print(
        f"gunicorn: {args.workers} x {args.worker_class}"
        + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
        + f"; wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s"
        + f"; synchronous_commit={args.synchronous_commit}"
        + f"; rate-limit store: {'Redis' if args.redis else 'files'}"
    )
    for name, r in (("baseline GET /api/v1/ping", baseline), ("POST .../vote", votes)):
        print(
            f"{name:28} {r['rate']:8.0f} req/s  p50 {r['p50_us'] / 1000:6.1f} ms"
            f"  p99 {r['p99_us'] / 1000:6.1f} ms  non-200: {r['4xx']} 4xx, {r['5xx']} 5xx,"
            f" {r['socket_errors']} socket errors"
        )
        print(
            f"{'':28} CPU per request: {r['python_cpu_ms']:.2f} ms gunicorn,"
            f" {r['pg_cpu_ms']:.2f} ms PostgreSQL"
        )
    print(f"votes/s: {votes['rate']:.0f}   ratio to baseline: {ratio:.2f}")
    print(
        f"acknowledged votes: {votes['ok']}   stored: {stored}   lost: {lost}"
        f"   stored but unacknowledged (in flight at stop): {max(0, stored - votes['ok'])}"
    )
    targets = {
        f"ratio >= {TARGET_RATIO}": ratio >= TARGET_RATIO,
        f"p99 < {TARGET_P99_MS} ms": votes["p99_us"] < TARGET_P99_MS * 1000,
        "zero lost votes": lost == 0,
        "no errors": votes["4xx"] + votes["5xx"] + votes["socket_errors"] == 0,
    }
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in targets.items()))


def backend_cpu_seconds() -> float:
    """CPU time used so far by this process's PostgreSQL backend (same machine only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(n: int, send: Any) -> tuple[float, float, float]:
    """Per request: wall ms, this process's CPU ms, the database backend's CPU ms."""
    wall, cpu, db = time.perf_counter(), time.process_time(), backend_cpu_seconds()
    for g in range(n):
        send(g)
    return (
        (time.perf_counter() - wall) / n * 1000,
        (time.process_time() - cpu) / n * 1000,
        (backend_cpu_seconds() - db) / n * 1000,
    )


def profile_in_process(n: int, first_doc: int, tokens: list[str], rows: int) -> None:
    """Where one vote's time goes, without the server: per-request costs and top functions.

    Requests go through the WSGI application gunicorn serves (every middleware, ninja,
    the handler's connection management), called directly: no HTTP parsing, no sockets.
    """
    import cProfile
    import io
    import pstats
    from wsgiref.util import setup_testing_defaults

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    def call(method: str, path: str, body: bytes = b"", **headers: str) -> None:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
        }
        if body:
            environ["CONTENT_TYPE"] = "application/json"
        setup_testing_defaults(environ)
        statuses: list[str] = []
        chunks = application(environ, lambda status, _headers: statuses.append(status))
        b"".join(chunks)
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{method} {path}: {statuses[0]}")

    def ping(_: int) -> None:
        call("GET", "/api/v1/ping")

    def vote(g: int) -> None:
        token = tokens[g % len(tokens)]
        call(
            "POST",
            f"/api/v1/documents/{first_doc + g}/vote",
            b'{"rating": "great"}',
            AUTHORIZATION=f"Bearer {token}",
        )

    ping(0)
    for name, send in (("ping", ping), ("vote", vote)):
        wall, cpu, db = timed(n // 2, send)
        print(
            f"{name}: {wall:6.2f} ms wall, {cpu:6.2f} ms Python CPU, {db:6.2f} ms PostgreSQL CPU"
            " per request (one client, in process, through the WSGI application)"
        )
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}  cores: {os.cpu_count()}")
    # CPU time, not wall time: on a shared machine, waiting for a core is not our cost.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for g in range(n // 2, n):
        vote(g)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"safedata/|ninja/|django/", rows)
    stats.sort_stats("tottime").print_stats(rows)


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    admin_sql(args.pg, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin_sql(args.pg, f"CREATE DATABASE {DB_NAME}")
    admin_sql(
        args.pg, f"ALTER DATABASE {DB_NAME} SET synchronous_commit = {args.synchronous_commit}"
    )
    try:
        production_like_env()
        setup_django(args.pg, args.redis)
        first_doc, tokens = load_data(args.documents, args.voters, args.text_chars)
        if args.profile:
            n = min(args.profile, args.documents)
            profile_in_process(n, first_doc, tokens[0], args.profile_rows)
            return
        vote_count()  # closes this process's connection before the server starts
        port = args.port
        with gunicorn(
            server_options(args), env=dict(os.environ), port=port, health="/api/v1/ping"
        ) as server:
            measure(args, first_doc, tokens, CpuMeter(server.pid, args.pg, DB_NAME))
    finally:
        admin_sql(args.pg, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
