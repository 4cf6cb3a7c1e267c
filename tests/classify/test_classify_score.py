"""Scoring: input formats, skipped documents, threshold, resume, workers and Ray."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from safedata.classify import InputError
from safedata.classify.engines.ray_engine import DONE_FILE, actor_cpus
from safedata.classify.model import Model
from safedata.classify.score import LEGACY_SUMMARY_FILE, SUMMARY_FILE, read_summary, score
from safedata.classify.shards import OUTPUT_SCHEMA, ScoreOptions, write_run_file

OPTIONS = ScoreOptions(batch_size=7)
TEXTS = ["attack exploit steal weapon", "explain learn clear guide proof", "weather table memo"]


def read_output(folder: Path) -> pa.Table:
    """Every scored row, sorted by source and line."""
    tables = [pq.read_table(p) for p in sorted(folder.glob("*.parquet"))]
    return pa.concat_tables(tables).sort_by([("source", "ascending"), ("line", "ascending")])


def assert_every_reader_sees_one_table(folder: Path, rows: int) -> None:
    """pandas, pyarrow.dataset and polars read the whole folder as the scored rows."""
    import pandas as pd
    import polars as pl
    import pyarrow.dataset as ds

    expected = read_output(folder).select(["source", "line", "p_great"]).to_pylist()
    tables = [
        pa.Table.from_pandas(pd.read_parquet(folder), preserve_index=False),
        ds.dataset(folder).to_table(),
        pl.read_parquet(folder).to_arrow(),
    ]
    for table in tables:
        assert table.num_rows == rows
        assert table.column_names == OUTPUT_SCHEMA.names
        ordered = table.sort_by([("source", "ascending"), ("line", "ascending")])
        assert ordered.select(["source", "line", "p_great"]).to_pylist() == expected


def jsonl(path: Path, rows: list[Any]) -> Path:
    lines = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(lines.encode()))
    elif path.name.endswith(".zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(lines.encode()))
    else:
        path.write_text(lines)
    return path


def corpus_file(path: Path, count: int) -> Path:
    rows = [{"id": f"doc-{i}", "text": TEXTS[i % 3] + f" w{i}"} for i in range(count)]
    return jsonl(path, rows)


def test_jsonl_documents_without_text_are_counted_and_skipped(
    model_dir: Path, tmp_path: Path
) -> None:
    rows = [
        {"id": 1, "text": TEXTS[0]},
        {"id": 2},
        {"id": 3, "text": None},
        "{broken json",
        {"id": 5, "text": "   "},
        {"text": TEXTS[1]},
        {"id": 7, "text": 42},
    ]
    source = jsonl(tmp_path / "in.jsonl", rows)
    summary = score(model_dir, [str(source)], tmp_path / "out", OPTIONS, progress=False)
    assert (summary["documents"], summary["scored"], summary["skipped"]) == (7, 2, 5)
    table = read_output(tmp_path / "out")
    assert table.schema.equals(OUTPUT_SCHEMA)
    assert table.column("id").to_pylist() == ["1", None]
    assert table.column("line").to_pylist() == [1, 6]
    assert table.column("label").to_pylist() == ["unsafe", "great"]
    assert all(-1 <= s <= 1 for s in table.column("score").to_pylist())


def test_the_score_folder_reads_as_one_table_in_pandas_pyarrow_and_polars(
    model_dir: Path, tmp_path: Path
) -> None:
    inputs = [str(corpus_file(tmp_path / f"c{i}.jsonl", 10 + i)) for i in range(3)]
    summary = score(model_dir, inputs, tmp_path / "out", OPTIONS, progress=False)
    assert_every_reader_sees_one_table(tmp_path / "out", 33)
    assert read_summary(tmp_path / "out") == summary
    assert summary["scored"] == 33


def test_a_rerun_replaces_the_summary_of_an_older_version(model_dir: Path, tmp_path: Path) -> None:
    source = str(corpus_file(tmp_path / "c.jsonl", 12))
    out = tmp_path / "out"
    score(model_dir, [source], out, OPTIONS, progress=False)
    old = read_summary(out)
    (out / SUMMARY_FILE).unlink()
    (out / LEGACY_SUMMARY_FILE).write_text(json.dumps(old))
    assert read_summary(out) == old
    again = score(model_dir, [source], out, OPTIONS, progress=False)
    assert not (out / LEGACY_SUMMARY_FILE).exists()
    assert read_summary(out)["scored"] == again["scored"] == 12
    assert_every_reader_sees_one_table(out, 12)


def test_reading_the_summary_of_a_folder_that_has_none_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no _summary\.parquet"):
        read_summary(tmp_path)


@pytest.mark.parametrize("name", ["c.jsonl.gz", "c.jsonl.zst", "c.jsonl"])
def test_compressed_jsonl_is_read(model_dir: Path, tmp_path: Path, name: str) -> None:
    source = corpus_file(tmp_path / name, 20)
    summary = score(model_dir, [str(source)], tmp_path / "out", OPTIONS, progress=False)
    assert summary["scored"] == 20
    assert read_output(tmp_path / "out").column("id").to_pylist()[:2] == ["doc-0", "doc-1"]


def test_parquet_with_text_field_and_glob(model_dir: Path, tmp_path: Path) -> None:
    for part in range(2):
        table = pa.table({"body": TEXTS, "key": [part * 10 + i for i in range(3)]})
        pq.write_table(table, tmp_path / f"part{part}.parquet")
    options = ScoreOptions(text_field="body", id_field="key")
    summary = score(
        model_dir, [str(tmp_path / "*.parquet")], tmp_path / "o", options, progress=False
    )
    assert summary["scored"] == 6
    out = read_output(tmp_path / "o")
    assert out.column("id").to_pylist() == ["0", "1", "2", "10", "11", "12"]
    assert out.column("line").to_pylist() == [1, 2, 3, 1, 2, 3]


def test_parquet_rows_without_text_are_counted_and_skipped(model_dir: Path, tmp_path: Path) -> None:
    table = pa.table({"text": [TEXTS[0], None, "  \n ", TEXTS[2]], "id": [7, 8, 9, None]})
    pq.write_table(table, tmp_path / "holes.parquet")
    pq.write_table(pa.table({"text": [1, 2]}), tmp_path / "numbers.parquet")
    summary = score(
        model_dir, [str(tmp_path / "*.parquet")], tmp_path / "o", OPTIONS, progress=False
    )
    assert (summary["scored"], summary["skipped"]) == (2, 4)
    out = read_output(tmp_path / "o")
    assert out.column("id").to_pylist() == ["7", None]
    assert out.column("line").to_pylist() == [1, 4]


def test_folder_of_text_files(model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXTS[0])
    (folder / "sub" / "b.txt").write_text(TEXTS[1])
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\xff\xfe\x00")
    (folder / "notes.md").write_text("ignored")
    summary = score(model_dir, [str(folder)], tmp_path / "out", OPTIONS, progress=False)
    assert (summary["scored"], summary["skipped"]) == (2, 2)
    out = read_output(tmp_path / "out")
    assert [Path(s).name for s in out.column("source").to_pylist()] == ["a.txt", "b.txt"]
    assert out.column("label").to_pylist() == ["unsafe", "great"]


def test_threshold_keeps_only_confident_documents(model_dir: Path, tmp_path: Path) -> None:
    source = corpus_file(tmp_path / "c.jsonl", 30)
    options = ScoreOptions(threshold=0.5, keep_label="great")
    summary = score(model_dir, [str(source)], tmp_path / "out", options, progress=False)
    out = read_output(tmp_path / "out")
    assert summary["scored"] == 30
    assert 0 < out.num_rows == summary["written"] < 30
    assert min(out.column("p_great").to_pylist()) >= 0.5


def test_score_is_p_great_minus_p_unsafe(model_dir: Path, tmp_path: Path) -> None:
    source = corpus_file(tmp_path / "c.jsonl", 9)
    score(model_dir, [str(source)], tmp_path / "out", OPTIONS, progress=False)
    out = read_output(tmp_path / "out").to_pylist()
    expected = Model.load(model_dir).predict_proba([TEXTS[i % 3] + f" w{i}" for i in range(9)])
    for row, probs in zip(out, expected, strict=True):
        assert row["p_unsafe"] == pytest.approx(probs[0], abs=1e-6)
        assert row["score"] == pytest.approx(row["p_great"] - row["p_unsafe"], abs=1e-6)


def test_labels_follow_the_decision_rule_and_probabilities_do_not(
    model_dir: Path, model_copy: Path, tmp_path: Path
) -> None:
    source = str(corpus_file(tmp_path / "c.jsonl", 9))
    config = json.loads((model_copy / "config.json").read_text())
    config["decision"] = {"bias": [0.0, 0.0, 40.0]}
    (model_copy / "config.json").write_text(json.dumps(config))
    score(model_dir, [source], tmp_path / "plain", OPTIONS, progress=False)
    score(model_copy, [source], tmp_path / "ruled", OPTIONS, progress=False)
    plain, ruled = read_output(tmp_path / "plain"), read_output(tmp_path / "ruled")
    assert set(ruled.column("label").to_pylist()) == {"great"}
    assert len(set(plain.column("label").to_pylist())) == 3
    assert ruled.column("p_unsafe").equals(plain.column("p_unsafe"))


def test_rerun_skips_finished_shards(model_dir: Path, tmp_path: Path) -> None:
    inputs = [str(corpus_file(tmp_path / f"c{i}.jsonl", 10)) for i in range(3)]
    out = tmp_path / "out"
    score(model_dir, inputs, out, OPTIONS, progress=False)
    shards = sorted(out.glob("c*.parquet"))
    assert len(shards) == 3
    stamps = {p: p.stat().st_mtime_ns for p in shards}
    shards[1].unlink()
    (out / ".c0-stale.parquet.abc.tmp").write_bytes(b"half a shard")
    summary = score(model_dir, inputs, out, OPTIONS, progress=False)
    assert summary["scored"] == 30
    assert shards[0].stat().st_mtime_ns == stamps[shards[0]]
    assert shards[1].exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_shards_of_another_model_are_refused(
    model_dir: Path, model_copy: Path, tmp_path: Path
) -> None:
    source = str(corpus_file(tmp_path / "c.jsonl", 5))
    score(model_dir, [source], tmp_path / "out", OPTIONS, progress=False)
    config = json.loads((model_copy / "config.json").read_text())
    config["calibration"] = {"temperature": 2.0, "bias": [0.0, 0.0, 0.0]}
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="written by another model"):
        score(model_copy, [source], tmp_path / "out", OPTIONS, progress=False)


def test_two_workers_give_the_same_rows_as_one(model_dir: Path, tmp_path: Path) -> None:
    inputs = [str(corpus_file(tmp_path / f"c{i}.jsonl", 25)) for i in range(4)]
    one = score(model_dir, inputs, tmp_path / "one", OPTIONS, progress=False)
    two = score(model_dir, inputs, tmp_path / "two", OPTIONS, workers=2, progress=False)
    assert one["scored"] == two["scored"] == 100
    assert read_output(tmp_path / "one").equals(read_output(tmp_path / "two"))


def test_a_failing_shard_leaves_no_partial_file(model_dir: Path, tmp_path: Path) -> None:
    good = corpus_file(tmp_path / "a.jsonl", 10)
    bad = tmp_path / "b.jsonl.gz"
    whole = gzip.compress(corpus_file(tmp_path / "b.jsonl", 300).read_bytes())
    (tmp_path / "b.jsonl").unlink()
    bad.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"b\.jsonl\.gz: cannot read"):
        score(model_dir, [str(good), str(bad)], tmp_path / "out", OPTIONS, progress=False)
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        next((tmp_path / "out").glob("a-*.parquet")).name
    ]


@pytest.mark.parametrize(
    ("cluster_cpus", "actors", "expected"), [(2, 1, 1.0), (2, 2, 1.0), (16, 4, 1.0), (1, 2, 0.5)]
)
def test_ray_actors_take_at_most_one_cpu_and_never_more_than_the_cluster_has(
    cluster_cpus: float, actors: int, expected: float
) -> None:
    share = actor_cpus(cluster_cpus, actors)
    assert share == pytest.approx(expected)
    assert share * actors <= cluster_cpus


def test_ray_refuses_a_cluster_without_cpus() -> None:
    with pytest.raises(InputError, match="too small for 2 actors"):
        actor_cpus(0, 2)


@pytest.mark.slow
def test_ray_engine_matches_local_row_for_row(
    model_dir: Path, tmp_path: Path, local_ray: Any
) -> None:
    inputs = [str(corpus_file(tmp_path / f"c{i}.jsonl", 40)) for i in range(3)]
    inputs.append(str(jsonl(tmp_path / "holes.jsonl", [{"id": 1}, {"id": 2, "text": TEXTS[0]}])))
    local = score(model_dir, inputs, tmp_path / "local", OPTIONS, progress=False)
    ray = score(
        model_dir, inputs, tmp_path / "ray", OPTIONS, engine="ray", workers=2, progress=False
    )
    assert (ray["scored"], ray["skipped"]) == (local["scored"], local["skipped"]) == (121, 1)
    assert read_output(tmp_path / "ray").equals(read_output(tmp_path / "local"))
    assert_every_reader_sees_one_table(tmp_path / "ray", 121)
    assert_every_reader_sees_one_table(tmp_path / "local", 121)
    again = score(
        model_dir, inputs, tmp_path / "ray", OPTIONS, engine="ray", workers=2, progress=False
    )
    assert again["scored"] == 121


@pytest.mark.slow
def test_ray_writes_the_local_engines_shards_and_finishes_what_it_began(
    model_dir: Path, tmp_path: Path, local_ray: Any
) -> None:
    inputs = [str(corpus_file(tmp_path / f"c{i}.jsonl", 20 + i)) for i in range(3)]
    score(model_dir, inputs, tmp_path / "local", OPTIONS, progress=False)
    shards = sorted(p.name for p in (tmp_path / "local").glob("c*.parquet"))
    score(model_dir, inputs[:2], tmp_path / "ray", OPTIONS, engine="ray", progress=False)
    half = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "ray").glob("c*.parquet")}
    summary = score(
        model_dir, inputs, tmp_path / "ray", OPTIONS, engine="ray", workers=2, progress=False
    )
    assert sorted(p.name for p in (tmp_path / "ray").glob("c*.parquet")) == shards
    assert {name: (tmp_path / "ray" / name).stat().st_mtime_ns for name in half} == half
    assert (summary["documents"], summary["scored"]) == (63, 63)
    assert read_output(tmp_path / "ray").equals(read_output(tmp_path / "local"))


def test_ray_returns_the_counts_of_a_folder_an_older_version_finished(
    model_dir: Path, tmp_path: Path
) -> None:
    stats = {"documents": 5, "scored": 4, "skipped": 1, "written": 4}
    (tmp_path / "out").mkdir()
    record = {"model": Model.load(model_dir).fingerprint, "stats": stats}
    write_run_file(tmp_path / "out" / DONE_FILE, record)
    source = str(corpus_file(tmp_path / "c.jsonl", 3))
    summary = score(model_dir, [source], tmp_path / "out", OPTIONS, engine="ray", progress=False)
    assert {name: summary[name] for name in stats} == stats
    assert not list((tmp_path / "out").glob("c-*.parquet"))
