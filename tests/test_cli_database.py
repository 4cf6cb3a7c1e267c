"""Commands that use the database, run from a folder outside the repository.

They find the database as the server does (``SAFEDATA_DATA_DIR`` or
``DATABASE_URL``); where there is no migrated one they say so in one line and
create nothing: no SQLite file, no ``./var``, no output folder.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import SAFEDATA_SCRIPT as SCRIPT
from tests.conftest import run_script as run

DATABASE_COMMANDS = [
    ("export", "sft", "--out", "x"),
    ("export", "classify", "--out", "x"),
    ("snapshot",),
    ("snapshot", "--list"),
    ("demo", "load"),
    ("demo", "clear"),
]


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SAFEDATA_DATA_DIR" in lines[0]
    assert "DATABASE_URL" in lines[0]
    return lines[0]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=" ".join)
def test_no_database_is_one_line_and_creates_nothing(elsewhere: Path, args: tuple[str]) -> None:
    line = _one_line_error(run(elsewhere, *args))
    assert line == (
        f"Error: No database at {elsewhere / 'var' / 'safedata.sqlite3'}: set SAFEDATA_DATA_DIR "
        "to the folder holding safedata.sqlite3 or DATABASE_URL to the server's database, "
        "or create one with `safedata manage migrate`."
    )
    assert list(elsewhere.iterdir()) == []


def test_an_unmigrated_database_is_refused(elsewhere: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "safedata.sqlite3").touch()
    result = run(elsewhere, "export", "sft", "--out", "x", SAFEDATA_DATA_DIR=str(data))
    line = _one_line_error(result)
    assert f"The database {data / 'safedata.sqlite3'} is not migrated" in line
    assert list(elsewhere.iterdir()) == []


def test_an_unreachable_postgresql_is_one_line(elsewhere: Path) -> None:
    url = "postgres://postgres@127.0.0.1:1/h8_nowhere"
    line = _one_line_error(run(elsewhere, "snapshot", "--list", DATABASE_URL=url))
    assert "Cannot open the database h8_nowhere on 127.0.0.1" in line
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_a_migrated_database_in_safedata_data_dir_works(elsewhere: Path, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    migrated = run(elsewhere, "manage", "migrate", "--noinput", "-v0", SAFEDATA_DATA_DIR=data)
    assert migrated.returncode == 0, migrated.stderr
    loaded = run(elsewhere, "demo", "load", SAFEDATA_DATA_DIR=data)
    assert loaded.returncode == 0, loaded.stderr
    assert "Sample loaded: 60 new documents" in loaded.stdout
    exported = run(elsewhere, "export", "sft", "--out", "x", SAFEDATA_DATA_DIR=data)
    assert exported.returncode == 0, exported.stderr
    assert (elsewhere / "x" / "train.jsonl").read_text().count("\n") > 0
    assert sorted(path.name for path in elsewhere.iterdir()) == ["x"]


def test_help_names_where_the_database_is_found() -> None:
    result = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, check=True)
    assert "SAFEDATA_DATA_DIR" in result.stdout
    assert "DATABASE_URL" in result.stdout
