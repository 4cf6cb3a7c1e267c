"""``safedata demo load`` and ``clear`` through the real console script, on either database."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_script

from safedata.demo.sample import SAMPLE
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.models import Vote
from safedata.voting.services import cast_vote


@pytest.fixture
def demo(database_url: str, elsewhere: Path) -> Any:
    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return run_script(elsewhere, "demo", *args, timeout=180, DATABASE_URL=database_url)

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
