"""The record format of the dataset: one schema, and its readers and writers.

Pure: no Django import. Output formats are registered classes (``jsonl``,
``jsonl.gz``, ``jsonl.zst``, ``parquet``, ``csv``), each with an identifier,
a media type, a suffix and a streaming writer; a new one is one module.

    with open_writer("snapshot.parquet", "parquet") as writer:
        writer.write_batch(records)
    for batch in iter_batches("snapshot.parquet"):
        ...
"""

from __future__ import annotations

from safedata.records import csvfile, jsonl, parquet  # noqa: F401  (registers the formats)
from safedata.records.base import (
    DEFAULT_BATCH_SIZE,
    RecordReader,
    RecordWriter,
    all_or_nothing,
    detect_format,
    formats,
    iter_batches,
    media_type,
    open_writer,
    read_records,
    writer_class,
)
from safedata.records.errors import RecordFormatError
from safedata.records.schema import (
    FIELD_NAMES,
    LABEL_VALUES,
    SCHEMA,
    STATUS_VALUES,
    Record,
    batch_to_records,
    conform_batch,
    records_to_batch,
    text_sha256,
    validate_row,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "FIELD_NAMES",
    "LABEL_VALUES",
    "SCHEMA",
    "STATUS_VALUES",
    "Record",
    "RecordFormatError",
    "RecordReader",
    "RecordWriter",
    "all_or_nothing",
    "batch_to_records",
    "conform_batch",
    "detect_format",
    "formats",
    "iter_batches",
    "media_type",
    "open_writer",
    "read_records",
    "records_to_batch",
    "text_sha256",
    "validate_row",
    "writer_class",
]
