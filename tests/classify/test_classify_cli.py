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
from tests.classify.conftest import CLI_SMALL_MODEL

Cli = Callable[..., subprocess.CompletedProcess[str]]
Trained = tuple[subprocess.CompletedProcess[str], Path]


def score(
    cli: Cli, model: Path, *inputs: Path, out: Path, options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``safedata score`` of ``inputs`` with ``model`` into ``out``."""
    each_input = [arg for path in inputs for arg in ("--input", path)]
    return cli("score", "--model", model, *each_input, "--output", out, *options)


@pytest.mark.slow
def test_train_evaluate_score_through_the_entry_point(
    cli: Cli, trained_by_cli: Trained, training_file: Path, tmp_path: Path
) -> None:
    trained, model = trained_by_cli
    assert trained.returncode == 0, trained.stderr
    assert "macro-F1" in trained.stdout
    evaluated = cli(
        "evaluate", "--model", model, "--data", training_file, "--out", tmp_path / "eval"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert report["metrics"]["documents"] == 300
    assert (tmp_path / "eval" / "reliability.png").exists()
    (tmp_path / "in.jsonl").write_text(
        '{"id": 1, "text": "explain learn clear guide"}\n{"id": 2}\n'
    )
    scored = score(cli, model, tmp_path / "in.jsonl", out=tmp_path / "out")
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


def test_empty_training_set(cli: Cli, tmp_path: Path, corpus_file: Callable[..., Path]) -> None:
    data = corpus_file("d.parquet", 12, status="needs_votes")
    result = cli("train", "--data", data, "--out", tmp_path / "m")
    assert_fails(result, "no settled documents to train on (12 documents read")
    assert not (tmp_path / "m").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["d.parquet"]


def test_single_class_training_set(
    cli: Cli, tmp_path: Path, corpus_file: Callable[..., Path]
) -> None:
    data = corpus_file("d.jsonl", 12, "jsonl", labels=("great",))
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
    result = score(cli, tmp_path / "nope", tmp_path / "in.jsonl", out=tmp_path / "out")
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
    result = score(cli, model_copy, tmp_path / "in.jsonl", out=tmp_path / "out")
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
    result = score(cli, model_dir, tmp_path / name, out=tmp_path / "out")
    assert_fails(result, message)
    assert not (tmp_path / "out").exists()


def test_unreadable_and_missing_inputs(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    result = score(cli, model_dir, tmp_path / "missing.jsonl", out=tmp_path / "out")
    assert_fails(result, "no such file, folder or matching path")
    dangling = tmp_path / "gone.jsonl"
    dangling.symlink_to(tmp_path / "deleted.jsonl")
    result = score(cli, model_dir, dangling, out=tmp_path / "out")
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
def test_train_shows_each_stage_in_order(trained_by_cli: Trained) -> None:
    result, _ = trained_by_cli
    assert result.returncode == 0, result.stderr
    positions = [result.stderr.find(stage) for stage in TRAIN_STAGES]
    assert -1 not in positions, result.stderr
    assert positions == sorted(positions), result.stderr
    assert re.search(r"^\[ *\d+\.\ds\] writing model", result.stderr, re.MULTILINE)
    assert "reading data" not in result.stdout


@pytest.mark.slow
def test_train_no_progress_hides_the_stages(cli: Cli, training_file: Path, tmp_path: Path) -> None:
    result = cli(
        "train", "--data", training_file, "--out", tmp_path / "m", *CLI_SMALL_MODEL, "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    assert "model written to" in result.stdout
    assert not any(stage in result.stderr for stage in TRAIN_STAGES), result.stderr


def test_score_shows_the_total_of_a_parquet_input(
    cli: Cli, model_dir: Path, tmp_path: Path
) -> None:
    texts = ["explain learn clear guide"] * 6 + [""]
    table = pa.table({"id": [str(i) for i in range(7)], "text": texts})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=3)
    inputs = (model_dir, tmp_path / "in.parquet")
    result = score(cli, *inputs, out=tmp_path / "out", options=("--batch-size", "2"))
    assert result.returncode == 0, result.stderr
    assert "6 documents scored, 1 without text skipped" in result.stdout
    assert "7/7" in result.stderr
    quiet = score(
        cli, *inputs, out=tmp_path / "quiet", options=("--batch-size", "2", "--no-progress")
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "scoring" not in quiet.stderr


def test_score_of_jsonl_counts_without_a_total(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "explain learn"}\n' * 3)
    pq.write_table(pa.table({"text": ["explain"]}), tmp_path / "in.parquet")
    result = score(
        cli, model_dir, tmp_path / "in.jsonl", tmp_path / "in.parquet", out=tmp_path / "out"
    )
    assert result.returncode == 0, result.stderr
    assert "4 docs" in result.stderr
    assert re.search(r"\d/\d", result.stderr) is None, result.stderr
