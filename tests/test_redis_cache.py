"""With REDIS_URL set (as production with several processes needs), votes, logins and
sign-ups work and their rate-limit counters live in Redis; while Redis is down they
answer 503, and work again once it is back."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.test import Client
from tests.conftest import PASSWORD, redis_test_url
from tests.private_postgres import free_port

from safedata.documents.models import Document
from safedata.settings import cache_settings

REDIS_URL = redis_test_url(7)


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[redis.Redis]:
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    settings.CACHES = cache_settings(REDIS_URL)  # Django rebuilds its cache handler
    yield server
    server.flushdb()


def _keys(server: redis.Redis, part: str) -> list[bytes]:
    return [key for key in server.keys("*") if part.encode() in key]


def test_anonymous_vote_counts_in_redis(redis_cache: redis.Redis, document: Document) -> None:
    response = Client().post(
        f"/api/v1/documents/{document.pk}/vote",
        {"rating": "great"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "great"
    assert _keys(redis_cache, "rl:vote")


def test_sign_up_and_failed_login_through_redis(
    redis_cache: redis.Redis, django_user_model: Any
) -> None:
    password = "a-long-enough-passphrase"
    response = Client().post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    assert django_user_model.objects.filter(username="newbie").exists()
    Client().post("/accounts/login/", {"login": "newbie", "password": "wrong-password-x"})
    assert _keys(redis_cache, "allauth")


def test_login_through_redis(redis_cache: redis.Redis, member: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "member", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


@pytest.fixture
def own_redis(settings: Any) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """A Redis server of the test's own, on its own port, that the test can stop."""
    port = free_port()
    servers: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        servers.append(server)
        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                return server
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    settings.CACHES = cache_settings(f"redis://127.0.0.1:{port}/0")
    yield start
    for server in servers:
        server.kill()
        server.wait()


def test_redis_outage_is_503_and_recovers(
    own_redis: Callable[[], subprocess.Popen[bytes]], document: Document
) -> None:
    def vote() -> Any:
        return Client().post(
            f"/api/v1/documents/{document.pk}/vote",
            {"rating": "great"},
            content_type="application/json",
        )

    server = own_redis()
    assert vote().status_code == 200
    server.kill()
    server.wait()
    refused = vote()
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "unavailable"
    ready = Client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"].startswith("unavailable")
    own_redis()
    assert vote().status_code == 200
    assert Client().get("/readyz").status_code == 200
