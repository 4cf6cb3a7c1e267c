"""Exports for training: ``sft`` (fine-tuning texts) and ``classify`` (labels, soft labels).

Files are written by the registered record formats (``safedata.records``) with the
export's own columns. Parquet files go in ``data/`` and nothing else does, so
``data/`` reads as one table in pandas, pyarrow and polars; other formats and
``stats.json`` sit beside it.
"""

from __future__ import annotations

from pathlib import Path

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "parquet")
"""Formats an export writes unless told otherwise."""


def export_path(out: Path, name: str, fmt: str) -> Path:
    """Where an export into ``out`` keeps its file ``name`` in format ``fmt``."""
    folder = out / "data" if fmt == "parquet" else out
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.{fmt}"
