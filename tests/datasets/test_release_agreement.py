"""Rater agreement in each release: manifest.json and the dataset card record Krippendorff's
alpha and per-label agreement of the frozen vote counts; a release made before they were
recorded is rebuilt without them (so it still verifies)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from safedata.datasets import snapshots
from safedata.datasets.models import Snapshot
from safedata.documents.models import Document

COUNTS = [(0, 1, 4), (3, 0, 0), (1, 1, 1), (0, 0, 0), (0, 2, 0), (0, 0, 1)]


@pytest.fixture
def rated(make_document: Callable[..., Document], rate: Callable[..., Document]) -> None:
    for n, (unsafe, neutral, great) in enumerate(COUNTS):
        rate(make_document(f"Document {n} for agreement."), unsafe, neutral, great)


def _expected_alpha() -> float:
    pairable = np.array([c for c in COUNTS if sum(c) >= 2])
    return float(krippendorff.alpha(value_counts=pairable, level_of_measurement="nominal"))


@pytest.mark.usefixtures("rated")
def test_manifest_and_card_record_agreement(snapshot_dir: Path) -> None:
    snapshots.build_snapshot("2026.12.01")
    folder = snapshot_dir / "2026.12.01"
    recorded = json.loads((folder / "manifest.json").read_text())["agreement"]
    assert recorded["krippendorff_alpha"] == pytest.approx(_expected_alpha(), abs=1e-6)
    assert recorded["documents"] == 4  # two votes or more
    assert recorded["votes"] == 5 + 3 + 3 + 2
    # unsafe: 3*2 + 1*0 agreeing pairs of 3*2 + 1*2 -> 6/8
    assert recorded["per_label"]["unsafe"] == pytest.approx(0.75)
    card = (folder / "README.md").read_text()
    assert "## Rater agreement" in card
    assert f"{recorded['krippendorff_alpha']:.3f}" in card
    assert snapshots.verify_snapshot("2026.12.01").identical


@pytest.mark.usefixtures("rated")
def test_a_release_from_before_agreement_is_rebuilt_without_it(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    snapshot = snapshots.build_snapshot("2026.12.02")
    old = {key: value for key, value in snapshot.manifest.items() if key != "agreement"}
    Snapshot.objects.filter(pk=snapshot.pk).update(manifest=old)
    snapshot.refresh_from_db()
    rebuilt = tmp_path / "rebuilt"
    manifest = json.loads(snapshots.write_release(snapshot, rebuilt))
    assert "agreement" not in manifest
    assert "Rater agreement" not in (rebuilt / "README.md").read_text()
