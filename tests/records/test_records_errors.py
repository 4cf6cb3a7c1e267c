"""Atomic writes and clear messages for bad input."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safedata.records import (
    Record,
    RecordFormatError,
    iter_batches,
    open_writer,
    read_records,
    records_to_batch,
)

FORMATS = ["jsonl", "jsonl.gz", "jsonl.zst", "parquet", "csv"]


class BoomError(Exception):
    """Raised on purpose half-way through a write."""


def write_then_fail(path: Path, fmt: str, records: list[Record]) -> None:
    with open_writer(path, fmt) as writer:
        writer.write_batch(records)
        raise BoomError


@pytest.mark.parametrize("fmt", FORMATS)
def test_error_while_writing_leaves_nothing(
    tmp_path: Path, fmt: str, records: list[Record]
) -> None:
    with pytest.raises(BoomError):
        write_then_fail(tmp_path / f"out.{fmt}", fmt, records)
    assert list(tmp_path.iterdir()) == []


def test_file_appears_only_on_close(tmp_path: Path, records: list[Record]) -> None:
    target = tmp_path / "out.parquet"
    writer = open_writer(target, "parquet")
    writer.write_batch(records)
    assert not target.exists()
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_the_previous_file(tmp_path: Path, records: list[Record]) -> None:
    target = tmp_path / "out.jsonl"
    with open_writer(target, "jsonl") as writer:
        writer.write_batch(records)
    before = target.read_bytes()
    with pytest.raises(BoomError):
        write_then_fail(target, "jsonl", records[:1])
    assert target.read_bytes() == before


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown record format 'xml'"):
        open_writer(tmp_path / "a.xml", "xml")
    with pytest.raises(RecordFormatError, match="unknown record file type"):
        read_records(tmp_path / "a.xml")


def test_writing_a_batch_with_a_bad_value_is_refused(records: list[Record], tmp_path: Path) -> None:
    batch = records_to_batch(records)
    bad = batch.set_column(12, "label", pa.array(["bad"] * len(records)))
    with (
        pytest.raises(RecordFormatError, match="field 'label'"),
        open_writer(tmp_path / "x.parquet", "parquet") as writer,
    ):
        writer.write_batch(bad)
    assert list(tmp_path.iterdir()) == []


def jsonl_lines(record_fields: Callable[..., dict[str, Any]], count: int) -> list[str]:
    rows = [record_fields(i) for i in range(count)]
    return [json.dumps(row, default=lambda t: t.isoformat()) for row in rows]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", r"bad\.jsonl: line 2: invalid JSON"),
        ("[1, 2]", r"bad\.jsonl: line 2: expected a JSON object"),
        ('{"id": 5}', r"bad\.jsonl: line 2: missing field\(s\): text, title"),
    ],
)
def test_bad_jsonl_line_is_named(
    tmp_path: Path, record_fields: Callable[..., dict[str, Any]], bad_line: str, message: str
) -> None:
    lines = jsonl_lines(record_fields, 2)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([lines[0], bad_line, lines[1]]))
    with pytest.raises(RecordFormatError, match=message):
        read_records(path)


def test_wrong_type_in_jsonl_names_line_and_field(
    tmp_path: Path, record_fields: Callable[..., dict[str, Any]]
) -> None:
    lines = jsonl_lines(record_fields, 3)
    lines[2] = lines[2].replace('"votes_great": 4', '"votes_great": "four"')
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    with pytest.raises(RecordFormatError, match="line 3: field 'votes_great': expected an integer"):
        read_records(path)


def test_blank_lines_are_skipped(
    tmp_path: Path, record_fields: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text("\n".join(["", *jsonl_lines(record_fields, 2), "  ", ""]))
    assert [r.id for r in read_records(path)] == [0, 1]


def test_invalid_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": 1, "text": "\xff"}\n')
    with pytest.raises(RecordFormatError, match="line 1: not valid UTF-8"):
        read_records(path)


@pytest.mark.parametrize("name", ["bad.jsonl.gz", "bad.jsonl.zst"])
def test_corrupt_compressed_file_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not compressed at all" * 10)
    with pytest.raises(RecordFormatError, match=name.replace(".", r"\.")):
        read_records(path)


def test_truncated_gzip_is_reported(tmp_path: Path, records: list[Record]) -> None:
    path = tmp_path / "cut.jsonl.gz"
    with open_writer(path, "jsonl.gz") as writer:
        writer.write_batch(records)
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(RecordFormatError, match=r"cut\.jsonl\.gz"):
        read_records(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match=r"missing\.jsonl: cannot read"):
        read_records(tmp_path / "missing.jsonl")


def test_not_parquet_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 nonsense")
    with pytest.raises(RecordFormatError, match=r"bad\.parquet: not a Parquet file"):
        read_records(path)


def test_parquet_missing_and_mistyped_columns_are_named(
    tmp_path: Path, records: list[Record]
) -> None:
    table = pa.Table.from_batches([records_to_batch(records)]).drop_columns(["status"])
    pq.write_table(table, tmp_path / "missing.parquet")
    with pytest.raises(RecordFormatError, match=r"missing.parquet: missing field\(s\): status"):
        read_records(tmp_path / "missing.parquet")
    wrong = pa.Table.from_batches([records_to_batch(records)])
    wrong = wrong.set_column(0, "id", pa.array(["x"] * len(records)))
    pq.write_table(wrong, tmp_path / "wrong.parquet")
    with pytest.raises(RecordFormatError, match="field 'id' has type string, expected int64"):
        read_records(tmp_path / "wrong.parquet")


def test_csv_errors_name_the_line(tmp_path: Path, records: list[Record]) -> None:
    path = tmp_path / "d.csv"
    with open_writer(path, "csv") as writer:
        writer.write_batch(records[:2])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[2].replace(",4,", ",many,")]) + "\n")
    with pytest.raises(RecordFormatError, match=r"d\.csv: line 3: field 'votes_great'"):
        read_records(path)
    path.write_text("id,text\n1,hi\n")
    with pytest.raises(RecordFormatError, match=r"line 1: missing column\(s\): title"):
        read_records(path)


def test_gzip_of_plain_jsonl_reads(
    tmp_path: Path, record_fields: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "other-tool.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(jsonl_lines(record_fields, 3)).encode()))
    assert sum(batch.num_rows for batch in iter_batches(path)) == 3
