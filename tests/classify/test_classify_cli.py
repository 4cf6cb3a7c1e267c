"""The real ``safedata`` entry point: the happy path and every bad input, with clear messages."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from safedata.records import Record

Cli = Callable[..., subprocess.CompletedProcess[str]]
SMALL = ["--param", "bucket=20000", "--param", "dim=16", "--quick", "--folds", "2"]


@pytest.mark.slow
def test_train_evaluate_score_through_the_entry_point(
    cli: Cli, training_file: Path, tmp_path: Path
) -> None:
    trained = cli("train", "--data", training_file, "--out", tmp_path / "m", *SMALL)
    assert trained.returncode == 0, trained.stderr
    assert "macro-F1" in trained.stdout
    evaluated = cli(
        "evaluate", "--model", tmp_path / "m", "--data", training_file, "--out", tmp_path / "eval"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert report["metrics"]["documents"] == 300
    assert (tmp_path / "eval" / "reliability.png").exists()
    (tmp_path / "in.jsonl").write_text(
        '{"id": 1, "text": "explain learn clear guide"}\n{"id": 2}\n'
    )
    scored = cli(
        "score",
        "--model",
        tmp_path / "m",
        "--input",
        tmp_path / "in.jsonl",
        "--output",
        tmp_path / "out",
    )
    assert scored.returncode == 0, scored.stderr
    assert "1 documents scored, 1 without text skipped" in scored.stdout
    assert "docs/s" in scored.stderr


def test_help_is_the_docstring(cli: Cli) -> None:
    result = cli("score", "--help")
    assert result.returncode == 0
    assert "Score documents with a trained model into Parquet shards." in result.stdout
    assert "--engine [local|ray]" in result.stdout


def assert_fails(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_training_set(
    cli: Cli,
    tmp_path: Path,
    corpus: Callable[..., list[Record]],
    save_records: Callable[..., Path],
) -> None:
    data = save_records(tmp_path / "d.parquet", corpus(12, status="needs_votes"))
    result = cli("train", "--data", data, "--out", tmp_path / "m")
    assert_fails(result, "no settled documents to train on (12 documents read")
    assert not (tmp_path / "m").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["d.parquet"]


def test_single_class_training_set(
    cli: Cli,
    tmp_path: Path,
    corpus: Callable[..., list[Record]],
    save_records: Callable[..., Path],
) -> None:
    data = save_records(tmp_path / "d.jsonl", corpus(12, labels=("great",)), "jsonl")
    result = cli("train", "--data", data, "--out", tmp_path / "m")
    assert_fails(result, "training needs at least two labels")
    assert not (tmp_path / "m").exists()


def test_training_data_in_the_wrong_format(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": 1, "text": "hello"}\n')
    assert_fails(
        cli("train", "--data", data, "--out", tmp_path / "m"),
        "d.jsonl: line 1: missing field(s): title",
    )


def test_missing_model_folder(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"text": "x"}\n')
    result = cli(
        "score",
        "--model",
        tmp_path / "nope",
        "--input",
        tmp_path / "in.jsonl",
        "--output",
        tmp_path / "out",
    )
    assert_fails(result, "no such model folder")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m: (m / "config.json").unlink(), "not a model folder (config.json is missing)"),
        (lambda m: (m / "config.json").write_text("{not json"), "corrupt model config"),
        (lambda m: (m / "model.bin").unlink(), "weights missing: model.bin"),
        (lambda m: (m / "model.bin").write_bytes(b"garbage"), "cannot load the fasttext weights"),
    ],
)
def test_corrupt_model_folder(
    cli: Cli, model_copy: Path, tmp_path: Path, damage: Callable[[Path], object], message: str
) -> None:
    damage(model_copy)
    (tmp_path / "in.jsonl").write_text('{"text": "x"}\n')
    result = cli(
        "score",
        "--model",
        model_copy,
        "--input",
        tmp_path / "in.jsonl",
        "--output",
        tmp_path / "out",
    )
    assert_fails(result, message)
    assert not (tmp_path / "out").exists()


def test_model_from_another_version(cli: Cli, model_copy: Path, training_file: Path) -> None:
    config = json.loads((model_copy / "config.json").read_text())
    config["safedata_version"] = "0.0.1"
    (model_copy / "config.json").write_text(json.dumps(config))
    result = cli("evaluate", "--model", model_copy, "--data", training_file)
    assert_fails(result, "the model was trained with safedata 0.0.1")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("in.csv", b"a,b\n", "unsupported input type"),
        ("in.parquet", b"not parquet", "not a readable Parquet file"),
    ],
)
def test_bad_score_input(
    cli: Cli, model_dir: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    result = cli(
        "score", "--model", model_dir, "--input", tmp_path / name, "--output", tmp_path / "out"
    )
    assert_fails(result, message)
    assert not (tmp_path / "out").exists()


def test_unreadable_and_missing_inputs(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    result = cli(
        "score",
        "--model",
        model_dir,
        "--input",
        tmp_path / "missing.jsonl",
        "--output",
        tmp_path / "out",
    )
    assert_fails(result, "no such file, folder or matching path")
    dangling = tmp_path / "gone.jsonl"
    dangling.symlink_to(tmp_path / "deleted.jsonl")
    result = cli("score", "--model", model_dir, "--input", dangling, "--output", tmp_path / "out")
    assert_fails(result, "gone.jsonl: cannot read")
    assert not (tmp_path / "out").exists()


TRAIN_STAGES = [
    "reading data",
    "300 documents read, 300 settled",
    "dedup groups",
    "featurizing",
    "tuning",
    "cross-validation fold 1/2",
    "cross-validation fold 2/2",
    "calibrating",
    "fitting final model",
    "writing model",
    "done",
]


@pytest.mark.slow
def test_train_shows_each_stage_in_order(cli: Cli, training_file: Path, tmp_path: Path) -> None:
    result = cli("train", "--data", training_file, "--out", tmp_path / "m", *SMALL)
    assert result.returncode == 0, result.stderr
    positions = [result.stderr.find(stage) for stage in TRAIN_STAGES]
    assert -1 not in positions, result.stderr
    assert positions == sorted(positions), result.stderr
    assert re.search(r"^\[ *\d+\.\ds\] writing model", result.stderr, re.MULTILINE)
    assert "reading data" not in result.stdout


@pytest.mark.slow
def test_train_no_progress_hides_the_stages(cli: Cli, training_file: Path, tmp_path: Path) -> None:
    result = cli("train", "--data", training_file, "--out", tmp_path / "m", *SMALL, "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "model written to" in result.stdout
    assert not any(stage in result.stderr for stage in TRAIN_STAGES), result.stderr


def test_score_shows_the_total_of_a_parquet_input(
    cli: Cli, model_dir: Path, tmp_path: Path
) -> None:
    texts = ["explain learn clear guide"] * 6 + [""]
    table = pa.table({"id": [str(i) for i in range(7)], "text": texts})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=3)
    args = ["score", "--model", model_dir, "--input", tmp_path / "in.parquet", "--batch-size", "2"]
    result = cli(*args, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "6 documents scored, 1 without text skipped" in result.stdout
    assert "7/7" in result.stderr
    quiet = cli(*args, "--output", tmp_path / "quiet", "--no-progress")
    assert quiet.returncode == 0, quiet.stderr
    assert "scoring" not in quiet.stderr


def test_score_of_jsonl_counts_without_a_total(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "explain learn"}\n' * 3)
    pq.write_table(pa.table({"text": ["explain"]}), tmp_path / "in.parquet")
    result = cli(
        "score",
        "--model",
        model_dir,
        "--input",
        tmp_path / "in.jsonl",
        "--input",
        tmp_path / "in.parquet",
        "--output",
        tmp_path / "out",
    )
    assert result.returncode == 0, result.stderr
    assert "4 docs" in result.stderr
    assert re.search(r"\d/\d", result.stderr) is None, result.stderr
