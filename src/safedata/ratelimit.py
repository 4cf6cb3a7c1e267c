"""Sliding-window rate limits on Django's cache, keyed by voter, member or address hash.

Rates are text such as ``120/m``; the settings parse each one at start-up, so a
typo stops the server instead of failing every request that hits the limit.

The counters live in the default cache: Redis with ``REDIS_URL`` (every process
of every machine), otherwise ``safedata.filecache.SharedFileCache`` (every
process of one machine); both survive a worker's restart and count with atomic
``add``/``incr`` only. Each limit keeps one counter per fixed window and
estimates the last full period as the current window's count plus the previous
window's, weighted by the share of it still inside the period (the "sliding
window counter"): a client cannot get twice the rate by straddling a window
boundary, as a plain fixed window allows. Refused actions are not counted, and
``Retry-After`` says when the next one would be accepted. django-ratelimit 4.1
was considered and not used: it counts in fixed windows only
(``docs/deployment.md``, "Rate limits").
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from safedata.clientaddr import client_address

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
IPV6_PREFIX = 64
"""IPv6 clients are counted per /64: one subscriber usually holds a whole /64."""


@dataclass(frozen=True)
class Rate:
    """``count`` actions per ``seconds``; parsed from text such as ``120/m``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        return _parse(text)


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> Rate:
    count_text, _, period = text.partition("/")
    if period not in _PERIODS or not count_text.isdigit() or int(count_text) < 1:
        raise ValueError(f"invalid rate {text!r}: use COUNT/PERIOD with PERIOD in s, m, h, d")
    return Rate(int(count_text), _PERIODS[period])


class RateLimited(Exception):
    """Too many actions in the last period; ``retry_after`` seconds until the next is accepted."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; try again in {retry_after} s.")
        self.retry_after = retry_after


def _count(cache_key: str, timeout: int) -> int:
    """Add one to ``cache_key`` atomically and return the new count."""
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between the two calls
        cache.add(cache_key, 1, timeout=timeout)
        return 1


_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {count, redis.call('GET', KEYS[2])}
"""
"""Add one to this window's counter (keeping it for ``ARGV[1]`` seconds) and read the
previous window's: one command, atomic, where Django's cache API takes four round trips."""


class _Redis:
    """The backend's Redis client and the counting script, made once per backend: Django
    builds a new ``redis.Redis`` (on the same pool) for every cache call, which costs
    more CPU than the command."""

    def __init__(self, backend: RedisCache) -> None:
        self.client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]
        self.count = self.client.register_script(_COUNT_SCRIPT)


def _redis(backend: RedisCache) -> _Redis:
    found = backend.__dict__.get("_safedata_redis")
    if found is None:
        found = backend.__dict__["_safedata_redis"] = _Redis(backend)
    return cast(_Redis, found)


def once_per(key: str, seconds: int) -> bool:
    """True for the first caller in ``seconds`` across the site (``cache.add`` of ``key``)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        stored = backend.make_and_validate_key(key)
        return bool(_redis(backend).client.set(stored, 1, nx=True, ex=seconds))
    return bool(cache.add(key, 1, timeout=seconds))


def _count_with_previous(base: str, window: int, timeout: int) -> tuple[int, int]:
    """Add one to the counter of ``window`` and read the one of the window before.

    On Redis one command (``_COUNT_SCRIPT``) instead of the four round trips of
    ``add``/``incr``/``get`` through Django's cache API; the keys and values are the
    ones that API reads and writes.
    """
    current, previous = f"{base}:{window}", f"{base}:{window - 1}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        keys = [backend.make_and_validate_key(key) for key in (current, previous)]
        count, before = _redis(backend).count(keys=keys, args=[timeout])
        return int(count), int(before or 0)
    return _count(current, timeout=timeout), int(cache.get(previous) or 0)


def recent_count(scope: str, key: str, seconds: int, *, at: float | None = None) -> int:
    """Count one event for ``key`` (at ``at``, default now) and return at least how many
    were counted in the last ``seconds``.

    Never fewer while the store keeps its counters: the count of this window of
    ``seconds`` plus the whole previous one, so a check that runs only past a
    threshold misses none (the vote defences use it to skip their exact query,
    ``voting.defences``).
    """
    window = int((time.time() if at is None else at) // seconds)
    count, previous = _count_with_previous(f"rl:{scope}:{key}", window, 2 * seconds + 1)
    return count + previous


def _uncount(cache_key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to undo
        cache.decr(cache_key)


def retry_after(rate: Rate, *, accepted: int, previous: int, elapsed: float) -> int:
    """Seconds until one more action fits, with ``accepted`` actions in this window so far,
    ``previous`` in the window before and ``elapsed`` seconds into this one.

    At most one period: the estimate weighs a window's actions as if spread over all
    of it, so for a small count it may make a client wait a little past the period
    when its actions all came early in a window; it is told the period instead.
    """
    period, limit = rate.seconds, rate.count
    if accepted + 1 <= limit and previous > 0:
        due = period * (1 - (limit - accepted - 1) / previous) - elapsed
    else:
        carried = period * (1 - (limit - 1) / accepted) if accepted > limit - 1 else 0.0
        due = period - elapsed + carried
    return max(1, min(period, math.ceil(due - 1e-9)))  # no extra second for rounding


def hit(scope: str, key: str, rate: Rate) -> None:
    """Count one action for ``key``; raise ``RateLimited`` (uncounted) past the rate."""
    window, elapsed = divmod(time.time(), rate.seconds)
    base = f"rl:{scope}:{key}"
    count, previous = _count_with_previous(base, int(window), 2 * rate.seconds + 1)
    if count + previous * (1 - elapsed / rate.seconds) <= rate.count:
        return
    _uncount(f"{base}:{int(window)}")
    raise RateLimited(retry_after(rate, accepted=count - 1, previous=previous, elapsed=elapsed))


def network_of(address: str) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def address_hash(address: str) -> str:
    """A salted hash of a client address (``IP_HASH_SALT``); limits use it, never the raw IP."""
    salted = f"{settings.SAFEDATA_IP_HASH_SALT}:{network_of(address)}".encode()
    return hashlib.sha256(salted).hexdigest()[:32]


def ip_hash(request: HttpRequest) -> str:
    """``address_hash`` of the client behind ``request`` (past any trusted proxies)."""
    return address_hash(client_address(request))
