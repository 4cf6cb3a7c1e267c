"""The site under gunicorn on loopback, for the server benchmarks (votes.py, load.py).

Not a benchmark of its own: ``gunicorn`` starts the server, waits until ``health``
answers 200 and stops it (SIGTERM, as systemd does) when the block ends.
"""

from __future__ import annotations

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
