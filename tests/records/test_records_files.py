"""Writing and reading record files in every format."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safedata.records import (
    Record,
    detect_format,
    formats,
    iter_batches,
    open_writer,
    read_records,
    records_to_batch,
    text_sha256,
)
from safedata.records.parquet import ROW_GROUP_ROWS

FORMATS = ["jsonl", "jsonl.gz", "jsonl.zst", "parquet", "csv"]


class ChunkSink:
    """A write-only, non-seekable sink like a streaming HTTP response."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush."""


def write_file(path: Path, fmt: str, batches: list[list[Record]]) -> bytes:
    with open_writer(path, fmt) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return path.read_bytes()


def test_every_format_is_registered() -> None:
    assert formats() == sorted(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path: Path, fmt: str, records: list[Record]) -> None:
    path = tmp_path / f"data.{fmt}"
    write_file(path, fmt, [records[:2], records[2:]])
    assert detect_format(path) == fmt
    assert read_records(path) == records


@pytest.mark.parametrize("fmt", FORMATS)
def test_arrow_batches_and_record_lists_write_the_same_bytes(
    tmp_path: Path, fmt: str, records: list[Record]
) -> None:
    from_records = write_file(tmp_path / f"a.{fmt}", fmt, [records])
    with open_writer(tmp_path / f"b.{fmt}", fmt) as writer:
        writer.write_batch(records_to_batch(records))
    assert (tmp_path / f"b.{fmt}").read_bytes() == from_records


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_twice_gives_identical_bytes(
    tmp_path: Path, fmt: str, records: list[Record]
) -> None:
    first = write_file(tmp_path / f"1.{fmt}", fmt, [records])
    second = write_file(tmp_path / f"2.{fmt}", fmt, [records[:1], records[1:3], records[3:]])
    assert first == second


def test_parquet_bytes_do_not_depend_on_batch_sizes(
    tmp_path: Path, make_record: Callable[..., Record]
) -> None:
    many = [make_record(i, f"text {i}") for i in range(ROW_GROUP_ROWS + 10)]
    whole = write_file(tmp_path / "1.parquet", "parquet", [many])
    split = write_file(tmp_path / "2.parquet", "parquet", [many[:7], many[7:9000], many[9000:]])
    assert whole == split
    assert read_records(tmp_path / "2.parquet") == many


@pytest.mark.parametrize("fmt", FORMATS)
def test_streaming_to_a_non_seekable_sink_gives_the_file_bytes(
    tmp_path: Path, fmt: str, records: list[Record]
) -> None:
    sink = ChunkSink()
    with open_writer(sink, fmt) as writer:  # type: ignore[arg-type]
        writer.write_batch(records[:3])
        writer.write_batch(records[3:])
    assert b"".join(sink.chunks) == write_file(tmp_path / f"f.{fmt}", fmt, [records])


def test_gzip_header_has_no_name_and_no_time(tmp_path: Path, records: list[Record]) -> None:
    data = write_file(tmp_path / "data.jsonl.gz", "jsonl.gz", [records])
    assert data[4:8] == b"\0\0\0\0"
    assert data[3] & 0x08 == 0
    assert gzip.decompress(data).count(b"\n") == len(records)


def test_jsonl_line_is_readable_utf8_in_schema_order(
    tmp_path: Path, make_record: Callable[..., Record]
) -> None:
    write_file(tmp_path / "d.jsonl", "jsonl", [[make_record(7, "café")]])
    line = (tmp_path / "d.jsonl").read_text(encoding="utf-8")
    assert line.startswith('{"id":7,"text":"café","title":"Title",')
    assert '"uploaded_at":"2024-05-01T12:30:15.123Z"' in line
    assert line.endswith('"status":"settled","score_low":-1.0,"score_high":1.0}\n')


@pytest.mark.parametrize("fmt", FORMATS)
def test_batches_respect_batch_size(
    tmp_path: Path, fmt: str, make_record: Callable[..., Record]
) -> None:
    path = tmp_path / f"d.{fmt}"
    write_file(path, fmt, [[make_record(i) for i in range(25)]])
    assert [b.num_rows for b in iter_batches(path, batch_size=10)] == [10, 10, 5]


@pytest.mark.parametrize("fmt", FORMATS)
def test_extra_columns_are_kept_on_request(tmp_path: Path, fmt: str, records: list[Record]) -> None:
    path = tmp_path / f"d.{fmt}"
    write_file(path, fmt, [records])
    assert "soft_great" not in next(iter_batches(path, keep_extra=True)).schema.names


def test_extra_jsonl_keys_are_kept_on_request(
    tmp_path: Path, record_fields: Callable[..., dict[str, Any]]
) -> None:
    from safedata.records.jsonl import encode_lines

    batch = records_to_batch([Record.from_dict(record_fields(i)) for i in range(2)])
    lines = encode_lines(batch).decode().splitlines()
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(line[:-1] + f',"soft_great":0.{i}}}' for i, line in enumerate(lines)))
    kept = next(iter_batches(path, keep_extra=True))
    assert kept.column("soft_great").to_pylist() == [0.0, 0.1]
    assert "soft_great" not in next(iter_batches(path)).schema.names


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file_round_trip(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    write_file(path, fmt, [])
    assert read_records(path) == []


texts = st.text(max_size=200)
record_strategy = st.builds(
    lambda rid, text, title, when, votes, score, label, conf, status: Record(
        rid,
        text,
        title,
        "",
        "MIT",
        "fr",
        when,
        text_sha256(text),
        *votes,
        score,
        label,
        conf,
        status,
    ),
    st.integers(-(2**63), 2**63 - 1),
    texts,
    texts,
    st.datetimes(min_value=__import__("datetime").datetime(1900, 1, 1), timezones=st.just(UTC)),
    st.tuples(*[st.integers(0, 2**31 - 1)] * 3),
    st.floats(-1, 1),
    st.sampled_from(["unsafe", "neutral", "great"]),
    st.floats(0, 1),
    st.sampled_from(["needs_votes", "settled", "contested"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(record_strategy, max_size=6), fmt=st.sampled_from(FORMATS))
def test_any_records_round_trip(tmp_path: Path, rows: list[Record], fmt: str) -> None:
    sink = io.BytesIO()
    path = tmp_path / f"prop.{fmt}"
    with open_writer(sink, fmt) as writer:
        writer.write_batch(rows)
    path.write_bytes(sink.getvalue())
    assert read_records(path) == rows
