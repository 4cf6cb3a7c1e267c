"""The users of benchmarks/load.py: a realistic mix of browsing, reviewing, voting,
uploading and downloading. Run by load.py (``locust --headless``), not on its own.

Each user has its own client address (``X-Forwarded-For``, as behind the documented
nginx) and, for the member actions, its own token. A user votes on each document at
most once, so every acknowledged vote must be one stored row; load.py checks that
against the counts this file writes to ``LOAD_LEDGER`` when the run stops.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter, defaultdict
from typing import Any

from locust import FastHttpUser, between, events, task

SETUP: dict[str, Any] = json.loads(os.environ.get("LOAD_SETUP", "{}") or "{}")
LEDGER = os.environ.get("LOAD_LEDGER", "")
STATUSES: defaultdict[str, Counter[int]] = defaultdict(Counter)
ACKED: Counter[str] = Counter()
_SEATS = itertools.count()
RATINGS = ("unsafe", "neutral", "great")


@events.request.add_listener
def _count(name: str, response: Any, exception: Any, **_: Any) -> None:
    STATUSES[name][getattr(response, "status_code", 0) or 0] += 1


@events.test_stop.add_listener
def _write_ledger(**_: Any) -> None:
    if LEDGER:
        statuses = {name: dict(counts) for name, counts in STATUSES.items()}
        with open(LEDGER, "w", encoding="utf-8") as sink:
            json.dump({"acked": dict(ACKED), "statuses": statuses}, sink)


class Visitor(FastHttpUser):
    """Browses most, reviews and votes often, uploads and downloads now and then."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        seat = next(_SEATS)
        self.token = SETUP["tokens"][seat % len(SETUP["tokens"])]
        self.headers = {"X-Forwarded-For": f"10.20.{seat // 250}.{seat % 250 + 1}"}
        self.member = {**self.headers, "Authorization": f"Bearer {self.token}"}
        documents = list(SETUP["documents"])
        random.Random(seat).shuffle(documents)
        self.unvoted = iter(documents)
        self.uploads = itertools.count()
        self.seat = seat

    def _document(self) -> int:
        return int(random.choice(SETUP["documents"]))

    @task(4)
    def browse(self) -> None:
        self.client.get("/documents/", headers=self.headers, name="GET /documents/")
        self.client.get(
            f"/documents/{self._document()}/", headers=self.headers, name="GET /documents/{id}/"
        )

    @task(2)
    def browse_api(self) -> None:
        self.client.get(
            "/api/v1/documents?limit=20", headers=self.headers, name="GET /api/v1/documents"
        )

    @task(3)
    def review(self) -> None:
        self.client.get("/review/", headers=self.headers, name="GET /review/")

    @task(4)
    def vote(self) -> None:
        document = next(self.unvoted, None)
        if document is None:
            return
        body = {"rating": RATINGS[(document + self.seat) % 3]}
        self._post_counted(
            f"/api/v1/documents/{document}/vote",
            body,
            name="POST /api/v1/documents/{id}/vote",
            created=200,
            ledger="votes",
        )

    @task(1)
    def upload(self) -> None:
        number = next(self.uploads)
        text = f"Load test upload {self.seat}-{number}: how to keep an API key out of a repository."
        self._post_counted(
            "/api/v1/documents",
            {"text": text},
            name="POST /api/v1/documents",
            created=201,
            ledger="uploads",
        )

    def _post_counted(
        self, path: str, body: dict[str, str], *, name: str, created: int, ledger: str
    ) -> None:
        """POST as the member; ``created`` is an acknowledgement, counted in the ledger."""
        with self.client.post(
            path, json=body, headers=self.member, name=name, catch_response=True
        ) as response:
            if response.status_code == created:
                ACKED[ledger] += 1
                response.success()
            elif response.status_code == 429:
                response.success()  # a designed refusal, counted apart in the statuses

    @task(1)
    def download(self) -> None:
        self.client.get(
            "/api/v1/dataset/preview?label=great",
            headers=self.headers,
            name="GET /api/v1/dataset/preview",
        )
        self.client.get(
            "/api/v1/dataset?format=jsonl&min_votes=2",
            headers=self.member,
            name="GET /api/v1/dataset",
        )
