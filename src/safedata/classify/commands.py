"""The ``safedata train``, ``safedata evaluate`` and ``safedata score`` commands."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from safedata.classify.backends import MissingExtraError, backend_names
from safedata.classify.engines import engine_names
from safedata.classify.errors import ClassifyError
from safedata.classify.options import LABEL_MODES, ScoreOptions, TrainOptions
from safedata.cli_options import F, field_option
from safedata.consensus import LABELS
from safedata.records import RecordFormatError


@contextmanager
def user_errors() -> Iterator[None]:
    """Show problems the user can fix as one clear line and exit with status 1."""
    try:
        yield
    except (ClassifyError, MissingExtraError, RecordFormatError, ValueError) as error:
        raise click.ClickException(str(error)) from None


def _parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--param")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _summary(metrics: dict[str, Any]) -> str:
    auc = metrics["roc_auc"]
    return (
        f"macro-F1 {metrics['macro_f1']:.3f}  accuracy {metrics['accuracy']:.3f}  "
        f"ROC-AUC great {_fmt(auc['great_vs_rest'])} unsafe {_fmt(auc['unsafe_vs_rest'])}  "
        f"ECE {metrics['ece']:.3f}"
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _verbose(enabled: bool) -> None:
    logging.basicConfig(level=logging.INFO if enabled else logging.WARNING, format="%(message)s")


def _stage_printer(enabled: bool) -> Callable[[str], None]:
    """Print each training stage on stderr with the seconds since the start."""
    started = time.perf_counter()

    def show(stage: str) -> None:
        if enabled:
            click.echo(f"[{time.perf_counter() - started:7.1f}s] {stage}", err=True)

    return show


def data_option(help_text: str) -> Callable[[F], F]:
    """``--data``: the labelled documents a command reads (a path that must exist)."""
    return click.option(
        "--data", required=True, type=click.Path(exists=True, path_type=Path), help=help_text
    )


model_option = click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Model folder written by `safedata train`.",
)
"""The ``--model`` option shared by ``evaluate`` and ``score``."""


@click.command()
@data_option("Snapshot folder, records file or `safedata export classify` file.")
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="New folder for the model."
)
@field_option(TrainOptions, "backend", "Classifier backend.", choices=backend_names())
@field_option(
    TrainOptions,
    "labels",
    "Consensus labels, soft labels from vote fractions, or pick on validation.",
    choices=LABEL_MODES,
)
@field_option(TrainOptions, "folds", "Cross-validation folds.")
@field_option(TrainOptions, "seed", "Random seed.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Fix a hyperparameter instead of tuning it (repeatable), e.g. epoch=10.",
)
@click.option("--quick", is_flag=True, help="Try one set of hyperparameters instead of a grid.")
@click.option("-v", "--verbose", is_flag=True, help="Log each tuning trial.")
@click.option("--no-progress", is_flag=True, help="Hide the stages and their elapsed seconds.")
def train(
    data: Path, out: Path, params: tuple[str, ...], verbose: bool, no_progress: bool, **fields: Any
) -> None:
    """Train a classifier on the settled documents of a snapshot or export.

    Tunes hyperparameters on a validation split, reports k-fold cross-validated
    metrics with near-duplicates kept in the same fold, calibrates when it
    helps, fits the rule that picks the reported label for macro-F1 (out of
    fold, kept when it helps), and writes a self-describing model folder
    (weights, config.json, metrics.json, MODEL_CARD.md, confusion.png,
    reliability.png). Each stage is shown on stderr as it starts.
    """
    from safedata.classify.train import train as run_training

    _verbose(verbose)
    options = TrainOptions(params=_parse_params(params), **fields)
    show = _stage_printer(not no_progress)
    with user_errors():
        metrics = run_training(data, out, options, show)
    show("done")
    click.echo(f"model written to {out}")
    click.echo(f"cross-validated: {_summary(metrics['cross_validation'])}")


@click.command()
@model_option
@data_option("Snapshot folder, records file or export with settled documents.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for evaluation.json and the PNGs [default: MODEL/evaluation].",
)
def evaluate(model_dir: Path, data: Path, out: Path | None) -> None:
    """Evaluate a model on labelled data it was not trained on.

    Writes evaluation.json (macro-F1, per-label precision and recall, ROC-AUC,
    confusion matrix, expected calibration error), confusion.png and
    reliability.png.
    """
    from safedata.classify.evaluate import evaluate as run_evaluation

    target = out or model_dir / "evaluation"
    with user_errors():
        report = run_evaluation(model_dir, data, target)
    click.echo(f"{report['metrics']['documents']} documents: {_summary(report['metrics'])}")
    click.echo(f"report written to {target}")


@click.command()
@model_option
@click.option(
    "--input",
    "inputs",
    required=True,
    multiple=True,
    metavar="PATH",
    help="JSONL (.gz, .zst), Parquet, folder or glob; repeatable.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the Parquet shards.",
)
@field_option(ScoreOptions, "text_field", "Field holding the text.")
@field_option(ScoreOptions, "id_field", "Field holding the id.")
@field_option(
    ScoreOptions,
    "threshold",
    "Keep only documents whose probability of --keep-label is at least this.",
)
@field_option(
    ScoreOptions,
    "keep_label",
    "Label that --threshold applies to.",
    choices=[label.value for label in LABELS],
)
@field_option(ScoreOptions, "batch_size", "Documents per batch.")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Processes (local engine) or actors (ray engine).",
)
@click.option(
    "--engine",
    type=click.Choice(engine_names()),
    default="local",
    show_default=True,
    help="Where to run.",
)
@click.option("--address", default=None, help="Ray cluster address, e.g. ray://head:10001.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def score(
    model_dir: Path,
    inputs: tuple[str, ...],
    output: Path,
    workers: int,
    engine: str,
    address: str | None,
    no_progress: bool,
    **fields: Any,
) -> None:
    """Score documents with a trained model into Parquet shards.

    Each output row has the input id (or source file and line), the probability
    of each label, the predicted label and score = p_great - p_unsafe. Documents
    without text are counted and skipped. A rerun skips finished shards.
    """
    from safedata.classify.score import score as run_scoring

    options = ScoreOptions(**fields)
    with user_errors():
        summary = run_scoring(
            model_dir, list(inputs), output, options, engine, workers, address, not no_progress
        )
    click.echo(
        f"{summary['scored']} documents scored, {summary['skipped']} without text skipped, "
        f"{summary['written']} written to {output}"
    )
