"""Snapshots: frozen content, manifest, dataset card, verification, immutability, failures."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from django.test import Client
from django.utils import timezone

from safedata.audit.models import AuditEntry
from safedata.datasets import rows, services
from safedata.datasets.models import Snapshot, SnapshotRow
from safedata.documents.models import Document, Visibility
from safedata.records import SCHEMA, read_records
from safedata.records.files import file_sha256


def _front_matter(readme: str) -> dict[str, Any]:
    assert readme.startswith("---\n")
    _, header, _ = readme.split("---\n", 2)
    data = yaml.safe_load(header)
    assert isinstance(data, dict)
    return data


def test_snapshot_publishes_visible_documents_with_manifest_and_card(
    corpus: dict[str, Any], snapshot_dir: Path, moderator: Any
) -> None:
    snapshot = services.build_snapshot("2026.11.26", actor=moderator)
    folder = snapshot_dir / "2026.11.26"
    manifest = json.loads((folder / "manifest.json").read_text())
    visible = sorted(corpus[k].pk for k in ("great", "unsafe", "neutral", "unrated"))

    assert snapshot.status == Snapshot.Status.PUBLISHED
    assert manifest["row_count"] == snapshot.row_count == 4
    assert [r.id for r in read_records(folder / "data/documents.parquet")] == visible
    assert [r.id for r in read_records(folder / "jsonl/documents.jsonl.zst")] == visible
    assert {f["path"] for f in manifest["files"]} == {
        "data/documents.parquet",
        "jsonl/documents.jsonl.zst",
        "README.md",
    }
    for entry in manifest["files"]:
        assert entry["sha256"] == file_sha256(folder / entry["path"])
        assert entry["bytes"] == (folder / entry["path"]).stat().st_size
    assert [f["name"] for f in manifest["schema"]["fields"]] == SCHEMA.names
    assert manifest["consensus"]["method"] == "dirichlet-v1"
    assert manifest["consensus"]["params"]["min_votes"] == 3
    assert manifest["code_version"].startswith("0.")
    assert manifest["counts"]["label"] == {"great": 1, "unsafe": 1, "neutral": 2}
    entry = AuditEntry.objects.get(action="snapshot.published")
    assert entry.actor == moderator
    assert entry.data["version"] == "2026.11.26"
    assert not list(snapshot_dir.glob(".*tmp*"))


def test_dataset_card_has_valid_hugging_face_front_matter_and_a_datasheet(
    corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    readme = (snapshot_dir / "v1" / "README.md").read_text()
    meta = _front_matter(readme)
    assert meta["license"] == "other"
    assert meta["task_categories"] == ["text-classification", "text-generation"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["language"] == ["en"]
    assert meta["configs"][0]["data_files"][0]["path"] == "data/documents.parquet"
    for heading in (
        "## Motivation",
        "## Collection process",
        "## How ratings are aggregated",
        "## Known limitations",
    ):
        assert heading in readme


def test_parquet_snapshot_loads_with_datasets_pandas_and_polars(
    corpus: dict[str, Any], snapshot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import pandas as pd
    import polars as pl

    import datasets

    services.build_snapshot("v1")
    path = str(snapshot_dir / "v1" / "data" / "documents.parquet")
    loaded = datasets.load_dataset("parquet", data_files=path, cache_dir=str(tmp_path / "hf"))
    assert loaded["train"].num_rows == 4
    assert loaded["train"].column_names == SCHEMA.names
    assert len(pd.read_parquet(path)) == 4
    assert pl.read_parquet(path).columns == SCHEMA.names


def test_verify_rebuilds_byte_identical_files_after_new_votes_and_takedowns(
    corpus: dict[str, Any], rate: Any, snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    rate(corpus["unrated"], great=9)
    Document.objects.filter(pk=corpus["great"].pk).update(visibility=Visibility.REMOVED)

    result = services.verify_snapshot("v1")
    assert result.identical
    assert {check.path for check in result.files} == {
        "data/documents.parquet",
        "jsonl/documents.jsonl.zst",
        "README.md",
        "manifest.json",
    }

    later = services.build_snapshot("v2")
    assert later.row_count == 3
    assert corpus["great"].pk not in {
        r.id for r in read_records(snapshot_dir / "v2" / "data" / "documents.parquet")
    }


def test_verify_detects_a_tampered_file(corpus: dict[str, Any], snapshot_dir: Path) -> None:
    services.build_snapshot("v1")
    readme = snapshot_dir / "v1" / "README.md"
    readme.chmod(0o644)
    readme.write_text(readme.read_text() + "\nextra line\n")
    result = services.verify_snapshot("v1")
    assert not result.identical
    assert [c.path for c in result.files if not c.identical] == ["README.md"]


def test_published_snapshot_cannot_be_overwritten(
    corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    before = (snapshot_dir / "v1" / "manifest.json").read_bytes()
    with pytest.raises(services.SnapshotExistsError, match="never changed or overwritten"):
        services.build_snapshot("v1")
    assert (snapshot_dir / "v1" / "manifest.json").read_bytes() == before
    mode = (snapshot_dir / "v1" / "data" / "documents.parquet").stat().st_mode
    assert stat.S_IMODE(mode) == 0o444
    assert Snapshot.objects.count() == 1


def test_default_version_is_todays_date_with_a_suffix_when_taken(corpus: dict[str, Any]) -> None:
    first = services.build_snapshot()
    second = services.build_snapshot()
    assert first.version == timezone.now().strftime("%Y.%m.%d")
    assert second.version == f"{first.version}.2"


@pytest.mark.parametrize("version", ["../evil", "", ".hidden", "a" * 40, "has space"])
def test_invalid_versions_are_refused(corpus: dict[str, Any], version: str) -> None:
    with pytest.raises(services.DatasetError, match="Invalid version"):
        services.build_snapshot(version or " ")


def test_a_failed_build_leaves_no_partial_release(
    corpus: dict[str, Any],
    make_document: Any,
    snapshot_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A row the record writer refuses, after the first batch was already written.
    bad = make_document("A document whose stored hash is corrupt.")
    Document.objects.filter(pk=bad.pk).update(content_sha256="Z" * 64)
    monkeypatch.setattr(rows, "BATCH_SIZE", 2)
    with pytest.raises(ValueError, match="content_sha256"):
        services.build_snapshot("v1")
    assert not (snapshot_dir / "v1").exists()
    assert list(snapshot_dir.iterdir()) == []
    assert not Snapshot.objects.exists()
    assert not SnapshotRow.objects.exists()
    assert AuditEntry.objects.filter(action="snapshot.failed").count() == 1
    Document.objects.filter(pk=bad.pk).update(visibility=Visibility.HIDDEN)
    assert services.build_snapshot("v1").row_count == 4


def test_snapshot_files_are_listed_and_served_with_range_support(
    client: Client, corpus: dict[str, Any], member: Any, snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    listed = client.get("/api/v1/snapshots").json()
    assert [s["version"] for s in listed] == ["v1"]
    files = {f["path"]: f for f in listed[0]["files"]}
    parquet = files["data/documents.parquet"]
    url = "/api/v1/snapshots/v1/files/data/documents.parquet"
    client.force_login(member)

    whole = client.get(url)
    content = b"".join(whole.streaming_content)
    assert whole.status_code == 200
    assert int(whole["Content-Length"]) == parquet["bytes"] == len(content)
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["ETag"] == f'"{parquet["sha256"]}"'

    part = client.get(url, HTTP_RANGE="bytes=4-99")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-99/{len(content)}"
    assert b"".join(part.streaming_content) == content[4:100]

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == content[-10:]

    beyond = client.get(url, HTTP_RANGE=f"bytes={len(content)}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(content)}"

    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200


def test_snapshot_parquet_is_deterministic_row_groups(
    corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    meta = pq.read_metadata(snapshot_dir / "v1" / "data" / "documents.parquet")
    assert meta.num_rows == 4
    assert meta.row_group(0).column(1).compression == "ZSTD"


def test_unknown_snapshot_and_file_are_404(
    client: Client, corpus: dict[str, Any], member: Any
) -> None:
    assert client.get("/api/v1/snapshots/1999.01.01").status_code == 404
    services.build_snapshot("v1")
    client.force_login(member)
    missing = client.get("/api/v1/snapshots/v1/files/data/../../etc/passwd")
    assert missing.status_code == 404
    assert client.get("/api/v1/snapshots/nope/files/README.md").status_code == 404


def test_an_empty_dataset_still_makes_a_valid_verifiable_release(
    db: None, snapshot_dir: Path
) -> None:
    snapshot = services.build_snapshot("empty")
    assert snapshot.row_count == 0
    assert pq.read_table(snapshot_dir / "empty" / "data" / "documents.parquet").num_rows == 0
    assert services.verify_snapshot("empty").identical


def test_verify_reports_a_document_deleted_since_the_release(
    corpus: dict[str, Any], snapshot_dir: Path
) -> None:
    services.build_snapshot("v1")
    Document.objects.filter(pk=corpus["neutral"].pk).delete()
    with pytest.raises(services.DatasetError, match="1 frozen row"):
        services.verify_snapshot("v1")
