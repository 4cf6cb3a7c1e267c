"""docs/cli.md is the real --help output, and the console script runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from safedata.cli_docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cli.md").read_text()
    assert current == render(), "docs/cli.md is stale: run `make docs-cli`"


def test_console_script_lists_every_command() -> None:
    script = Path(sys.executable).with_name("safedata")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    for command in ("train", "evaluate", "score", "snapshot", "export", "serve", "manage"):
        assert command in result.stdout


def test_unknown_command_fails_with_a_message() -> None:
    script = Path(sys.executable).with_name("safedata")
    result = subprocess.run([str(script), "nope"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "No such command 'nope'" in result.stderr
