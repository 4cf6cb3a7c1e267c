"""Snapshots: freeze the publishable rows, write an immutable release, publish, verify.

A release folder holds ``README.md`` (the dataset card), ``manifest.json`` and
the data files: Parquet in ``data/`` (only Parquet, so ``data/`` reads as one
table in pandas, pyarrow and polars) and every other format in a folder of its
own (``jsonl/documents.jsonl.zst``). Releases made before that layout keep the
paths their manifest lists, also when they are rebuilt to be verified.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from safedata import __version__
from safedata.accounts.models import User
from safedata.accounts.roles import Person
from safedata.audit.models import log_action
from safedata.datasets.card import (
    SnapshotStats,
    file_entry,
    manifest_bytes,
    render_card,
    serialise_manifest,
)
from safedata.datasets.errors import DatasetError, SnapshotExistsError, SnapshotNotFoundError
from safedata.datasets.models import Snapshot, SnapshotRow
from safedata.datasets.rows import arrow_reads, fetch_batch, keyset_pages, publishable_documents
from safedata.documents.models import Document
from safedata.moderation import services as moderation
from safedata.records import FIELD_NAMES, SCHEMA, all_or_nothing, formats, open_writer
from safedata.records.files import atomic_write_bytes, file_sha256
from safedata.records.schema import MANIFEST
from safedata.voting import weights

SNAPSHOT_FORMATS: tuple[str, ...] = ("parquet", "jsonl.zst")
DATA_NAME = "documents"
CARD = "README.md"
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")
_FROZEN_COPY = tuple(name for name in FIELD_NAMES if name not in ("id", "text", "uploaded_at"))
"""The record fields a frozen row copies from its document under the same name."""
FROZEN_COLUMNS: tuple[str, ...] = tuple(
    "document_id" if name == "id" else name for name in FIELD_NAMES if name != "text"
)
FROZEN_SCHEMA = pa.schema([f for f in SCHEMA if f.name != "text"])
"""Types of ``FROZEN_COLUMNS``, position by position."""
TEXT_SCHEMA = pa.schema([SCHEMA.field("id"), SCHEMA.field("text")])


def parse_format(value: str | None, default: str = "jsonl") -> str:
    """A registered format identifier; ``DatasetError`` lists the accepted ones."""
    fmt = (value or default).strip()
    if fmt not in formats():
        raise DatasetError(f"Unknown format {fmt!r}; accepted values: {', '.join(formats())}.")
    return fmt


def data_path(fmt: str) -> str:
    """Where a new release keeps its data file of format ``fmt``."""
    folder = "data" if fmt == "parquet" else fmt.split(".")[0]
    return f"{folder}/{DATA_NAME}.{fmt}"


def release_paths(snapshot: Snapshot) -> dict[str, str]:
    """{format: data file path} of a release, as its manifest lists them once published."""
    listed = {entry["format"]: entry["path"] for entry in snapshot.manifest.get("files", [])}
    return {fmt: listed.get(fmt, data_path(fmt)) for fmt in snapshot.formats}


def snapshot_root() -> Path:
    return Path(settings.SAFEDATA_SNAPSHOT_DIR)


def code_version() -> str:
    """The package version, with the git commit when running from a checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+g{commit}" if commit else __version__


def _taken(version: str) -> bool:
    return Snapshot.objects.filter(version=version).exists() or (snapshot_root() / version).exists()


def next_version(today: date | None = None) -> str:
    """Today's date as ``YYYY.MM.DD``, with ``.2``, ``.3``… when a release exists already."""
    base = (today or timezone.now().date()).strftime("%Y.%m.%d")
    version, number = base, 1
    while _taken(version):
        number += 1
        version = f"{base}.{number}"
    return version


def check_new_version(version: str) -> None:
    if not _VERSION.fullmatch(version):
        raise DatasetError(
            f"Invalid version {version!r}: use letters, digits, '.', '_' or '-' "
            "(at most 32, starting with a letter or digit), e.g. 2026.11.26."
        )
    if _taken(version):
        raise SnapshotExistsError(
            f"Snapshot {version} exists already; published snapshots are never changed "
            "or overwritten. Choose another --version."
        )


def _freeze_rows(snapshot: Snapshot) -> int:
    """Copy the publishable documents' current state into ``SnapshotRow``, in the database."""
    rows_table = SnapshotRow._meta.db_table
    columns = ["snapshot_id", "document_id", "uploaded_at", *_FROZEN_COPY]
    sources = ["%s", "id", "created_at", *_FROZEN_COPY]
    select_sql, select_params = (
        publishable_documents().order_by().values("id").query.sql_with_params()
    )
    qn = connection.ops.quote_name
    # Identifiers are quoted by the backend and values passed as parameters.
    sql = (
        f"INSERT INTO {qn(rows_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"SELECT {', '.join(s if s == '%s' else qn(s) for s in sources)} "
        f"FROM {qn(Document._meta.db_table)} WHERE {qn('id')} IN ({select_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot.pk, *select_params])
        # Fresh statistics, or PostgreSQL may plan each keyset page as a scan of every
        # remaining row (quadratic in the snapshot's size).
        cursor.execute(f"ANALYZE {qn(rows_table)}")
    return SnapshotRow.objects.filter(snapshot=snapshot).count()


def frozen_batches(snapshot: Snapshot, batch_size: int | None = None) -> Iterator[pa.RecordBatch]:
    """The snapshot's rows as they stood at release, in document id order."""
    rows = SnapshotRow.objects.filter(snapshot=snapshot)
    pages = keyset_pages(rows, "document_id", FROZEN_COLUMNS, FROZEN_SCHEMA, batch_size)
    with arrow_reads(rows.db):  # the text reads share the frozen pages' connection
        for page in pages:
            ids = page.column(0)
            texts = _texts(ids[0].as_py(), ids[-1].as_py())
            found = pc.index_in(ids, value_set=texts.column(0))
            kept = page.filter(pc.is_valid(found))
            text = texts.column(1).take(found.drop_null())
            columns = [kept.column(0), text, *kept.columns[1:]]
            yield pa.RecordBatch.from_arrays(columns, schema=SCHEMA)


def _texts(first: int, last: int) -> pa.RecordBatch:
    """(id, text) of the documents with ids in ``[first, last]``.

    A second range query rather than a join: PostgreSQL merge-joins the keyset page
    with the documents index from its start, which makes each page slower than the last.
    """
    documents = Document.objects.filter(id__gte=first, id__lte=last).order_by()
    return fetch_batch(documents.values_list("id", "text"), TEXT_SCHEMA)


def overlapped(
    batches: Iterator[pa.RecordBatch], consume: Callable[[pa.RecordBatch], None]
) -> None:
    """``consume`` every batch in a second thread while this one reads the next page.

    The database stays on the calling thread (Django connections are per thread);
    Parquet encoding and compression release the GIL, so the two overlap.
    """
    pending: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2)
    failures: list[BaseException] = []

    def work() -> None:
        while (batch := pending.get()) is not None:
            if failures:
                continue  # keep draining so the reader never blocks on a full queue
            try:
                consume(batch)
            except BaseException as error:
                failures.append(error)

    worker = threading.Thread(target=work, name="snapshot-writer", daemon=True)
    worker.start()
    try:
        for batch in batches:
            if failures:
                break
            pending.put(batch)
    finally:
        pending.put(None)
        worker.join()
    if failures:
        raise failures[0]


def write_release(snapshot: Snapshot, directory: Path, batch_size: int | None = None) -> bytes:
    """Write the snapshot's data files, card and manifest; returns the manifest's bytes.

    Everything written depends only on the frozen rows and the Snapshot row, so a
    rebuild gives the same bytes.
    """
    paths = release_paths(snapshot)
    for path in paths.values():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
    writers = {fmt: open_writer(directory / path, fmt) for fmt, path in paths.items()}
    stats = SnapshotStats(
        removed_since_previous=moderation.takedowns_in(snapshot.version),
        with_agreement=not snapshot.manifest or "agreement" in snapshot.manifest,
    )

    def consume(batch: pa.RecordBatch) -> None:
        stats.add(batch)
        for writer in writers.values():
            writer.write_batch(batch)

    with all_or_nothing(writers.values()):
        overlapped(frozen_batches(snapshot, batch_size), consume)
    if stats.rows != snapshot.row_count:
        raise DatasetError(
            f"{snapshot.row_count - stats.rows} frozen row(s) no longer have their document text."
        )
    files = [file_entry(paths[fmt], fmt, stats.rows, directory, file_sha256) for fmt in writers]
    atomic_write_bytes(directory / CARD, render_card(snapshot, stats, files).encode("utf-8"))
    files.append(file_entry(CARD, "markdown", None, directory, file_sha256))
    manifest = manifest_bytes(snapshot, stats, files)
    atomic_write_bytes(directory / MANIFEST, manifest)
    return manifest


def _start_snapshot(
    version: str, actor: Person | None, snapshot_formats: Sequence[str]
) -> Snapshot:
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(
                version=version,
                created_at=timezone.now().replace(microsecond=0),
                formats=list(snapshot_formats),
                consensus_method=weights.method_id(),
                consensus_params=weights.method_params(),
                code_version=code_version(),
                created_by=actor if isinstance(actor, User) else None,
            )
            snapshot.row_count = _freeze_rows(snapshot)
            snapshot.save(update_fields=["row_count"])
            # Removals since the previous release: the manifest counts them (no content).
            moderation.claim_takedowns(version, Snapshot.objects.values("version"))
    except IntegrityError:
        raise SnapshotExistsError(f"Snapshot {version} exists already.") from None
    return snapshot


def _publish(snapshot: Snapshot, manifest: bytes, actor: Person | None) -> Snapshot:
    data = json.loads(manifest)
    with transaction.atomic():
        snapshot.status = Snapshot.Status.PUBLISHED
        snapshot.published_at = timezone.now()
        snapshot.manifest = data
        snapshot.total_bytes = sum(entry["bytes"] for entry in data["files"]) + len(manifest)
        snapshot.save(update_fields=["status", "published_at", "manifest", "total_bytes"])
        log_action(
            "snapshot.published",
            snapshot,
            actor=actor,
            data={"version": snapshot.version, "rows": snapshot.row_count},
        )
    return snapshot


def _make_read_only(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            path.chmod(0o444)


def build_snapshot(
    version: str | None = None,
    actor: Person | None = None,
    snapshot_formats: Sequence[str] = SNAPSHOT_FORMATS,
    batch_size: int | None = None,
) -> Snapshot:
    """Freeze the publishable documents and publish them as an immutable release.

    Files are built in ``<version>.tmp-*`` and renamed into place at the end; on
    any failure the folder and the Snapshot row are removed and nothing is released.
    """
    for fmt in snapshot_formats:
        parse_format(fmt)
    root = snapshot_root()
    root.mkdir(parents=True, exist_ok=True)
    version = version or next_version()
    check_new_version(version)
    snapshot = _start_snapshot(version, actor, snapshot_formats)
    building = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=root))
    try:
        manifest = write_release(snapshot, building, batch_size)
        _make_read_only(building)
        if (root / version).exists():
            raise SnapshotExistsError(
                f"Snapshot folder {root / version} appeared during the build."
            )
        os.rename(building, root / version)
    except BaseException as error:
        shutil.rmtree(building, ignore_errors=True)
        _discard(snapshot, actor, error)
        raise
    return _publish(snapshot, manifest, actor)


def _discard(snapshot: Snapshot, actor: Person | None, error: BaseException) -> None:
    with transaction.atomic():
        log_action(
            "snapshot.failed",
            snapshot,
            actor=actor,
            data={"version": snapshot.version, "error": str(error)[:500]},
        )
        snapshot.delete()


def published(version: str) -> Snapshot:
    """The published snapshot ``version``, or ``SnapshotNotFoundError``."""
    snapshot = Snapshot.objects.published().filter(version=version).first()
    if snapshot is None:
        raise SnapshotNotFoundError(f"No published snapshot has version {version!r}.")
    return snapshot


def snapshot_file(snapshot: Snapshot, name: str) -> tuple[Path, dict[str, Any]]:
    """(path, manifest entry) of a file listed in the manifest; the manifest itself too."""
    entries = {entry["path"]: entry for entry in snapshot.manifest.get("files", [])}
    if name == MANIFEST:
        entries[name] = {"path": name, "format": "json", "sha256": None}
    if name not in entries:
        raise SnapshotNotFoundError(f"Snapshot {snapshot.version} has no file {name!r}.")
    return snapshot_root() / snapshot.version / name, entries[name]


@dataclass(frozen=True)
class FileCheck:
    """One file of a release: its recorded, published and rebuilt SHA-256."""

    path: str
    recorded: str
    on_disk: str
    rebuilt: str

    @property
    def identical(self) -> bool:
        return self.recorded == self.on_disk == self.rebuilt


@dataclass(frozen=True)
class Verification:
    version: str
    files: list[FileCheck] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return bool(self.files) and all(check.identical for check in self.files)


def _disk_sha(path: Path) -> str:
    return file_sha256(path) if path.is_file() else "missing"


def verify_snapshot(version: str, scratch: Path | None = None) -> Verification:
    """Rebuild a published snapshot into a scratch folder and compare every file's SHA-256."""
    snapshot = published(version)
    published_dir = snapshot_root() / version
    with tempfile.TemporaryDirectory(prefix=f"verify-{version}-", dir=scratch) as temp:
        rebuilt_dir = Path(temp) / version
        rebuilt_manifest = write_release(snapshot, rebuilt_dir)
        checks = [
            FileCheck(
                entry["path"],
                entry["sha256"],
                _disk_sha(published_dir / entry["path"]),
                _disk_sha(rebuilt_dir / entry["path"]),
            )
            for entry in snapshot.manifest["files"]
        ]
    recorded = hashlib.sha256(serialise_manifest(snapshot.manifest)).hexdigest()
    checks.append(
        FileCheck(
            MANIFEST,
            recorded,
            _disk_sha(published_dir / MANIFEST),
            hashlib.sha256(rebuilt_manifest).hexdigest(),
        )
    )
    return Verification(version, checks)
