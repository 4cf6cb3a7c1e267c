"""``safedata demo load`` and ``clear`` through the real console script, on either database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safedata.demo.sample import SAMPLE
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote

SCRIPT = str(Path(sys.executable).with_name("safedata"))


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Any:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "HF_HUB_OFFLINE": "1",
    }

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, "demo", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )

    return invoke


def test_load_twice_then_clear_leaves_members_data(
    demo: Any, make_document: Any, member: Any
) -> None:
    own = make_document("A member's note on watering tomatoes in a dry summer.")
    cast_vote(own.pk, Voter(key=member.voter_key, user=member), "great")
    votes = sum(len(doc.votes) for doc in SAMPLE)

    first = demo("load")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        f"Sample loaded: {len(SAMPLE)} new documents, {votes} simulated votes; "
        f"{len(SAMPLE)} sample documents in all."
    )
    assert Document.objects.count() == len(SAMPLE) + 1
    second = demo("load")
    assert second.returncode == 0, second.stderr
    assert "0 new documents, 0 simulated votes" in second.stdout
    assert Vote.objects.count() == votes + 1

    cleared = demo("clear")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.strip() == (
        f"Sample cleared: {len(SAMPLE)} documents and {votes} votes removed."
    )
    assert list(Document.objects.values_list("pk", flat=True)) == [own.pk]
    assert list(Vote.objects.values_list("voter_key", flat=True)) == [member.voter_key]
