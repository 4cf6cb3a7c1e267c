"""``safedata snapshot`` and ``safedata export``: the dataset from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from safedata.bootstrap import setup_django
from safedata.cli_options import F, field_option
from safedata.datasets.exporters.options import SftOptions

_DEFAULT_FORMATS = "parquet,jsonl.zst"


@click.command()
@click.option(
    "--version",
    "version",
    metavar="VERSION",
    help="Version to publish; default today's date YYYY.MM.DD (.2, .3… if taken).",
)
@click.option(
    "--formats",
    default=_DEFAULT_FORMATS,
    show_default=True,
    help="Comma-separated record formats of the data files.",
)
@click.option(
    "--verify",
    "verify_version",
    metavar="VERSION",
    help="Rebuild a published VERSION in a scratch folder and compare every file.",
)
@click.option("--list", "list_only", is_flag=True, help="List published snapshots and exit.")
def snapshot(
    version: str | None, formats: str, verify_version: str | None, list_only: bool
) -> None:
    """Publish an immutable, versioned snapshot of the dataset, or verify one.

    A snapshot holds the visible documents with their votes and consensus as
    they stand now: data files (Parquet, JSON Lines), manifest.json (row
    counts, SHA-256 of each file, schema, consensus method, code version) and
    a dataset card README.md. It is written under SNAPSHOT_DIR/VERSION and can
    never be changed or overwritten.
    """
    setup_django()
    from safedata.datasets import services

    try:
        if list_only:
            _list_snapshots()
        elif verify_version:
            _verify(verify_version)
        else:
            chosen = [fmt.strip() for fmt in formats.split(",") if fmt.strip()]
            built = services.build_snapshot(version, snapshot_formats=chosen)
            click.echo(
                f"Published snapshot {built.version}: {built.row_count:,} rows, "
                f"{built.total_bytes:,} bytes in {services.snapshot_root() / built.version}"
            )
    except services.DatasetError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # a full disk, a read-only folder: nothing was published
        raise click.ClickException(f"Could not write the snapshot: {error.strerror}.") from None


def _list_snapshots() -> None:
    from safedata.datasets.models import Snapshot

    for item in Snapshot.objects.published():
        click.echo(
            f"{item.version}\t{item.row_count:,} rows\t{item.total_bytes:,} bytes\t"
            f"{item.created_at:%Y-%m-%d %H:%M}Z"
        )


def _verify(version: str) -> None:
    from safedata.datasets.services import verify_snapshot

    result = verify_snapshot(version)
    for check in result.files:
        state = "identical" if check.identical else "DIFFERENT"
        click.echo(f"{state}\t{check.path}\t{check.rebuilt}")
    if not result.identical:
        raise click.ClickException(
            f"Snapshot {version} does NOT rebuild to the same bytes (see DIFFERENT above)."
        )
    click.echo(f"Snapshot {version} verified: all {len(result.files)} files are byte-identical.")


def out_option(default: str, help_text: str) -> Callable[[F], F]:
    """``--out``: the folder an export writes, ``default`` unless given."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help=help_text,
    )


@click.group()
def export() -> None:
    """Export training sets from the current dataset (visible documents only)."""


@export.command()
@out_option("export-sft", "Folder for train/validation files and stats.json.")
@field_option(SftOptions, "min_votes", "Votes a document needs.")
@field_option(SftOptions, "min_confidence", "Consensus confidence a document needs.")
@field_option(
    SftOptions, "val_percent", "Percentage of documents (by content hash) in the validation split."
)
@field_option(
    SftOptions, "dedup_threshold", "MinHash similarity from which texts are near-duplicates."
)
def sft(out: Path, **fields: Any) -> None:
    """Fine-tuning set: documents rated great, near-duplicates removed.

    Writes train.jsonl / validation.jsonl ({"text": ...} per line), the same as
    Parquet, and stats.json (documents, characters, approximate tokens =
    characters / 4). The split is by content hash of each near-duplicate
    cluster's first document, so it is stable from one export to the next.
    """
    setup_django()
    from safedata.datasets.exporters.sft import export_sft

    stats = export_sft(out, SftOptions(**fields))
    click.echo(json.dumps(stats, indent=2, sort_keys=True))


@export.command()
@out_option("export-classify", "Folder for classify.jsonl, classify.parquet and stats.json.")
def classify(out: Path) -> None:
    """Classifier training set: every settled document with its label and soft labels.

    Columns: the record schema, then soft_unsafe, soft_neutral, soft_great
    (the share of each rating among the document's votes).
    """
    setup_django()
    from safedata.datasets.exporters.classify import export_classify

    click.echo(json.dumps(export_classify(out), indent=2, sort_keys=True))
