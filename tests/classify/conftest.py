"""Generated labelled corpora, a trained model, a local Ray, and the real command line."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safedata.consensus import Counts, compute
from safedata.records import Record, open_writer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
CUES = {
    "unsafe": "attack exploit steal weapon hurt poison scam hatred threat malware",
    "neutral": "weather table chair report meeting schedule list number invoice memo",
    "great": "explain learn careful clear thoughtful guide tutorial insight proof lesson",
}
FILLER = [f"w{i}" for i in range(400)]
SMALL_MODEL = {"bucket": 20_000, "dim": 16}
"""fastText parameters that keep test models small and fast."""


def make_text(rng: random.Random, label: str) -> str:
    """A text whose words lean towards ``label``."""
    words = [
        rng.choice(CUES[label].split()) if rng.random() < 0.3 else rng.choice(FILLER)
        for _ in range(rng.randint(10, 40))
    ]
    return " ".join(words)


def make_records(
    count: int,
    seed: int = 0,
    labels: tuple[str, ...] = ("unsafe", "neutral", "great"),
    status: str | None = None,
) -> list[Record]:
    """``count`` records cycling through ``labels``, settled unless ``status`` says otherwise."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        label = labels[i % len(labels)]
        votes = {"unsafe": 0, "neutral": 0, "great": 0}
        votes[label] = rng.randint(4, 6)
        votes[rng.choice(list(votes))] += rng.randint(0, 1)
        verdict = compute(Counts(**votes))
        text = make_text(rng, label)
        records.append(
            Record.rated(
                i,
                text,
                verdict,
                uploaded_at=datetime(2024, 1, 1, tzinfo=UTC),
                label=label,
                status=status or "settled",
            )
        )
    return records


def write_records(path: Path, records: list[Record], fmt: str = "parquet") -> Path:
    """Write ``records`` to ``path``."""
    with open_writer(path, fmt) as writer:
        writer.write_batch(records)
    return path


@pytest.fixture(scope="session")
def training_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 settled records, 100 per label."""
    return write_records(tmp_path_factory.mktemp("data") / "train.parquet", make_records(300))


@pytest.fixture(scope="session")
def model_dir(training_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small fastText model trained on ``training_file``."""
    from safedata.classify.train import TrainOptions, train

    out = tmp_path_factory.mktemp("models") / "fasttext"
    train(training_file, out, TrainOptions(quick=True, folds=3, params=SMALL_MODEL))
    return out


@pytest.fixture
def model_copy(model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the trained model that a test may damage."""
    return Path(shutil.copytree(model_dir, tmp_path / "model"))


@pytest.fixture(scope="session")
def local_ray() -> Iterator[Any]:
    """A local Ray instance with 2 CPUs, shut down after the session."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


def safedata_command() -> list[str]:
    """The installed ``safedata`` entry point, or the module when it is not installed."""
    script = Path(sys.executable).parent / "safedata"
    return [str(script)] if script.exists() else [sys.executable, "-m", "safedata.cli"]


def run_safedata(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``safedata`` with arguments in a subprocess; returns the completed process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [*safedata_command(), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_safedata``."""
    return run_safedata


CLI_SMALL_MODEL = ["--param", "bucket=20000", "--param", "dim=16", "--quick", "--folds", "2"]
"""``SMALL_MODEL`` as ``safedata train`` options."""


@pytest.fixture(scope="session")
def trained_by_cli(
    training_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One ``safedata train`` of ``training_file`` (progress shown): its process and model
    folder, which tests read and never change."""
    out = tmp_path_factory.mktemp("cli-model") / "m"
    return run_safedata("train", "--data", training_file, "--out", out, *CLI_SMALL_MODEL), out


@pytest.fixture
def corpus() -> Callable[..., list[Record]]:
    """The ``make_records`` factory."""
    return make_records


@pytest.fixture
def save_records() -> Callable[..., Path]:
    """The ``write_records`` helper."""
    return write_records


@pytest.fixture
def corpus_file(tmp_path: Path) -> Callable[..., Path]:
    """``corpus_file(name, count, fmt, **options)``: ``make_records(count, **options)``
    written to ``tmp_path / name`` (Parquet unless ``fmt`` says otherwise)."""

    def write(name: str, count: int, fmt: str = "parquet", **options: Any) -> Path:
        return write_records(tmp_path / name, make_records(count, **options), fmt)

    return write
