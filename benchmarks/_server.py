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
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


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
