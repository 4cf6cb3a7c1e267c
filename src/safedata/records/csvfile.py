"""CSV (RFC 4180) with a header row of the schema's field names, UTF-8, CRLF line ends.

CRLF line ends make the writer quote every field that holds a carriage return
or a new line, so texts with a lone ``\\r`` read back unchanged.

Numbers are written as Python writes them (floats round-trip exactly) and
timestamps as ISO-8601 UTC with milliseconds, like JSON Lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa  # type: ignore[import-untyped]

from safedata.records.base import Extras, RecordWriter, RowReader
from safedata.records.errors import RecordFormatError
from safedata.records.jsonl import iso_timestamp
from safedata.records.schema import (
    FIELD_NAMES,
    SCHEMA,
    missing_fields,
    validate_row,
)


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


class CsvWriter(
    RecordWriter, identifier="csv", suffix=".csv", media_type="text/csv; charset=utf-8"
):
    """CSV for spreadsheets and tools without Parquet support."""

    def _start(self, sink: BinaryIO) -> None:
        self._text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._csv.writerow(self.schema.names)

    def _write(self, batch: pa.RecordBatch) -> None:
        columns = [batch.column(name).to_pylist() for name in self.schema.names]
        self._csv.writerows([_cell(value) for value in row] for row in zip(*columns, strict=True))

    def _finish(self) -> None:
        self._text.flush()
        self._text.detach()


def _parse_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def _parse_float(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


_PARSERS: dict[pa.DataType, Callable[[str], Any]] = {
    pa.int64(): _parse_int,
    pa.int32(): _parse_int,
    pa.float64(): _parse_float,
}


def _typed(cells: dict[str, str]) -> dict[str, Any]:
    """Cells converted to the schema's Python types where they parse; the rest left as text."""
    typed: dict[str, Any] = dict(cells)
    for field in SCHEMA:
        parse = _PARSERS.get(field.type)
        if parse is not None and field.name in cells:
            typed[field.name] = parse(cells[field.name])
    return typed


class CsvReader(RowReader, reads=CsvWriter):
    """Reads CSV written by ``CsvWriter`` or by hand, checking each row against the schema."""

    def rows(self, path: Path, extras: list[Extras] | None) -> Iterator[tuple[Any, ...]]:
        with path.open(encoding="utf-8", newline="") as text:
            header, numbered = self._header_and_rows(path, csv.reader(text))
            extra = {name: header.index(name) for name in header if name not in FIELD_NAMES}
            for number, cells in numbered:
                row = self._row(path, number, header, cells)
                if extras is not None:
                    extras.append({name: cells[i] for name, i in extra.items()})
                yield row

    @staticmethod
    def _header_and_rows(
        path: Path, reader: Any
    ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
        try:
            header = next(reader)
        except StopIteration:
            raise RecordFormatError.at(str(path), 1, "empty file, expected a header row") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise RecordFormatError.at(str(path), 1, str(error)) from None
        missing = missing_fields(header)
        if missing:
            raise RecordFormatError.at(str(path), 1, f"missing column(s): {', '.join(missing)}")
        return header, _numbered(path, reader)

    @staticmethod
    def _row(path: Path, number: int, header: list[str], cells: list[str]) -> tuple[Any, ...]:
        if len(cells) != len(header):
            problem = f"{len(cells)} cells, expected {len(header)}"
            raise RecordFormatError.at(str(path), number, problem)
        try:
            return validate_row(_typed(dict(zip(header, cells, strict=True))))
        except RecordFormatError as error:
            raise RecordFormatError.at(str(path), number, str(error)) from None


def _numbered(path: Path, reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) for each non-empty CSV record."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as error:
            raise RecordFormatError.at(str(path), start, str(error)) from None
        if cells:
            yield start, cells
