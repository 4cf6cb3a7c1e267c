"""docs/uploads.md names every registered screening check, so the table cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata.screening import registered

DOC = (Path(__file__).resolve().parents[2] / "docs" / "uploads.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("identifier", sorted(registered()))
def test_check_is_documented(identifier: str) -> None:
    assert f"| `{identifier}` |" in DOC
