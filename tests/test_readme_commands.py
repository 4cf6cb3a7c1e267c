"""The README's two commands work on a clean clone: ``make run`` serves the site,
``make test`` first brings the services the suite needs.

The clone reuses this checkout's installed virtualenv (``VENV=...``) instead of
installing a new one (minutes); everything else is the clone's own Makefile,
manage.py and code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
SERVICES = ROOT / "scripts" / "test-services"


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("readme") / "safedata"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def _plain_env(**extra: str) -> dict[str, str]:
    """A developer's shell: none of the test suite's or make's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    for name in ("DATABASE_URL", "REDIS_URL", "SAFEDATA_DATA_DIR", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return {**env, **extra}


def _make_dry_run(clone: Path, *args: str) -> list[str]:
    result = subprocess.run(
        ["make", "-n", *args], cwd=clone, env=_plain_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_test_starts_the_services_before_any_test(clone: Path) -> None:
    lines = _make_dry_run(clone, "test")
    services = lines.index("scripts/test-services")
    first_pytest = next(i for i, line in enumerate(lines) if "pytest" in line)
    assert services < first_pytest
    assert any("DATABASE_URL=postgres://" in line and "pytest" in line for line in lines)


def test_make_run_on_a_fresh_machine_creates_the_virtualenv(clone: Path) -> None:
    lines = _make_dry_run(clone, "run")
    assert any("-m venv .venv" in line for line in lines)
    assert any("pip install" in line and "-c constraints.txt" in line for line in lines)
    assert lines[-1].endswith("manage.py runserver 127.0.0.1:8000")


def test_ci_runs_the_readme_test_command_and_nothing_else(clone: Path) -> None:
    commands = [
        line
        for line in (clone / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make test"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def served(clone: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    # The clone's files are newer than the shared virtualenv's stamp; tell make it is up
    # to date instead of reinstalling (and repointing) the checkout's environment.
    stamp = (VENV / ".installed").stat()
    for name in ("pyproject.toml", "constraints.txt"):
        os.utime(clone / name, (stamp.st_atime - 1, stamp.st_mtime - 1))
    port = _free_port()
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}", f"VENV={VENV}"],
        cwd=clone,
        env=_plain_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the runserver and its reloader stop with the group
    )
    try:
        yield port, server
    finally:
        with contextlib.suppress(ProcessLookupError):  # the test may have stopped it
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_make_run_serves_the_site_on_the_given_port(
    clone: Path, served: tuple[int, subprocess.Popen[str]]
) -> None:
    port, server = served
    assert _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=120) == 200
    assert _wait_for(f"http://127.0.0.1:{port}/", seconds=10) == 200
    assert (clone / "var" / "safedata.sqlite3").is_file()
    os.killpg(server.pid, signal.SIGTERM)
    output, _ = server.communicate(timeout=30)
    assert f"Serving on http://127.0.0.1:{port}/" in output
    # A fresh clone's database is empty: make run says how to load the sample.
    assert "The database is empty" in output
    assert "safedata demo load" in output


def test_services_script_is_a_no_op_when_everything_runs() -> None:
    result = subprocess.run([str(SERVICES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Chromium, PostgreSQL and Redis are ready" in result.stdout


def test_services_script_says_what_to_install_when_it_cannot() -> None:
    # A copy a plain user can reach and run from (the checkout may sit in root's home).
    public = Path(tempfile.mkdtemp(prefix="safedata-services-"))
    public.chmod(0o755)
    script = shutil.copy2(SERVICES, public / SERVICES.name)
    command = [str(script)]
    if os.geteuid() == 0:  # as root it would install; a plain user cannot
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    try:
        result = subprocess.run(
            command,
            cwd=public,
            env={**os.environ, "CHROMIUM_PATH": "/nonexistent/chromium"},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(public)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "test-services: Chromium (/nonexistent/chromium) is missing; "
        "install it with: sudo apt-get install chromium"
    )
