"""The site under gunicorn on loopback, for the server benchmarks (votes.py, load.py).

Not a benchmark of its own: ``gunicorn`` starts the server, waits until ``health``
answers 200 and every worker has finished warming up (``safedata.wsgi``: the workers'
CPU time stops growing), and stops it (SIGTERM, as systemd does) when the block ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

import psycopg

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@contextmanager
def gunicorn(
    options: Sequence[str],
    *,
    env: dict[str, str],
    port: int,
    health: str = "/healthz",
    log: IO[bytes] | None = None,
    startup_seconds: float = 90,
) -> Iterator[subprocess.Popen[bytes]]:
    """Serve ``safedata.wsgi`` on ``127.0.0.1:port`` with these gunicorn ``options``."""
    command = [sys.executable, "-m", "gunicorn", "safedata.wsgi", "-b", f"127.0.0.1:{port}"]
    stderr = subprocess.STDOUT if log is not None else None
    server = subprocess.Popen([*command, *options], cwd=ROOT, env=env, stdout=log, stderr=stderr)
    try:
        wait_until_up(f"http://127.0.0.1:{port}{health}", startup_seconds)
        wait_until_idle(server.pid, startup_seconds)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def wait_until_up(url: str, seconds: float) -> None:
    """Poll ``url`` until it answers 200; exit the benchmark after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def processes(parent: int) -> list[int]:
    """``parent`` and the processes whose parent it is (gunicorn's master and workers)."""
    pids = [parent]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent:
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(parent: int, seconds: float) -> None:
    """Wait until the server's processes used under 50 ms of CPU in the last second."""
    deadline = time.monotonic() + seconds
    used = sum(map(cpu_seconds, processes(parent)))
    while time.monotonic() < deadline:
        time.sleep(1)
        now = sum(map(cpu_seconds, processes(parent)))
        if now - used < 0.05:
            return
        used = now


class CpuMeter:
    """CPU seconds used during a run by gunicorn's processes and by one database's backends.

    Polled every ``every`` seconds from ``/proc`` and ``pg_stat_activity`` (the same
    machine only), keeping each process's first and last reading: backends come and go
    (``CONN_MAX_AGE`` is 60 s), and one that ends loses at most its last poll's share.
    """

    def __init__(self, master: int, pg: str, database: str, every: float = 0.5) -> None:
        self.master, self.pg, self.database, self.every = master, pg, database, every

    def measure(self, run: Callable[[], T]) -> tuple[T, float, float]:
        """``run()``'s result, and the gunicorn and PostgreSQL CPU seconds it cost."""
        first: dict[tuple[str, int], float] = {}
        last: dict[tuple[str, int], float] = {}
        stop = threading.Event()
        with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:

            def poll(started: bool) -> None:
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
                ).fetchall()
                seen = [("gunicorn", pid) for pid in processes(self.master)]
                for key in [*seen, *(("postgres", row[0]) for row in rows)]:
                    cpu = cpu_seconds(key[1])
                    if cpu <= 0.0:
                        continue  # gone meanwhile: keep its last reading
                    first.setdefault(key, 0.0 if started else cpu)
                    last[key] = cpu

            def keep_polling() -> None:
                while not stop.wait(self.every):
                    poll(True)

            poll(False)
            poller = threading.Thread(target=keep_polling, daemon=True)
            poller.start()
            try:
                result = run()
            finally:
                stop.set()
                poller.join()
            poll(True)
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for key, cpu in last.items():
            used[key[0]] += cpu - first[key]
        return result, used["gunicorn"], used["postgres"]
