"""Fixed-window rate limits on Django's cache, keyed by voter, user or IP hash.

Rates are text such as ``120/m``; the settings parse each one at start-up, so a
typo stops the server instead of failing every request that hits the limit.
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from safedata.clientaddr import client_address

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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
    """Too many actions in the current window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; try again in {retry_after} s.")
        self.retry_after = retry_after


def hit(scope: str, key: str, rate: Rate) -> None:
    """Count one action for ``key``; raise ``RateLimited`` past the rate."""
    now = int(time.time())
    window = now // rate.seconds
    cache_key = f"rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.add(cache_key, 1, timeout=rate.seconds + 1)
        return
    if count > rate.count:
        raise RateLimited(retry_after=rate.seconds - now % rate.seconds)


def ip_hash(request: HttpRequest) -> str:
    """A salted hash of the client address: usable for limits, never stored raw."""
    address = client_address(request)
    salted = f"{settings.SAFEDATA_IP_HASH_SALT}:{address}".encode()
    return hashlib.sha256(salted).hexdigest()[:32]
