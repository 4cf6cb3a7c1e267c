"""A full disk: the database or the snapshot folder on a small filesystem that fills up.

Uploads get a clean 503 in the API's error shape (never a 500), nothing is
half-stored, the database stays intact and the site takes uploads again once
space is freed, without a restart. A snapshot that runs out of space fails
with a one-line error, leaves no partial folder or temporary file, and the
snapshot published before it still verifies.

The small filesystem is a tmpfs (mounting needs root, as in CI). Without root
the same tests run with ``RLIMIT_FSIZE`` on the server process instead: files
cannot grow past the limit, which fails writes the way a full disk does.
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.faults.site import ROOT, Gunicorn, manage, production_env, request, seed

MiB = 1024 * 1024
WORDS = [
    "storage",
    "rotate",
    "leaked",
    "key",
    "token",
    "vault",
    "audit",
    "safe",
    "review",
    "policy",
    "model",
    "text",
]


class SmallDisk:
    """A folder of ``size`` bytes: a tmpfs as root, else a file-size limit for children."""

    def __init__(self, folder: Path, size: int) -> None:
        self.folder = folder
        self.size = size
        self.mounted = False
        folder.mkdir(parents=True)
        if os.geteuid() == 0:
            options = f"size={size},mode=0777"
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=False
            )
            self.mounted = done.returncode == 0
        self.filler = folder / "filler.bin"

    def fill(self, leave: int) -> None:
        """Take all the space but ``leave`` bytes (as root; a no-op under the size limit)."""
        if not self.mounted:
            return
        free = os.statvfs(self.folder).f_bavail * os.statvfs(self.folder).f_frsize
        with self.filler.open("ab") as sink:
            sink.write(b"\0" * max(free - leave, 0))

    def free_up(self) -> None:
        self.filler.unlink(missing_ok=True)

    def limit_children(self) -> Callable[[], None] | None:
        """``preexec_fn`` for the server: without a mount, no file may grow past ``size``."""
        if self.mounted:
            return None
        size = self.size

        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

        return limit

    def remove(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str, int], SmallDisk]]:
    disks: list[SmallDisk] = []

    def make(name: str, size: int) -> SmallDisk:
        disks.append(SmallDisk(tmp_path / name, size))
        return disks[-1]

    yield make
    for disk in disks:
        disk.remove()


def prose(seed_value: int, words: int) -> str:
    chooser = random.Random(seed_value)
    return f"Document {seed_value}. " + " ".join(chooser.choice(WORDS) for _ in range(words))


def upload(server: Gunicorn, token: str, text: str) -> tuple[int, bytes]:
    body = ('{"text": "%s"}' % text).encode()  # noqa: UP031 (the text holds no quotes)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Screening a long text takes a while on a busy machine: wait for the answer.
    reply = request(server.port, "POST", "/api/v1/documents", body, timeout=180, **headers)
    return reply.status, reply.body


def test_full_database_disk_is_a_clean_503_and_nothing_half_stored(
    tmp_path: Path, small_disk: Callable[[str, int], SmallDisk]
) -> None:
    disk = small_disk("disk", 16 * MiB)
    env = production_env(disk.folder, "", UPLOAD_RATE_LIMIT="100000/m")
    manage(env, "migrate", "--noinput", "-v", "0")
    _, tokens = seed(env, documents=0, voters=1)
    [token] = tokens.values()
    disk.fill(leave=300 * 1024)
    server = Gunicorn(env, tmp_path / "gunicorn.log", preexec=disk.limit_children())
    statuses: Counter[int] = Counter()
    stored: list[str] = []
    try:
        server.start()
        for n in range(80):
            text = prose(n, 3_000)
            status, body = upload(server, token, text)
            statuses[status] += 1
            if status == 201:
                stored.append(text)
            else:
                assert status == 503, body
                assert b'"code": "unavailable"' in body or b'"code":"unavailable"' in body
        disk.free_up()
        after = prose(1000, 50)
        assert upload(server, token, after)[0] == 201
        stored.append(after)
    finally:
        server.stop()
    assert statuses[503] > 0, statuses
    assert statuses[201] > 0, statuses
    assert set(statuses) == {201, 503}
    database = sqlite3.connect(disk.folder / "safedata.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = database.execute("SELECT text, content_sha256 FROM documents_document").fetchall()
    assert sorted(text for text, _ in rows) == sorted(stored)
    assert all(hashlib.sha256(text.encode()).hexdigest() == sha for text, sha in rows)
    uploads = database.execute(
        "SELECT COUNT(*) FROM audit_auditentry WHERE action = 'document.uploaded'"
    ).fetchone()
    assert uploads == (len(stored),)
    files = {p.name for p in disk.folder.iterdir() if p.is_file()} - {"filler.bin"}
    assert files <= {"safedata.sqlite3", "safedata.sqlite3-wal", "safedata.sqlite3-shm"}


SEED_PROSE = """
import random
from safedata.accounts.models import User
from safedata.documents.services import NewDocument, create_document
uploader, _ = User.objects.get_or_create(username="disk-uploader")
words = "__WORDS__".split()
for n in range(__FROM__, __TO__):
    chooser = random.Random(n)
    text = f"Document {n}. " + " ".join(chooser.choice(words) for _ in range(__LENGTH__))
    create_document(NewDocument(text=text), uploader)
"""


def add_documents(env: dict[str, str], first: int, last: int, length: int) -> None:
    script = (
        SEED_PROSE.replace("__WORDS__", " ".join(WORDS))
        .replace("__FROM__", str(first))
        .replace("__TO__", str(last))
        .replace("__LENGTH__", str(length))
    )
    manage(env, "shell", "-c", script)


def safedata(
    env: dict[str, str], *args: str, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "safedata"), *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, preexec_fn=preexec
    )


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "filler.bin"
    }


def test_snapshot_on_a_full_disk_fails_cleanly_and_keeps_the_last_release(
    tmp_path: Path, small_disk: Callable[[str, int], SmallDisk]
) -> None:
    disk = small_disk("snapshots", 4 * MiB)
    env = production_env(tmp_path / "var", "", SNAPSHOT_DIR=str(disk.folder))
    manage(env, "migrate", "--noinput", "-v", "0")
    add_documents(env, 0, 5, 50)
    first = safedata(env, "snapshot", "--version", "2026.1.1")
    assert first.returncode == 0, first.stderr
    released = tree(disk.folder)
    add_documents(env, 5, 160, 2_000)
    disk.fill(leave=32 * 1024)

    second = safedata(env, "snapshot", "--version", "2026.1.2", preexec=disk.limit_children())

    assert second.returncode != 0
    assert "Traceback" not in second.stderr, second.stderr[-2500:]
    assert "space" in second.stderr.lower() or "too large" in second.stderr.lower()
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert tree(disk.folder) == released
    listed = safedata(env, "snapshot", "--list")
    assert "2026.1.1" in listed.stdout
    assert "2026.1.2" not in listed.stdout
    disk.free_up()
    verified = safedata(env, "snapshot", "--verify", "2026.1.1")
    assert verified.returncode == 0, verified.stderr
