"""SQLite named by DATABASE_URL gets the same WAL, IMMEDIATE and busy-timeout options as
the default database, so concurrent votes never fail with "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOTERS = 144

_PROBE = (
    "import json, safedata.settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
)

# 144 anonymous voters, released together, each voting once through the real API.
_VOTES = f"""
import json, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
call_command("migrate", verbosity=0)
from safedata.accounts.models import User
from safedata.documents.services import NewDocument, create_document
from safedata.voting.models import Vote
owner = User.objects.create_user("owner", "owner@example.org", "x" * 20)
document = create_document(NewDocument(text="A document to vote on, at once."), owner).document
barrier = threading.Barrier({VOTERS})
statuses = []
def vote(i):
    client = Client()
    barrier.wait()
    try:
        response = client.post(
            f"/api/v1/documents/{{document.pk}}/vote", {{"rating": "great"}},
            content_type="application/json", REMOTE_ADDR=f"10.1.{{i // 200}}.{{i % 200}}",
        )
        statuses.append(response.status_code)
    finally:
        connection.close()
threads = [threading.Thread(target=vote, args=(i,)) for i in range({VOTERS})]
for t in threads: t.start()
for t in threads: t.join()
document.refresh_from_db()
rows, total = Vote.objects.count(), document.votes_total
print(json.dumps({{"statuses": statuses, "rows": rows, "total": total}}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'votes.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "safedata.settings",
        "SAFEDATA_DATA_DIR": str(tmp_path / "var"),
        "VOTE_RATE_LIMIT": "100000/m",
        # 144 fresh identities agreeing at once are a burst the defences set aside; this test
        # is about locking, so the burst check stays out of its way.
        "BURST_MIN_VOTES": "1000000",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("REDIS_URL", None)
    return env


def _run(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_a_sqlite_url_gets_the_sqlite_options(tmp_path: Path) -> None:
    config = json.loads(_run(_PROBE, _env(tmp_path)))
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 20
    for pragma in ("journal_mode=WAL", "foreign_keys=ON"):
        assert pragma in config["OPTIONS"]["init_command"]
    assert config["TEST"]["NAME"] == str(tmp_path / "test-votes.sqlite3")


def test_144_concurrent_votes_on_a_sqlite_url_all_succeed(tmp_path: Path) -> None:
    outcome = json.loads(_run(_VOTES, _env(tmp_path)))
    errors = [status for status in outcome["statuses"] if status != 200]
    assert len(outcome["statuses"]) == VOTERS
    assert errors == []
    assert outcome["rows"] == outcome["total"] == VOTERS
