"""Files of format version 1 (before the score interval) stay readable in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from safedata.records import Record, RecordFormatError, open_writer, read_records
from safedata.records.schema import ADDED_IN_V2

OLD = tuple(ADDED_IN_V2)


def _without_interval(path: Path, fmt: str) -> None:
    """Rewrite a file as a version 1 writer would have: no score_low, no score_high."""
    if fmt == "parquet":
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(list(OLD)), path)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [json.dumps({k: v for k, v in row.items() if k not in OLD}) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        out = io.StringIO()
        names = [name for name in rows[0] if name not in OLD]
        writer = csv.DictWriter(out, names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_a_version_1_file_reads_with_the_interval_that_claims_nothing(
    tmp_path: Path, fmt: str, make_record: Callable[..., Record]
) -> None:
    narrow = [replace(make_record(n), score_low=1.0, score_high=1.0) for n in range(3)]
    path = tmp_path / f"d.{fmt}"
    with open_writer(path, fmt) as writer:
        writer.write_batch(narrow)
    assert [(r.score_low, r.score_high) for r in read_records(path)] == [(1.0, 1.0)] * 3

    _without_interval(path, fmt)
    old = read_records(path)
    assert [(r.score_low, r.score_high) for r in old] == [(-1.0, 1.0)] * 3
    assert [replace(r, score_low=1.0, score_high=1.0) for r in old] == narrow


def test_an_interval_upside_down_is_refused(make_record: Callable[..., Record]) -> None:
    with pytest.raises(RecordFormatError, match="score_low"):
        replace(make_record(1), score_low=1.0, score_high=0.0)
