"""Rate limits: a sliding window (no second allowance across a window boundary), counted
atomically in a cache every process of the machine shares, with an honest Retry-After."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from safedata import ratelimit
from safedata.ratelimit import Rate, RateLimited, hit, network_of, retry_after


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The wall clock the limits read, set by the test (the counters are real)."""
    fake = Clock(1_000_000 * 60.0)  # the start of a minute
    monkeypatch.setattr(ratelimit.time, "time", fake)
    return fake


def _accepted(scope: str, rate: Rate, attempts: int) -> int:
    accepted = 0
    for _ in range(attempts):
        try:
            hit(scope, "k", rate)
        except RateLimited:
            continue
        accepted += 1
    return accepted


def test_straddling_a_window_boundary_gives_no_second_allowance(clock: Clock) -> None:
    rate = Rate.parse("10/m")
    clock.now += 59.5
    assert _accepted("straddle", rate, 10) == 10
    clock.now += 1.0  # half a second into the next window
    assert _accepted("straddle", rate, 10) == 0  # a fixed window would take 10 more
    clock.now += 30.0  # the previous window now weighs half
    assert _accepted("straddle", rate, 10) == 5


def test_refusals_are_not_counted_and_retry_after_is_kept(clock: Clock) -> None:
    rate = Rate.parse("3/m")
    clock.now += 40.0
    assert _accepted("retry", rate, 3) == 3
    with pytest.raises(RateLimited) as refused:
        hit("retry", "k", rate)
    wait = refused.value.retry_after
    assert 1 <= wait <= 60
    for _ in range(20):  # hammering while refused does not push the wait back
        with pytest.raises(RateLimited):
            hit("retry", "k", rate)
    clock.now += wait - 1
    with pytest.raises(RateLimited):
        hit("retry", "k", rate)
    clock.now += 1
    hit("retry", "k", rate)


def test_keys_and_scopes_are_counted_apart(clock: Clock) -> None:
    rate = Rate.parse("1/h")
    hit("a", "one", rate)
    hit("a", "two", rate)
    hit("b", "one", rate)
    with pytest.raises(RateLimited):
        hit("a", "one", rate)


@pytest.mark.parametrize(
    ("rate", "accepted", "previous", "elapsed", "expected"),
    [
        ("4/m", 2, 4, 30.0, 15),  # 3 + 4 (1 - t/60) <= 4 at t = 45
        ("3/m", 3, 0, 50.0, 30),  # next window: 3 (1 - t/60) + 1 <= 3 at t = 20
        ("3/m", 3, 0, 0.0, 60),  # 80 s by the estimate, told one period
        ("1/m", 0, 10, 0.0, 60),
    ],
)
def test_retry_after(
    rate: str, accepted: int, previous: int, elapsed: float, expected: int
) -> None:
    parsed = Rate.parse(rate)
    assert retry_after(parsed, accepted=accepted, previous=previous, elapsed=elapsed) == expected


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),  # the same subscriber
    ],
)
def test_ipv6_clients_are_counted_per_64(address: str, counted_as: str) -> None:
    assert network_of(address) == counted_as


_COUNTER = textwrap.dedent(
    """
    import sys
    from django.conf import settings
    settings.configure()
    from safedata.filecache import SharedFileCache
    cache = SharedFileCache(sys.argv[1], {"TIMEOUT": 600})
    for _ in range(int(sys.argv[2])):
        if not cache.add("hits", 1, timeout=600):
            cache.incr("hits")
    """
)


def test_the_file_cache_counts_atomically_across_processes(tmp_path: Path) -> None:
    """Four processes add to one counter at once: no hit is lost, and the expiry is kept."""
    procs = [
        subprocess.Popen([sys.executable, "-c", _COUNTER, str(tmp_path), "150"]) for _ in range(4)
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0, 0, 0]
    from django.conf import settings as django_settings  # noqa: F401 (configured by pytest)

    from safedata.filecache import SharedFileCache

    cache = SharedFileCache(str(tmp_path), {"TIMEOUT": 600})
    assert cache.get("hits") == 600
    cache.set("short", 1, timeout=1)
    cache.incr("short")
    import time

    time.sleep(1.2)
    assert cache.get("short") is None  # incr kept the one-second expiry


def test_signups_are_limited_per_client_address(settings: Any, db: None) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    statuses = []
    for n in range(3):
        password = "a-long-enough-passphrase"
        response = Client().post(
            "/accounts/signup/",
            {
                "username": f"farm{n}",
                "email": f"farm{n}@example.org",
                "password1": password,
                "password2": password,
            },
            REMOTE_ADDR="203.0.113.40",
        )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 429]
    other = Client().post(
        "/accounts/signup/",
        {
            "username": "neighbour",
            "email": "neighbour@example.org",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
        REMOTE_ADDR="198.51.100.40",
    )
    assert other.status_code == 302
