"""The snapshot's manifest and its dataset card (Hugging Face YAML front matter + datasheet).

Both are functions of the frozen rows and the Snapshot row only, never of the
clock or the machine, so rebuilding a release gives the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from numpy.typing import NDArray

from safedata.consensus.agreement import Agreement, agreement
from safedata.records import SCHEMA
from safedata.records.schema import VOTE_FIELDS

if TYPE_CHECKING:
    from safedata.datasets.models import Snapshot

DATASET_NAME = "safe-training-data"
_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


@dataclass
class SnapshotStats:
    """Counts gathered while the data files are written."""

    rows: int = 0
    characters: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    removed_since_previous: int = 0
    """Documents taken down (removed by moderators) since the previous release: a count only."""
    with_agreement: bool = True
    """Record rater agreement (releases made before it was recorded are rebuilt without)."""
    pairable: list[NDArray[np.int32]] = field(default_factory=list)
    """Vote counts (unsafe, neutral, great) of the documents with two votes or more."""
    _agreement: dict[str, Any] | None = field(default=None, repr=False)

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if self.with_agreement:
            counts = np.column_stack(
                [batch.column(name).to_numpy(zero_copy_only=False) for name in VOTE_FIELDS]
            ).astype(np.int32)
            self.pairable.append(counts[counts.sum(axis=1) >= 2])
        self.characters += int(pc.sum(pc.utf8_length(batch.column("text"))).as_py() or 0)
        for name, counter in (
            ("label", self.labels),
            ("status", self.statuses),
            ("language", self.languages),
            ("license", self.licenses),
        ):
            for item in pc.value_counts(batch.column(name)).to_pylist():
                counter[item["values"]] += item["counts"]

    def agreement(self) -> dict[str, Any] | None:
        """Rater agreement of the release's votes, as the manifest records it.

        Computed once (the card and the manifest both ask; 0.15 s per 200,000 rows).
        """
        if not self.with_agreement:
            return None
        if self._agreement is None:
            pairs = np.concatenate(self.pairable) if self.pairable else np.zeros((0, 3), np.int32)
            self._agreement = agreement_record(agreement(pairs))
        return self._agreement


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def agreement_record(result: Agreement) -> dict[str, Any]:
    """Krippendorff's alpha (nominal and ordinal) and per-label agreement, JSON-ready."""
    return {
        "krippendorff_alpha": _rounded(result.alpha),
        "krippendorff_alpha_ordinal": _rounded(result.alpha_ordinal),
        "per_label": {label.value: _rounded(v) for label, v in result.per_label.items()},
        "documents": result.documents,
        "votes": result.votes,
    }


def file_entry(
    path: str, fmt: str, rows: int | None, directory: Path, sha256: Callable[[Path], str]
) -> dict[str, Any]:
    """The manifest entry of one written file."""
    entry: dict[str, Any] = {"path": path, "format": fmt}
    if rows is not None:
        entry["rows"] = rows
    entry["bytes"] = (directory / path).stat().st_size
    entry["sha256"] = sha256(directory / path)
    return entry


def released_at(snapshot: Snapshot) -> str:
    return snapshot.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _schema() -> dict[str, Any]:
    return {
        "format": SCHEMA.metadata[b"format"].decode(),
        "format_version": SCHEMA.metadata[b"format_version"].decode(),
        "fields": [
            {
                "name": f.name,
                "type": str(f.type),
                "nullable": f.nullable,
                "description": f.metadata[b"description"].decode(),
            }
            for f in SCHEMA
        ],
    }


def manifest(
    snapshot: Snapshot, stats: SnapshotStats, files: list[dict[str, Any]]
) -> dict[str, Any]:
    agreement_data = stats.agreement()
    extra = {} if agreement_data is None else {"agreement": agreement_data}
    return {
        **extra,
        "name": DATASET_NAME,
        "version": snapshot.version,
        "released_at": released_at(snapshot),
        "row_count": stats.rows,
        "characters": stats.characters,
        "counts": {
            "label": dict(stats.labels),
            "status": dict(stats.statuses),
            "language": dict(stats.languages),
            "license": dict(stats.licenses),
        },
        "files": files,
        "takedowns": {"removed_since_previous": stats.removed_since_previous},
        "schema": _schema(),
        "consensus": {"method": snapshot.consensus_method, "params": snapshot.consensus_params},
        "code_version": snapshot.code_version,
    }


def serialise_manifest(data: dict[str, Any]) -> bytes:
    """The bytes of ``manifest.json``: sorted keys, two-space indent, final newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def manifest_bytes(snapshot: Snapshot, stats: SnapshotStats, files: list[dict[str, Any]]) -> bytes:
    return serialise_manifest(manifest(snapshot, stats, files))


def size_category(rows: int) -> str:
    for limit, name in _SIZE_CATEGORIES:
        if rows < limit:
            return name
    return "n>10M"


def _yaml_list(key: str, values: list[str], indent: str = "") -> list[str]:
    return [f"{indent}{key}:"] + [f"{indent}- {json.dumps(value)}" for value in values]


def front_matter(snapshot: Snapshot, stats: SnapshotStats, files: list[dict[str, Any]]) -> str:
    """Hugging Face dataset card metadata (YAML; strings are JSON-quoted, which YAML accepts)."""
    parquet = next((f["path"] for f in files if f["format"] == "parquet"), files[0]["path"])
    languages = sorted(code for code in stats.languages if code)
    lines = [
        "---",
        f"pretty_name: {json.dumps('Safe Training Data ' + snapshot.version)}",
        "license: other",
        "license_name: per-document",
        'license_details: "Each document carries its own SPDX licence in the license column."',
        *(_yaml_list("language", languages) if languages else []),
        *_yaml_list("task_categories", ["text-classification", "text-generation"]),
        *_yaml_list("size_categories", [size_category(stats.rows)]),
        *_yaml_list("tags", ["safety", "human-feedback", "community-rated"]),
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {json.dumps(parquet)}",
        f"version: {json.dumps(snapshot.version)}",
        "---",
    ]
    return "\n".join(lines) + "\n"


def _counts_table(title: str, counts: Counter[str]) -> list[str]:
    rows = [f"| {name or '(none)'} | {count:,} |" for name, count in sorted(counts.items())]
    return [f"| {title} | documents |", "|---|---:|", *rows, ""]


def _files_table(files: list[dict[str, Any]]) -> list[str]:
    rows = [f"| `{f['path']}` | {f['rows']:,} | {f['bytes']:,} | `{f['sha256']}` |" for f in files]
    return ["| file | rows | bytes | SHA-256 |", "|---|---:|---:|---|", *rows, ""]


_METHOD_TEXT: dict[str, tuple[str, ...]] = {
    "dirichlet-v1": (
        "Each vote adds to a Dirichlet posterior over the three ratings (a symmetric prior of",
        "`prior` pseudo-votes each). `score` is the posterior mean on the spectrum unsafe -1,",
        "neutral 0, great +1; `confidence` is the posterior probability that `label` is",
        "the majority rating.",
    ),
    "dawid-skene-v2": (
        "A Dawid-Skene model weighs each voter by a confusion matrix learned by EM from the",
        "votes they cast before they could see a tally, shrunk toward their class's pooled",
        "matrix (accounts, and anonymous identities under a weaker prior); quarantined votes",
        "and those of suspended members are left out. `score` is the posterior mean on the",
        "spectrum unsafe -1, neutral 0, great +1; `confidence` is the posterior probability",
        "of `label`.",
    ),
}
"""What each consensus method does, in the card's words."""


def _agreement_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _agreement_section(data: dict[str, Any] | None) -> list[str]:
    if data is None:
        return []
    rows = [f"| {label} | {_agreement_text(v)} |" for label, v in data["per_label"].items()]
    return [
        "## Rater agreement",
        "",
        f"Over the {data['documents']:,} documents with two votes or more "
        f"({data['votes']:,} votes): Krippendorff's alpha "
        f"{_agreement_text(data['krippendorff_alpha'])} (nominal), "
        f"{_agreement_text(data['krippendorff_alpha_ordinal'])} (ordinal, unsafe < neutral "
        "< great); 1 is perfect agreement, 0 what chance gives. Per label, the chance that",
        "a second vote on a document agrees with a vote for that label:",
        "",
        "| label | agreement |",
        "|---|---:|",
        *rows,
        "",
    ]


def render_card(snapshot: Snapshot, stats: SnapshotStats, files: list[dict[str, Any]]) -> str:
    """``README.md`` of a release: front matter, then a datasheet."""
    params = snapshot.consensus_params
    params_text = ", ".join(f"{key} = {value}" for key, value in sorted(params.items()))
    body = [
        f"# Safe Training Data, release {snapshot.version}",
        "",
        f"Released {released_at(snapshot)}; {stats.rows:,} documents, {stats.characters:,} "
        f"characters. Built by safedata {snapshot.code_version}. Cite this exact version as "
        f"*Safe Training Data {snapshot.version}*; `manifest.json` lists the SHA-256 of "
        "every file.",
        "",
        "## Motivation",
        "",
        "An open collection of text documents rated by a community as unsafe, neutral or",
        "great, for two uses: fine-tuning language models on highly rated documents, and",
        "training classifiers on the ratings to filter large corpora.",
        "",
        "## Composition",
        "",
        *_counts_table("label", stats.labels),
        *_counts_table("status", stats.statuses),
        *_files_table(files),
        "Each row has the fields of the `safedata.records` format (version "
        f"{_schema()['format_version']}); see `manifest.json` for types and descriptions.",
        "",
        "## Collection process",
        "",
        "Signed-in members upload texts that must comply with the Acceptable Use Policy,",
        "choosing a licence for each. Anyone, with or without an account, can vote",
        "Unsafe, Neutral or Great on a document; each voter has one current vote per",
        "document. Documents hidden or removed by moderators are excluded from every release.",
        "",
        "## How ratings are aggregated",
        "",
        f"Consensus method `{snapshot.consensus_method}` with {params_text}.",
        *_METHOD_TEXT.get(snapshot.consensus_method, ()),
        "A document with at least `min_votes` votes is `settled`",
        "when confidence reaches `threshold`, `contested` when the runner-up's reaches",
        "`contested_share`, and otherwise still `needs_votes`. `score_low` and",
        "`score_high` give the shortest interval of spectrum values holding 90 % of the",
        "belief (`[-1, 1]` in releases made before it existed).",
        "",
        *_agreement_section(stats.agreement()),
        "## Known limitations",
        "",
        "- Voters are self-selected volunteers; anonymous votes are limited per browser,",
        "  not per person, so coordinated voting is possible though rate-limited.",
        "- Many documents have few votes: filter on `votes_*`, `status` and `confidence`.",
        "- Labels reflect the community's judgement at release time; later votes and",
        "  takedowns appear only in later releases.",
        "- Language tags and licences are given by uploaders and not verified.",
        "",
    ]
    return front_matter(snapshot, stats, files) + "\n" + "\n".join(body)
