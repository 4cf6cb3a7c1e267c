"""A database outage under gunicorn: 503 (JSON on the API, a short page elsewhere), one
log line per failed request, /healthz still up, /readyz down, and recovery without a
restart once the database is back. A PostgreSQL of the test's own is stopped mid-test."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.faults.site import production_env
from tests.private_postgres import PrivatePostgres, free_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
OUTAGE_REQUESTS = 4


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Site:
    port: int
    postgres: PrivatePostgres
    server: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **headers: str) -> Reply:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())

    def log_lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _wait(site: Site, path: str, status: int, seconds: float) -> float:
    started = time.monotonic()
    while True:
        try:
            if site.get(path).status == status:
                return time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > seconds:
            raise AssertionError(f"{path} never answered {status} within {seconds} s")
        time.sleep(0.2)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    postgres = PrivatePostgres().init()
    postgres.start()
    postgres.create_database("safedata")
    env = production_env(tmp_path / "var", postgres.url("safedata"))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [
                *(str(GUNICORN), "safedata.wsgi", "-c", "deploy/gunicorn.conf.py"),
                *("-b", f"127.0.0.1:{port}", "-w", "2"),
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    site = Site(port, postgres, server, log)
    try:
        _wait(site, "/healthz", 200, seconds=60)
        yield site
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        postgres.remove()


def _outage_replies(site: Site) -> tuple[list[Reply], list[Reply]]:
    api = [site.get("/api/v1/documents", **{"X-Request-ID": f"outage-{n}"}) for n in range(4)]
    pages = [site.get("/documents/") for _ in range(OUTAGE_REQUESTS)]
    return api, pages


def test_database_outage_is_503_in_one_line_each_and_recovers(site: Site) -> None:
    assert site.get("/api/v1/documents").status == 200
    assert site.get("/readyz").json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
    }

    site.postgres.stop()
    api, pages = _outage_replies(site)
    for n, reply in enumerate(api):
        assert reply.status == 503
        assert reply.json()["error"]["code"] == "unavailable"
        assert reply.headers["Retry-After"] == "5"
        assert reply.headers["X-Request-ID"] == f"outage-{n}"
    for reply in pages:
        assert reply.status == 503
        assert reply.headers["Content-Type"].startswith("text/html")
        assert b"Briefly unavailable" in reply.body
    assert site.get("/healthz").status == 200
    ready = site.get("/readyz")
    assert ready.status == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")

    site.postgres.start()
    recovered_in = _wait(site, "/api/v1/documents", 200, seconds=30)
    assert recovered_in < 30
    assert site.get("/readyz").status == 200
    assert site.get("/documents/").status == 200

    lines = site.log_lines()
    outages = [line for line in lines if line["message"].startswith("service unavailable:")]
    assert len(outages) == 2 * OUTAGE_REQUESTS
    assert {line["request_id"] for line in outages} >= {f"outage-{n}" for n in range(4)}
    assert all(line["level"] == "error" and "exception" not in line for line in outages)
    text = site.log.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert len(lines) == len(text.splitlines()), "every line, gunicorn's too, is JSON"
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any(
        "/api/v1/documents" in line["message"]
        and " 503 " in line["message"]
        and "request_id=outage-0" in line["message"]
        for line in access
    )
