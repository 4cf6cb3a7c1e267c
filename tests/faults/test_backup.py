"""A ``pg_dump`` backup restores into a fresh database with the same rows, checksum for
checksum, and the restored database is one the site can run on (docs/deployment.md:
backup and restore). A PostgreSQL of the test's own; the shared server is never touched."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from tests.faults.site import manage, production_env, seed
from tests.private_postgres import PrivatePostgres

VOTES = """
from safedata.accounts.models import User
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.services import cast_vote
ratings = ["unsafe", "neutral", "great"]
for n, user in enumerate(User.objects.filter(username__startswith="fault-voter-")):
    for document in Document.objects.order_by("id"):
        cast_vote(document.pk, Voter(key=user.voter_key, user=user), ratings[(n + document.pk) % 3])
"""

CHECKSUM = """
SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')
FROM {table} t
"""


def tool(postgres: PrivatePostgres, name: str, *args: str) -> None:
    command = [str(postgres.bindir / name), "-h", "127.0.0.1", "-p", str(postgres.port), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True)


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """(rows, checksum of the rows) of every table in the public schema."""
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        result = {}
        for table in tables:
            query = CHECKSUM.format(table=sql.Identifier(table).as_string(connection))
            count, checksum = connection.execute(query).fetchone() or (0, "")
            result[table] = (int(count), str(checksum))
    return result


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().init()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def test_pg_dump_restores_into_a_fresh_database_with_equal_counts_and_checksums(
    tmp_path: Path, postgres: PrivatePostgres
) -> None:
    postgres.create_database("safedata")
    env = production_env(tmp_path / "var", postgres.url("safedata"))
    manage(env, "migrate", "--noinput", "-v", "0")
    seed(env, documents=12, voters=4)
    manage(env, "shell", "-c", VOTES)
    backup = postgres.folder / "safedata.dump"

    tool(postgres, "pg_dump", "-U", "postgres", "-Fc", "-f", str(backup), "safedata")
    postgres.create_database("restored")
    tool(postgres, "pg_restore", "-U", "postgres", "--no-owner", "-d", "restored", str(backup))

    original = fingerprint(postgres.url("safedata"))
    restored = fingerprint(postgres.url("restored"))
    assert original["voting_vote"][0] == 12 * 4
    assert original["documents_document"][0] == 12
    assert restored == original
    restored_env = production_env(tmp_path / "var", postgres.url("restored"))
    manage(restored_env, "migrate", "--check", "-v", "0")
    with psycopg.connect(postgres.url("restored")) as connection:
        sequence = connection.execute(
            "SELECT nextval(pg_get_serial_sequence('voting_vote', 'id'))"
        ).fetchone()
        highest = connection.execute("SELECT max(id) FROM voting_vote").fetchone()
    assert sequence is not None
    assert highest is not None
    assert sequence[0] > highest[0]  # new rows in the restored database get fresh ids
