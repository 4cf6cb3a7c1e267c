"""The public Data quality page: agreement for the dataset and each release, SVG charts
that need no inline style or script, linked from the home and dataset pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest
from django.test import Client

from safedata.accounts.models import User
from safedata.datasets import snapshots
from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.services import cast_vote

VOTES = {0: ["great", "great", "great"], 1: ["unsafe", "unsafe", "neutral"], 2: ["neutral"]}


@pytest.fixture
def voted(make_document: Callable[..., Document], settings: Any) -> list[Document]:
    documents = [make_document(f"Quality document {n}.") for n in VOTES]
    for n, ratings in VOTES.items():
        for m, rating in enumerate(ratings):
            cast_vote(documents[n].pk, Voter(key=f"demo:rater-{m}"), rating)
    return documents


def _alpha() -> float:
    counts = [
        [ratings.count(label) for label in ("unsafe", "neutral", "great")]
        for ratings in VOTES.values()
        if len(ratings) >= 2
    ]
    return float(krippendorff.alpha(value_counts=np.array(counts), level_of_measurement="nominal"))


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_page_shows_agreement_and_charts(
    voted: list[Document], member: User, persona: str
) -> None:
    client = Client()
    if persona == "member":
        client.force_login(member)
    response = client.get("/quality/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{_alpha():.3f}" in body
    assert body.count("<svg") == 3
    assert len(re.findall(r'<rect class="chart-bar', body)) == 7 + 3  # vote bins + labels
    assert "<polyline" not in body  # one point ("now") and no release yet
    assert " style=" not in body
    assert "<style" not in body
    assert "<script>" not in body


def test_releases_are_listed_with_their_agreement(
    voted: list[Document], settings: Any, tmp_path: Path
) -> None:
    settings.SAFEDATA_SNAPSHOT_DIR = tmp_path / "snapshots"
    snapshots.build_snapshot("2026.12.03")
    body = Client().get("/quality/").content.decode()
    assert 'href="/dataset/snapshots/2026.12.03/card/"' in body
    assert body.count(f"{_alpha():.3f}") >= 2  # the release and the dataset now
    assert "<polyline" in body  # the release and now: a line


def test_an_empty_dataset_says_there_is_no_agreement_yet(db: None) -> None:
    body = Client().get("/quality/").content.decode()
    assert "n/a" in body
    assert "No agreement yet" in body


@pytest.mark.parametrize("url", ["/", "/dataset/"])
def test_home_and_dataset_pages_link_to_it(db: None, url: str) -> None:
    assert 'href="/quality/"' in Client().get(url).content.decode()
