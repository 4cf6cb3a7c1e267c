"""Every folder of Parquet files the dataset writes reads as one table in pandas, pyarrow, polars.

Run metadata (``README.md``, ``manifest.json``, ``stats.json``) and the other
formats sit outside ``data/``, which holds Parquet files only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow.dataset as pads  # type: ignore[import-untyped]
import pytest

from safedata.datasets import services
from safedata.datasets.exporters.classify import CLASSIFY_SCHEMA, export_classify
from safedata.datasets.exporters.sft import SFT_SCHEMA, SftOptions, export_sft
from safedata.records import SCHEMA

READERS: dict[str, Callable[[Path], tuple[int, list[str]]]] = {
    "pandas": lambda folder: (len(frame := pd.read_parquet(folder)), list(frame.columns)),
    "pyarrow": lambda folder: (
        (table := pads.dataset(folder).to_table()).num_rows,
        table.column_names,
    ),
    "polars": lambda folder: ((frame := pl.read_parquet(folder)).height, frame.columns),
}


@pytest.mark.parametrize("reader", READERS)
def test_snapshot_data_folder_reads_as_one_table(
    reader: str, corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    snapshot = services.build_snapshot("v1", snapshot_formats=("parquet", "jsonl.zst", "csv"))
    folder = snapshot_dir / "v1" / "data"
    assert READERS[reader](folder) == (snapshot.row_count, SCHEMA.names)


@pytest.mark.parametrize("reader", READERS)
def test_export_data_folders_read_as_one_table(
    reader: str, corpus: dict[str, Any], tmp_path: Path
) -> None:
    stats = export_sft(tmp_path / "sft", SftOptions(min_votes=0, min_confidence=0, val_percent=50))
    assert stats["documents"] >= 1
    assert READERS[reader](tmp_path / "sft" / "data") == (stats["documents"], SFT_SCHEMA.names)
    classify = export_classify(tmp_path / "classify")
    assert READERS[reader](tmp_path / "classify" / "data") == (
        classify["documents"],
        CLASSIFY_SCHEMA.names,
    )
