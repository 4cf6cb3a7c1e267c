"""The cheap counts in front of the vote defences: a vote that cannot complete a burst or a
series runs none of their queries, one that can still does (on both rate-limit stores), and
the counters they read never count fewer votes than the window holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import redis_test_url

from safedata import ratelimit
from safedata.accounts.models import User
from safedata.documents.models import Document
from safedata.ratelimit import Rate, RateLimited, hit, once_per, recent_count
from safedata.settings import cache_settings
from safedata.voting.identity import Voter
from safedata.voting.models import QuarantineGroup, Vote
from safedata.voting.services import cast_vote

REDIS_URL = redis_test_url(13)
_DEFENCE_TABLES = ("accounts_user", "account_emailaddress", "voting_quarantinegroup")


@pytest.fixture(params=["files", "redis"])
def store(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The rate-limit store: the shared file cache of the test run, or Redis."""
    if request.param == "files":
        yield "files"
        return
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    settings.CACHES = cache_settings(REDIS_URL)
    yield "redis"
    server.flushdb()


@pytest.fixture
def thresholds(settings: Any) -> Callable[..., None]:
    def change(**fields: Any) -> None:
        settings.SAFEDATA_DEFENCES = dataclasses.replace(settings.SAFEDATA_DEFENCES, **fields)

    return change


def _defence_queries(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if any(table in query["sql"] for table in _DEFENCE_TABLES)
    ]


def test_a_vote_that_completes_nothing_runs_no_defence_query(
    store: str, make_document: Callable[..., Document], member: User
) -> None:
    document = make_document()
    for n in range(3):
        cast_vote(document.pk, Voter(key=f"a:young{n}"), "unsafe")
    voter = Voter(key=member.voter_key, user=member)
    with CaptureQueriesContext(connection) as queries:
        cast_vote(document.pk, voter, "unsafe")  # 4 of 5 for a burst; 1 of 10 for a series
    assert _defence_queries(queries) == []
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # lock, read, write: one statement on PostgreSQL, three in SQLite's transaction
    assert len(statements) == (3 if connection.vendor == "postgresql" else 5)


def test_the_vote_that_can_complete_a_burst_runs_the_check(store: str, document: Document) -> None:
    for n in range(4):
        cast_vote(document.pk, Voter(key=f"a:young{n}"), "unsafe")
    assert not QuarantineGroup.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        cast_vote(document.pk, Voter(key="a:young4"), "unsafe")
    assert _defence_queries(queries)
    group = QuarantineGroup.objects.get()
    assert (group.reason, group.votes.count()) == ("burst", 5)


def test_a_burst_is_found_under_consensus_v2(document: Document, settings: Any) -> None:
    settings.SAFEDATA_CONSENSUS_METHOD = "dawid-skene-v2"
    for n in range(6):
        cast_vote(document.pk, Voter(key=f"a:young{n}"), "unsafe")
    group = QuarantineGroup.objects.get()
    assert (group.reason, group.votes.count()) == ("burst", 6)
    document.refresh_from_db()
    assert (document.votes_unsafe, document.votes_uncounted) == (0, 6)


def test_a_series_is_found_on_either_store(
    store: str,
    make_document: Callable[..., Document],
    member: User,
    thresholds: Callable[..., None],
) -> None:
    thresholds(serial_min_votes=4)
    voter = Voter(key=member.voter_key, user=member)
    documents = [make_document() for _ in range(5)]
    for document in documents[:3]:
        with CaptureQueriesContext(connection) as queries:
            cast_vote(document.pk, voter, "great")
        assert _defence_queries(queries) == []
    cast_vote(documents[3].pk, voter, "great")
    group = QuarantineGroup.objects.get()
    assert (group.reason, group.votes.count()) == ("serial", 4)
    cast_vote(documents[4].pk, voter, "great")  # joins the open group
    assert QuarantineGroup.objects.get().votes.count() == 5
    assert not Vote.objects.filter(counted=True).exists()


def test_recent_count_never_counts_fewer_than_the_window_holds(store: str) -> None:
    minute = 60
    start = 1_000_000 * minute  # the start of a window
    assert recent_count("t", "k", minute, at=start + 59) == 1
    assert recent_count("t", "k", minute, at=start + 61) == 2  # the vote 2 s ago counts
    assert recent_count("t", "k", minute, at=start + 119) == 3
    # Two windows on: the first window's vote is out, the second's two are in.
    assert recent_count("t", "k", minute, at=start + 121) == 3
    assert recent_count("t", "other", minute, at=start + 121) == 1


def test_limits_and_the_gate_on_either_store(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000 * 60.0 + 30]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    rate = Rate.parse("3/m")
    for _ in range(3):
        hit("vote", "k", rate)
    with pytest.raises(RateLimited) as refused:
        hit("vote", "k", rate)
    assert 1 <= refused.value.retry_after <= 60
    # The counters are the ones Django's cache API reads: the refused hit was taken back.
    assert cache.get(f"rl:vote:k:{int(now[0] // 60)}") == 3
    now[0] += 60  # the previous window weighs half: one more fits
    hit("vote", "k", rate)
    with pytest.raises(RateLimited):
        hit("vote", "k", rate)
    assert once_per("gate", 3600)
    assert not once_per("gate", 3600)
    cache.delete("gate")
    assert once_per("gate", 3600)


def test_a_token_vote_reads_the_suspension_from_the_token_lookup(
    document: Document, member: User
) -> None:
    from django.test import Client
    from django.utils import timezone

    from safedata.accounts.models import ApiToken

    raw = ApiToken.issue(member, "tests")[1]
    user = ApiToken.authenticate(raw)
    assert user is not None
    assert user.suspended_at is None
    User.objects.filter(pk=member.pk).update(suspended_at=timezone.now())
    suspended = ApiToken.authenticate(raw)
    assert suspended is not None
    assert suspended.suspended_at is not None
    assert timezone.is_aware(suspended.suspended_at)  # as the ORM gives it, on SQLite too
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            f"/api/v1/documents/{document.pk}/vote",
            {"rating": "great"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_suspended"
    assert len(queries.captured_queries) == 1  # the token lookup, no reload of the user
    assert not Vote.objects.exists()
