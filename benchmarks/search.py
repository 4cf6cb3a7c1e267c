"""Full-text search and the dataset viewer's pages, against scans in the same run.

Loads N synthetic documents (words drawn from a Zipf-like vocabulary) into a fresh
database of its own (SQLite in a temporary folder, or PostgreSQL database
``safedata_bench_search``), then times, each the median of several runs:

- ``q=`` through ``DocumentFilter`` (count, the first 25 by relevance, their snippets)
  against the baseline a site without an index would run: ``icontains`` on title and
  text (count and the first 25);
- the viewer's last page by keyset (``id > last``) against the same page by OFFSET.

    .venv/bin/python benchmarks/search.py [--documents 50000] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "safedata_bench_search"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
WORDS = 5_000
QUERIES = {"common": "w3", "rare": "w4000", "two words": "w10 w25", "prefix": "w49"}


def median_ms(run: Callable[[], Any], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def load(n: int) -> None:
    from django.contrib.auth import get_user_model

    from safedata.documents.models import Document

    rng = random.Random(7)
    owner = get_user_model().objects.create_user("bench")
    weights = [1 / (rank + 1) for rank in range(WORDS)]
    batch = []
    for i in range(n):
        words = rng.choices(range(WORDS), weights=weights, k=60)
        text = " ".join(f"w{w}" for w in words) + f". Document {i}."
        batch.append(
            Document(
                uploader=owner, title=f"t{i} w{words[0]}", text=text, content_sha256=f"{i:064x}"
            )
        )
        if len(batch) == 5_000:
            Document.objects.bulk_create(batch)
            batch = []
    Document.objects.bulk_create(batch)


def measure() -> dict[str, Any]:
    from django.db.models import Q

    from safedata.datasets import viewer
    from safedata.datasets.rows import publishable_documents
    from safedata.documents import search
    from safedata.documents.filters import SORTS, DocumentFilter

    documents = publishable_documents()
    results: dict[str, Any] = {}
    for name, query in QUERIES.items():

        def indexed(query: str = query) -> int:
            rows = DocumentFilter(q=query).apply(documents)
            page = list(
                rows.order_by(*SORTS["relevance"].ordering()).values_list("id", flat=True)[:25]
            )
            search.snippets(page, query)
            return rows.count()

        def scan(query: str = query) -> int:
            match = Q()
            for word in query.split():
                match &= Q(title__icontains=word) | Q(text__icontains=word)
            rows = documents.filter(match)
            list(rows.order_by("-created_at", "-id").values_list("id", flat=True)[:25])
            return rows.count()

        results[name] = {
            "q": query,
            "matches": indexed(),
            "scan_matches": scan(),
            "search_ms": median_ms(indexed),
            "icontains_scan_ms": median_ms(scan),
        }
    total = documents.count()
    last_id = documents.order_by("-id").values_list("id", flat=True)[viewer.PAGE_ROWS]
    keyset = median_ms(lambda: viewer.page(DocumentFilter(), after=last_id))
    offset = median_ms(
        lambda: list(
            documents.order_by("id").values(*viewer._ROW_FIELDS)[total - viewer.PAGE_ROWS :]
        )
    )
    results["last page"] = {"viewer_keyset_ms": keyset, "offset_ms": offset}
    return results


def child(n: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    load(n)
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would, before anyone searches
        cursor.execute("ANALYZE")

    report = {
        "database": connection.vendor,
        "documents": n,
        "load_s": round(time.perf_counter() - start, 1),
        **measure(),
    }
    print(json.dumps(report))


def run(database: str, n: int) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safedata.settings"}
    with tempfile.TemporaryDirectory() as folder:
        if database == "postgres":
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-q",
                    "-c",
                    f"DROP DATABASE IF EXISTS {PG_NAME}",
                    "-c",
                    f"CREATE DATABASE {PG_NAME}",
                ],
                check=True,
            )
            env["DATABASE_URL"] = PG_URL
        else:
            env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--documents", str(n)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.documents)
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        print(json.dumps(run(database, args.documents), indent=2))


if __name__ == "__main__":
    main()
