"""Training: the model folder, honest splits, weights and soft labels."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import safedata
from safedata.classify import Model
from safedata.classify.data import load_labelled
from safedata.classify.train import TrainOptions, make_folds, sample_weights, train
from safedata.records import SCHEMA, Record, records_to_batch

SMALL = {"bucket": 20_000, "dim": 16}


def test_model_folder_is_self_describing(model_dir: Path, training_file: Path) -> None:
    names = {p.name for p in model_dir.iterdir()}
    assert {"model.bin", "config.json", "metrics.json", "MODEL_CARD.md"} <= names
    assert {"confusion.png", "reliability.png"} <= names
    config = json.loads((model_dir / "config.json").read_text())
    assert config["backend"] == "fasttext"
    assert config["labels"] == ["unsafe", "neutral", "great"]
    assert config["safedata_version"] == safedata.__version__
    assert config["params"]["wordNgrams"] == 2
    assert config["training"]["settled_documents"] == 300
    digest = config["training"]["sha256"][str(training_file)]
    assert len(digest) == 64
    assert (model_dir / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    card = (model_dir / "MODEL_CARD.md").read_text()
    assert "## Intended use" in card
    assert "## Limitations" in card


def test_cross_validated_metrics_are_reported(model_dir: Path) -> None:
    metrics = json.loads((model_dir / "metrics.json").read_text())
    cv = metrics["cross_validation"]
    assert cv["macro_f1"] > 0.8
    assert cv["roc_auc"]["great_vs_rest"] > 0.9
    assert np.array(cv["confusion"]).sum() == 300
    assert set(cv["per_label"]) == {"unsafe", "neutral", "great"}
    assert 0 <= cv["ece"] <= 1
    assert metrics["folds"] == 3
    assert metrics["calibration"]["method"].startswith("temperature scaling")
    rule = metrics["label_rule"]
    assert cv["macro_f1"] == max(rule["macro_f1_argmax"], rule["macro_f1_cross_fitted"])
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["decision"] is not None) == rule["applied"]


def test_trained_model_separates_the_labels(model_dir: Path) -> None:
    model = Model.load(model_dir)
    probs = model.predict_proba(["attack exploit steal weapon", "explain learn clear guide proof"])
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert probs[0].argmax() == 0
    assert probs[1].argmax() == 2


def test_fasttext_bin_loads_in_plain_fasttext(model_dir: Path) -> None:
    import fasttext

    plain = fasttext.load_model(str(model_dir / "model.bin"))
    labels, _ = plain.predict("attack exploit steal weapon hurt", k=3)
    assert set(labels) == {"__label__unsafe", "__label__neutral", "__label__great"}
    assert labels[0] == "__label__unsafe"


def test_near_duplicates_stay_in_one_fold(
    tmp_path: Path, corpus: Callable[..., list[Record]], save_records: Callable[..., Path]
) -> None:
    records = corpus(60)
    copies = [
        Record.from_dict({**r.to_dict(), "id": 1000 + r.id, "text": r.text + " extra"})
        for r in records[:20]
    ]
    data = load_labelled(save_records(tmp_path / "d.parquet", records + copies))
    folds = make_folds(data, 5, seed=0)
    for original in range(20):
        assert folds.assignment[original] == folds.assignment[60 + original]


def test_snapshot_folder_records_version_and_prefers_parquet(
    tmp_path: Path, corpus: Callable[..., list[Record]], save_records: Callable[..., Path]
) -> None:
    folder = tmp_path / "snapshot"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"version": "2024.05"}))
    records = corpus(30)
    save_records(folder / "data.parquet", records)
    save_records(folder / "data.jsonl.gz", records, "jsonl.gz")
    data = load_labelled(folder)
    assert len(data) == 30
    assert data.provenance.snapshot_version == "2024.05"
    assert list(data.provenance.sha256) == [str(folder / "data.parquet")]


def test_only_settled_documents_are_used(
    tmp_path: Path, corpus: Callable[..., list[Record]], save_records: Callable[..., Path]
) -> None:
    records = corpus(30) + corpus(9, seed=1, status="contested")
    data = load_labelled(save_records(tmp_path / "d.jsonl", records, "jsonl"))
    assert len(data) == 30
    assert data.documents_read == 39


def test_export_soft_columns_become_soft_targets(
    tmp_path: Path, corpus: Callable[..., list[Record]]
) -> None:
    batch = records_to_batch(corpus(30))
    table = pa.Table.from_batches([batch], schema=SCHEMA)
    table = table.append_column("soft_unsafe", pa.array([0.2] * 30))
    table = table.append_column("soft_neutral", pa.array([0.3] * 30))
    table = table.append_column("soft_great", pa.array([0.5] * 30))
    pq.write_table(table, tmp_path / "export.parquet")
    data = load_labelled(tmp_path / "export.parquet")
    np.testing.assert_allclose(data.soft[0], [0.2, 0.3, 0.5])


def test_soft_labels_come_from_vote_fractions(training_file: Path, tmp_path: Path) -> None:
    data = load_labelled(training_file)
    first = data.soft[0]
    assert first.sum() == pytest.approx(1.0)
    assert first[data.labels[0]] >= 0.5
    train(
        training_file,
        tmp_path / "m",
        TrainOptions(quick=True, folds=2, labels="soft", params=SMALL),
    )
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["params"]["soft"] is True


def test_sample_weights_balance_labels_and_follow_confidence(
    tmp_path: Path, corpus: Callable[..., list[Record]], save_records: Callable[..., Path]
) -> None:
    records = corpus(40, labels=("great", "great", "great", "unsafe"))
    weights = sample_weights(load_labelled(save_records(tmp_path / "d.parquet", records)))
    data = load_labelled(tmp_path / "d.parquet")
    per_label = [weights[data.labels == label].sum() for label in (0, 2)]
    assert per_label[0] == pytest.approx(per_label[1], rel=0.1)
    assert weights.mean() == pytest.approx(1.0)
