"""A file cache that every process of one machine shares, with atomic ``add`` and ``incr``.

Django's ``FileBasedCache`` is shared by every worker that points at the same
folder and survives worker restarts, but its ``add`` and ``incr`` read and then
write, so two processes counting the same key can lose a hit, and its ``incr``
resets the expiry. This subclass holds an exclusive ``flock`` on one lock file
of the folder for both, keeps the entry's expiry on ``incr``, and removes
expired entries before culling live ones. It is the rate-limit store without
``REDIS_URL`` (one machine); with several machines use Redis.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache


class CacheUnavailable(OSError):
    """The cache folder cannot be written (a full disk, lost permissions): an outage, a 503."""


class SharedFileCache(FileBasedCache):
    """``FileBasedCache`` whose ``add`` and ``incr`` are atomic across processes."""

    # django-stubs leave out the private helpers of FileBasedCache used below.
    _dir: str
    _max_entries: int

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            os.makedirs(self._dir, 0o700, exist_ok=True)
            with open(os.path.join(self._dir, ".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except CacheUnavailable:
            raise
        except OSError as exc:
            raise CacheUnavailable(exc.errno, f"cache folder {self._dir}: {exc.strerror}") from exc

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        with self._locked():
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        with self._locked():
            fname = self._key_to_file(key, version)  # type: ignore[attr-defined]
            try:
                with open(fname, "rb") as stored:
                    expiry = pickle.load(stored)  # noqa: S301 (our own cache files)
                    value = pickle.loads(zlib.decompress(stored.read()))  # noqa: S301
            except (FileNotFoundError, EOFError, zlib.error) as exc:
                raise ValueError(f"Key '{key}' not found") from exc
            if expiry is not None and expiry < time.time():
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            self._replace(fname, expiry, new_value)
            return new_value

    def _replace(self, fname: str, expiry: float | None, value: Any) -> None:
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as tmp:
                tmp.write(pickle.dumps(expiry, self.pickle_protocol))
                tmp.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            os.replace(tmp_path, fname)
        except BaseException:
            os.unlink(tmp_path)
            raise

    def _cull(self) -> None:
        files = self._list_cache_files()  # type: ignore[attr-defined]
        if len(files) < self._max_entries:
            return
        for fname in files:  # expired entries first: a live counter is culled last
            try:
                with open(fname, "rb") as stored:
                    self._is_expired(stored)  # type: ignore[attr-defined]
            except FileNotFoundError:
                continue
        super()._cull()  # type: ignore[misc]
