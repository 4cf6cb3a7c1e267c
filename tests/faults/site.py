"""The site as production runs it, for fault tests: gunicorn with ``deploy/gunicorn.conf.py``,
production settings, a database the test owns. Processes are killed the way crashes kill them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.private_postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def production_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """DEBUG off, a fresh 65-character key and salt, JSON logs; no shared Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "k" + os.urandom(32).hex(),
        "IP_HASH_SALT": os.urandom(24).hex(),
        "SAFEDATA_DATA_DIR": str(data_dir),
        "LOG_JSON": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        **extra,
    }
    for name in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_COOKIES_AND_HTTPS"):
        env.pop(name, None)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py`` with ``env``; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


SEED = """
import json
from safedata.accounts.models import ApiToken, User
from safedata.documents.services import NewDocument, create_document
uploader = User.objects.create_user("fault-uploader", password=None)
documents = [
    create_document(
        NewDocument(text=f"Fault test document {n}: how to rotate a leaked API key."), uploader
    ).document.pk
    for n in range(__DOCUMENTS__)
]
tokens = {}
for n in range(__VOTERS__):
    user = User.objects.create_user(f"fault-voter-{n}", password=None)
    tokens[user.pk] = ApiToken.issue(user, "faults")[1]
print(json.dumps({"documents": documents, "tokens": tokens}))
"""


def seed(env: dict[str, str], *, documents: int, voters: int) -> tuple[list[int], dict[int, str]]:
    """Documents by one uploader and ``voters`` members with a token each (user id -> token)."""
    script = SEED.replace("__DOCUMENTS__", str(documents)).replace("__VOTERS__", str(voters))
    data = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    return data["documents"], {int(user): token for user, token in data["tokens"].items()}


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(port: int, method: str, path: str, body: bytes | None = None, **headers: str) -> Reply:
    """One request on a new connection; ``OSError`` (refused, reset) when the server is gone."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.read())
    except http.client.HTTPException as error:  # e.g. RemoteDisconnected mid-response
        raise ConnectionError(str(error)) from error
    finally:
        connection.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state != "Z"


@dataclass
class Gunicorn:
    """gunicorn as deployed; ``start`` again after ``kill_master`` is the service manager."""

    env: dict[str, str]
    log: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    preexec: Callable[[], None] | None = None

    def start(self) -> None:
        command = [
            *(str(GUNICORN), "safedata.wsgi", "-c", "deploy/gunicorn.conf.py"),
            *("-b", f"127.0.0.1:{self.port}", "-w", str(self.workers)),
            *("--access-logfile", "/dev/null"),
        ]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                preexec_fn=self.preexec,
            )
        self.wait_ready()

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer /healthz within {seconds} s")

    @property
    def master(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text()
        return [int(pid) for pid in children.split()]

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts another); its pid."""
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_master(self, seconds: float = 5) -> None:
        """SIGKILL the master, then its workers, as systemd does to the unit's other processes.

        deploy/safedata.service keeps systemd's default ``KillMode=control-group``: when the
        main process dies, what is left of the service is killed before the restart.
        Orphaned workers would exit by themselves, but only after finishing their requests
        (up to ``graceful_timeout``); ``seconds`` is how long they get.
        """
        assert self.process is not None
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + seconds
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        while any(_alive(pid) for pid in workers):
            time.sleep(0.05)
        self.process = None

    def restart(self) -> None:
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
