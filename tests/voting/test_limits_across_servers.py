"""Limits hold across two real server processes sharing one store (files, or Redis), and
survive a restart; fetching the review page for a fresh identity before each vote gains
nothing; the document page hands out no identity."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.test import Client
from tests.conftest import redis_test_url
from tests.private_postgres import free_port

from safedata.accounts.models import ApiToken, User
from safedata.documents.models import Document
from safedata.voting.identity import COOKIE_NAME
from safedata.voting.models import Vote

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_URL = redis_test_url(9)
PASSWORD = "a-long-enough-passphrase"


class Server:
    """One gunicorn process (one worker) of the site on a loopback port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{self.port}", "safedata.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"server on {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture(params=["files", "redis"])
def servers(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[list[Server]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SAFEDATA_DATA_DIR": str(tmp_path),
        "CACHE_DIR": str(tmp_path / "cache"),
        "IDENTITY_RATE_LIMIT": "4/h",
        "VOTE_RATE_LIMIT": "3/h",
        "SIGNUP_RATE_LIMIT": "3/h/ip",
        "PYTHONPATH": str(ROOT / "src"),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    if request.param == "redis":
        redis.Redis.from_url(REDIS_URL).flushdb()
        env["REDIS_URL"] = REDIS_URL
    pair = [Server(env), Server(env)]
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.stop()
        if request.param == "redis":
            redis.Redis.from_url(REDIS_URL).flushdb()


def _review_then_vote(server: Server, document: Document) -> tuple[bool, requests.Response]:
    """A fresh client: fetch the review page (for a cookie), then vote through the API."""
    session = requests.Session()
    page = session.get(f"{server.url}/review/", timeout=10)
    assert page.status_code == 200
    vote = session.post(
        f"{server.url}/api/v1/documents/{document.pk}/vote",
        json={"rating": "unsafe"},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": server.url},
        timeout=10,
    )
    return COOKIE_NAME in page.cookies, vote


def _fresh_identities_are_limited_across_servers_and_restarts(
    servers: list[Server], document: Document
) -> None:
    results = [_review_then_vote(servers[n % 2], document) for n in range(6)]
    statuses = [vote.status_code for _, vote in results]
    assert statuses == [200, 200, 200, 200, 429, 429]  # 4/h for the address, both servers
    assert [cookie for cookie, _ in results] == [True] * 4 + [False] * 2
    assert all(1 <= int(vote.headers["Retry-After"]) <= 3600 for _, vote in results[4:])
    servers[0].stop()  # a recycled worker starts with the same counts
    servers[0].start()
    assert _review_then_vote(servers[0], document)[1].status_code == 429
    assert Vote.objects.filter(document=document).count() == 4


def _votes_per_voter_hold_across_servers(
    servers: list[Server], documents: list[Document], member: User
) -> None:
    token = ApiToken.issue(member, "limits")[1]
    statuses = [
        requests.post(
            f"{servers[n % 2].url}/api/v1/documents/{doc.pk}/vote",
            json={"rating": "great"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).status_code
        for n, doc in enumerate(documents)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def _sign_ups_are_limited_across_servers(servers: list[Server]) -> None:
    statuses = []
    for n in range(5):
        server = servers[n % 2]
        session = requests.Session()
        session.get(f"{server.url}/accounts/signup/", timeout=10)
        response = session.post(
            f"{server.url}/accounts/signup/",
            data={
                "username": f"farmed{n}",
                "email": f"farmed{n}@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{server.url}/accounts/signup/"},
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429, 429]
    assert User.objects.filter(username__startswith="farmed").count() == 3


def test_limits_hold_across_two_servers(
    servers: list[Server], make_document: Callable[..., Document], member: User
) -> None:
    """New identities per address (and through a restart), votes per voter, sign-ups per
    address: each counted once whichever of the two processes answers."""
    documents = [make_document() for _ in range(6)]
    _fresh_identities_are_limited_across_servers_and_restarts(servers, documents[0])
    _votes_per_voter_hold_across_servers(servers, documents[1:], member)
    _sign_ups_are_limited_across_servers(servers)


def test_review_page_first_does_not_side_step_the_limit(settings: Any, document: Document) -> None:
    settings.SAFEDATA_IDENTITY_RATE_LIMIT = "3/h"
    statuses, cookies = [], []
    for _ in range(5):
        client = Client()
        page = client.get("/review/")
        cookies.append(COOKIE_NAME in page.cookies)
        vote = client.post(
            f"/review/{document.pk}/vote/", {"rating": "unsafe"}, HTTP_HX_REQUEST="true"
        )
        statuses.append(vote.status_code)
        if vote.status_code == 429:
            assert int(vote["Retry-After"]) >= 1
    assert cookies == [True, True, True, False, False]
    assert statuses == [200, 200, 200, 429, 429]
    assert Vote.objects.filter(document=document).count() == 3


def test_the_document_page_hands_out_no_identity(settings: Any, document: Document) -> None:
    settings.SAFEDATA_IDENTITY_RATE_LIMIT = "1/h"
    for _ in range(5):
        page = Client().get(f"/documents/{document.pk}/")
        assert page.status_code == 200
        assert COOKIE_NAME not in page.cookies
    client = Client()
    response = client.post(
        f"/documents/{document.pk}/vote/", {"rating": "great"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # the page views did not use up the address's one identity
    assert COOKIE_NAME in response.cookies
    again = Client().post(
        f"/documents/{document.pk}/vote/", {"rating": "great"}, HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 429
    assert int(again["Retry-After"]) >= 1


def test_votes_per_address_hold_for_known_identities(
    settings: Any, make_document: Callable[..., Document]
) -> None:
    settings.SAFEDATA_VOTE_ADDRESS_RATE_LIMIT = "4/h"
    documents = [make_document() for _ in range(3)]
    clients = [Client() for _ in range(2)]
    statuses = [
        client.post(
            f"/documents/{doc.pk}/vote/", {"rating": "great"}, HTTP_HX_REQUEST="true"
        ).status_code
        for doc in documents
        for client in clients
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]
