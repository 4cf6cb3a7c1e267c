"""File helpers every writer in the project shares: atomic replacement and file digests. Pure.

A file written through :class:`AtomicFile` (or :func:`atomic_write`) goes to a
temporary file in the same folder, is flushed and fsynced, and only then takes
its final name with ``os.replace``: a reader sees the old file or the whole new
one, never half of it, and a failure leaves no temporary file behind. A folder
built with :func:`atomic_directory` appears the same way, whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o644
"""Permissions of a finished file (``mkstemp`` would leave 0600)."""


class AtomicFile:
    """A binary file that appears under ``path`` only when :meth:`commit` is called."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        handle, name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        self.temp = Path(name)
        self.sink: BinaryIO = os.fdopen(handle, "wb")
        self._done = False

    def commit(self) -> None:
        """Flush, fsync and move the file to its final name."""
        if self._done:
            return
        self._done = True
        try:
            self.sink.flush()
            os.fsync(self.sink.fileno())
            self.sink.close()
            os.chmod(self.temp, FILE_MODE)
            os.replace(self.temp, self.path)
        except BaseException:
            self._remove_temp()
            raise

    def discard(self) -> None:
        """Give up: close and delete the temporary file; ``path`` is left as it was."""
        if self._done:
            return
        self._done = True
        self._remove_temp()

    def _remove_temp(self) -> None:
        self.sink.close()
        self.temp.unlink(missing_ok=True)


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write ``path`` atomically: committed when the block ends, discarded if it raises."""
    target = AtomicFile(path)
    try:
        yield target.sink
    except BaseException:
        target.discard()
        raise
    target.commit()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_write(path) as sink:
        sink.write(data)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, lowercase hex, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build the folder ``path`` atomically: fill the yielded temporary sibling folder.

    It takes the name ``path`` (which must not exist, or be empty) when the
    block ends, and is deleted if the block raises.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield temporary
        temporary.chmod(0o755)
        if target.exists():
            target.rmdir()
        temporary.rename(target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
