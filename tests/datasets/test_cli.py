"""``safedata snapshot`` and ``safedata export`` through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safedata.records import read_records

SCRIPT = str(Path(sys.executable).with_name("safedata"))


@pytest.fixture
def run(database_url: str, snapshot_dir: Path, tmp_path: Path) -> Any:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "SAFEDATA_DATA_DIR": str(tmp_path / "data"),
        "SNAPSHOT_DIR": str(snapshot_dir),
        "HF_HUB_OFFLINE": "1",
    }

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, *args], capture_output=True, text=True, env=env, check=False, timeout=120
        )

    return invoke


def test_snapshot_publish_verify_refuse_and_list(
    run: Any, corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    built = run("snapshot", "--version", "2026.11.26")
    assert built.returncode == 0, built.stderr
    assert "Published snapshot 2026.11.26: 4 rows" in built.stdout
    records = read_records(snapshot_dir / "2026.11.26" / "data" / "documents.parquet")
    assert len(records) == 4

    verified = run("snapshot", "--verify", "2026.11.26")
    assert verified.returncode == 0, verified.stderr
    assert "all 4 files are byte-identical" in verified.stdout

    again = run("snapshot", "--version", "2026.11.26")
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert "never changed or overwritten" in again.stderr

    unknown = run("snapshot", "--verify", "1999.01.01")
    assert unknown.returncode == 1
    assert "No published snapshot has version '1999.01.01'" in unknown.stderr

    listed = run("snapshot", "--list")
    assert listed.stdout.startswith("2026.11.26\t4 rows")


def test_export_commands_write_their_files(
    run: Any, corpus: dict[str, Any], tmp_path: Path
) -> None:
    sft = run("export", "sft", "--out", str(tmp_path / "sft"), "--min-votes", "3")
    assert sft.returncode == 0, sft.stderr
    stats = json.loads(sft.stdout)
    assert stats["documents"] == 1
    assert stats["approx_tokens_method"] == "characters / 4"
    assert {str(p.relative_to(tmp_path / "sft")) for p in (tmp_path / "sft").rglob("*.*")} == {
        "train.jsonl",
        "validation.jsonl",
        "data/train.parquet",
        "data/validation.parquet",
        "stats.json",
    }

    classify = run("export", "classify", "--out", str(tmp_path / "classify"))
    assert classify.returncode == 0, classify.stderr
    assert json.loads(classify.stdout)["documents"] == 3

    bad = run("export", "sft", "--min-confidence", "2")
    assert bad.returncode == 2
    assert "--min-confidence" in bad.stderr


def test_help_is_the_docstring(run: Any) -> None:
    result = run("snapshot", "--help")
    assert "Publish an immutable, versioned snapshot" in result.stdout
    assert "--verify VERSION" in result.stdout
