"""Live downloads and the preview: formats, filters, bad input, hidden documents, streaming."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from dataset_helpers import bearer, body
from django.test import Client

from safedata.records import FIELD_NAMES, SCHEMA, read_records


def _ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


def test_jsonl_download_has_every_visible_document_and_no_hidden_one(
    client: Client, member_token: str, corpus: dict[str, Any]
) -> None:
    response = client.get("/api/v1/dataset?format=jsonl", **bearer(member_token))
    assert response.status_code == 200
    assert response.streaming
    assert "Content-Length" not in response
    assert response["Content-Disposition"].startswith("attachment;")
    rows = [json.loads(line) for line in body(response).decode().splitlines()]
    visible = {corpus[k].pk for k in ("great", "unsafe", "neutral", "unrated")}
    assert _ids(rows) == visible
    assert list(rows[0]) == list(FIELD_NAMES)
    assert [row["id"] for row in rows] == sorted(visible)


def test_parquet_download_reads_with_pyarrow_pandas_and_polars(
    client: Client, member_token: str, corpus: dict[str, Any], tmp_path: Path
) -> None:
    response = client.get("/api/v1/dataset?format=parquet&label=great", **bearer(member_token))
    assert response.status_code == 200
    path = tmp_path / "live.parquet"
    path.write_bytes(body(response))
    assert pq.read_schema(path).names == SCHEMA.names
    assert pd.read_parquet(path)["id"].tolist() == [corpus["great"].pk]
    assert pl.read_parquet(path)["label"].to_list() == ["great"]
    assert [r.content_sha256 for r in read_records(path)] == [corpus["great"].content_sha256]


def test_csv_and_compressed_downloads(
    client: Client, member_token: str, corpus: dict[str, Any]
) -> None:
    csv = client.get("/api/v1/dataset?format=csv&status=settled", **bearer(member_token))
    frame = pd.read_csv(io.BytesIO(body(csv)), keep_default_na=False)
    assert set(frame["id"]) == {corpus[k].pk for k in ("great", "unsafe", "neutral")}
    gz = client.get("/api/v1/dataset?format=jsonl.gz&min_votes=6", **bearer(member_token))
    lines = gzip.decompress(body(gz)).decode().splitlines()
    assert {json.loads(line)["id"] for line in lines} == {corpus["great"].pk, corpus["unsafe"].pk}


def test_filters_narrow_the_download(
    client: Client, member_token: str, corpus: dict[str, Any]
) -> None:
    response = client.get(
        "/api/v1/dataset?label=unsafe&min_confidence=0.5&min_votes=3", **bearer(member_token)
    )
    rows = [json.loads(line) for line in body(response).decode().splitlines()]
    assert _ids(rows) == {corpus["unsafe"].pk}


@pytest.mark.parametrize(
    ("query", "accepted"),
    [
        ("format=xml", "csv, jsonl, jsonl.gz, jsonl.zst, parquet"),
        ("label=good", "unsafe, neutral, great"),
        ("status=done", "needs_votes, settled, contested"),
        ("min_votes=-1", "min_votes must be a number from 0"),
        ("min_votes=2.5", "whole number"),
        ("min_confidence=2", "min_confidence must be a number from 0 to 1"),
        ("min_confidence=abc", "min_confidence must be a number from 0 to 1"),
    ],
)
def test_bad_input_is_a_400_naming_the_accepted_values(
    client: Client, member_token: str, query: str, accepted: str
) -> None:
    for url in (f"/api/v1/dataset?{query}", f"/api/v1/dataset/preview?{query}"):
        if url.startswith("/api/v1/dataset/preview") and query.startswith("format"):
            continue
        response = client.get(url, **bearer(member_token))
        assert response.status_code == 400
        assert accepted in response.json()["error"]["message"]


def test_preview_is_open_and_limited_to_100_rows(
    client: Client, make_document: Any, corpus: dict[str, Any]
) -> None:
    for number in range(101):
        make_document(f"Preview filler document {number} with enough words to be a text.")
    response = client.get("/api/v1/dataset/preview")
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 105
    assert len(data["rows"]) == 100
    assert corpus["hidden"].pk not in _ids(data["rows"])
    assert list(data["rows"][0]) == list(FIELD_NAMES)


def test_preview_follows_filters(client: Client, corpus: dict[str, Any]) -> None:
    data = client.get("/api/v1/dataset/preview?label=great").json()
    assert data["total"] == 1
    assert _ids(data["rows"]) == {corpus["great"].pk}


def test_download_streams_in_batches(
    client: Client, member_token: str, make_document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safedata.datasets import rows

    for number in range(25):
        make_document(f"Streaming document {number} with a few words of text in it.")
    monkeypatch.setattr(rows, "BATCH_SIZE", 10)
    response = client.get("/api/v1/dataset?format=jsonl", **bearer(member_token))
    chunks = [chunk for chunk in response.streaming_content if chunk]
    assert len(chunks) == 3
    assert sum(chunk.count(b"\n") for chunk in chunks) == 25
