"""Fine-tuning and classifier exports: filters, near-duplicates, splits, stats, real readers."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from django.test import Client

from safedata.datasets.exporters.classify import SOFT_LABELS, export_classify
from safedata.datasets.exporters.dedup import NearDuplicates, split_for
from safedata.datasets.exporters.sft import SftOptions, export_sft
from safedata.documents.models import Document
from safedata.records import FIELD_NAMES, iter_batches

ESSAY = (
    "careful engineers write clear documentation so that readers can understand how each "
    "part of a system works why it was built that way and what to do when something fails "
    "in production late at night while the pager keeps ringing and coffee runs out slowly "
    "but surely as the incident review draws near and lessons are written down for others"
)
WORDS = ESSAY.split()


def essay(seed: int, change_last: str = "") -> str:
    words = [f"{word}{seed}" if i % 7 == 0 else word for i, word in enumerate(WORDS)]
    if change_last:
        words[-1] = change_last
    return " ".join(words)


@pytest.fixture
def great_documents(make_document: Any, rate: Any, corpus: dict[str, Any]) -> dict[str, Any]:
    first = rate(make_document(essay(1)), great=5)
    near_copy = rate(make_document(essay(1, change_last="colleagues")), great=4)
    distinct = [rate(make_document(essay(seed)), great=3) for seed in range(2, 12)]
    few_votes = rate(make_document(essay(50)), great=2)
    return {"first": first, "near_copy": near_copy, "distinct": distinct, "few": few_votes}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_sft_export_keeps_great_documents_without_near_duplicates(
    great_documents: dict[str, Any], corpus: dict[str, Any], tmp_path: Path
) -> None:
    stats = export_sft(tmp_path, SftOptions(min_votes=3, min_confidence=0.5, val_percent=30))
    texts = [
        row["text"]
        for split in ("train", "validation")
        for row in _jsonl(tmp_path / f"{split}.jsonl")
    ]
    expected = {great_documents["first"].text, corpus["great"].text}
    expected |= {doc.text for doc in great_documents["distinct"]}
    assert set(texts) == expected
    assert len(texts) == len(expected)
    assert great_documents["near_copy"].text not in texts
    assert corpus["hidden"].text not in texts
    assert great_documents["few"].text not in texts
    assert stats["near_duplicates_removed"] == 1
    assert stats["documents"] == len(expected)
    assert stats["characters"] == sum(len(text) for text in texts)
    assert stats["approx_tokens"] == stats["characters"] // 4
    assert json.loads((tmp_path / "stats.json").read_text()) == stats
    for split in ("train", "validation"):
        rows = _jsonl(tmp_path / f"{split}.jsonl")
        assert all(list(row) == ["text"] for row in rows)
        assert pd.read_parquet(tmp_path / "data" / f"{split}.parquet")["text"].tolist() == [
            row["text"] for row in rows
        ]
        assert stats["splits"][split]["documents"] == len(rows)


def test_sft_split_is_by_content_hash_and_stable(
    great_documents: dict[str, Any], tmp_path: Path
) -> None:
    options = SftOptions(min_votes=3, min_confidence=0.5, val_percent=40)
    export_sft(tmp_path / "a", options)
    export_sft(tmp_path / "b", options)
    for split in ("train", "validation"):
        assert (tmp_path / "a" / f"{split}.jsonl").read_bytes() == (
            tmp_path / "b" / f"{split}.jsonl"
        ).read_bytes()
        assert (tmp_path / "a" / "data" / f"{split}.parquet").read_bytes() == (
            tmp_path / "b" / "data" / f"{split}.parquet"
        ).read_bytes()
    validation = {row["text"] for row in _jsonl(tmp_path / "a" / "validation.jsonl")}
    for doc in [great_documents["first"], *great_documents["distinct"]]:
        assert (doc.text in validation) == (split_for(doc.content_sha256, 40) == "validation")


def test_sft_parquet_loads_with_hugging_face_datasets_and_polars(
    great_documents: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import datasets

    export_sft(tmp_path / "sft", SftOptions(val_percent=0))
    path = str(tmp_path / "sft" / "data" / "train.parquet")
    loaded = datasets.load_dataset("parquet", data_files=path, cache_dir=str(tmp_path / "hf"))
    assert loaded["train"].column_names == ["text"]
    assert loaded["train"].num_rows == 12
    assert pl.read_parquet(path).height == 12
    assert pl.read_parquet(tmp_path / "sft" / "data" / "validation.parquet").height == 0


def test_classify_export_has_settled_documents_with_soft_labels(
    corpus: dict[str, Any], rate: Any, make_document: Any, tmp_path: Path
) -> None:
    contested = rate(make_document("A text the community disagrees about."), unsafe=3, great=3)
    stats = export_classify(tmp_path)
    frame = pd.read_parquet(tmp_path / "data" / "classify.parquet")
    settled = {corpus[k].pk for k in ("great", "unsafe", "neutral")}
    assert set(frame["id"]) == settled
    assert contested.pk not in set(frame["id"])
    assert list(frame.columns) == [*FIELD_NAMES, *SOFT_LABELS]
    unsafe = frame.set_index("id").loc[corpus["unsafe"].pk]
    assert unsafe["soft_unsafe"] == pytest.approx(5 / 6)
    assert unsafe["soft_neutral"] == pytest.approx(1 / 6)
    assert unsafe["soft_great"] == 0
    assert stats == {"documents": 3, "labels": {"great": 1, "neutral": 1, "unsafe": 1}}
    batches = list(iter_batches(tmp_path / "classify.jsonl", keep_extra=True))
    assert batches[0].schema.names == [*FIELD_NAMES, *SOFT_LABELS]
    assert sorted(batches[0].column("id").to_pylist()) == sorted(settled)


def test_near_duplicates_are_found_and_distinct_texts_are_not() -> None:
    index = NearDuplicates(threshold=0.8)
    assert index.add("a", essay(1)) is None
    assert index.add("b", essay(2)) is None
    assert index.add("c", essay(1, change_last="colleagues")) == "a"
    assert index.add("d", "short text") is None


def test_split_is_stable_and_roughly_proportional() -> None:
    import hashlib

    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(4000)]
    share = sum(split_for(h, 5) == "validation" for h in hashes) / len(hashes)
    assert 0.03 < share < 0.07
    assert [split_for(h, 5) for h in hashes] == [split_for(h, 5) for h in hashes]
    assert {split_for(h, 0) for h in hashes} == {"train"}
    assert {split_for(h, 100) for h in hashes} == {"validation"}


def test_sft_preset_download_needs_an_account(
    client: Any, member: Any, great_documents: dict[str, Any]
) -> None:
    assert client.get("/api/v1/exports/sft").status_code == 401
    client.force_login(member)
    response = client.get("/api/v1/exports/sft?split=train&format=jsonl&min_confidence=0.5")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    assert great_documents["near_copy"].text.encode() not in content
    bad = client.get("/api/v1/exports/sft?split=test")
    assert bad.status_code == 400
    assert "train, validation" in bad.json()["error"]["message"]
    huge = client.get(f"/api/v1/exports/sft?min_votes={2**70}")
    assert huge.status_code == 400
    assert "min_votes must lie in [0, 100000]" in huge.json()["error"]["message"]


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temporary directory, as TMPDIR would set it, empty to start with."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_sft_preset_download_removes_its_temporary_folder_once_sent(
    member: Any, great_documents: dict[str, Any], temp_dir: Path
) -> None:
    client = Client()
    client.force_login(member)
    response = client.get("/api/v1/exports/sft?split=train&format=parquet&min_confidence=0.5")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    (building,) = temp_dir.iterdir()
    assert building.name.startswith("safedata-sft-")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"PAR1")
    assert list(temp_dir.iterdir()) == []


def test_a_failed_sft_build_leaves_no_temporary_folder(
    member: Any, great_documents: dict[str, Any], temp_dir: Path
) -> None:
    # A corrupt content hash makes the split assignment fail in the middle of the build.
    Document.objects.filter(pk=great_documents["first"].pk).update(content_sha256="Z" * 64)
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.get("/api/v1/exports/sft?split=train&format=jsonl&min_confidence=0.5")
    assert response.status_code == 500
    assert list(temp_dir.iterdir()) == []
