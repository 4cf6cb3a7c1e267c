"""Errors of dataset operations; each message is shown to the caller as it is."""

from __future__ import annotations


class DatasetError(ValueError):
    """Bad input to a dataset operation; the message is shown to the caller."""


class SnapshotExistsError(DatasetError):
    """The version is taken: published snapshots are never changed or overwritten."""


class SnapshotNotFoundError(DatasetError):
    """No published snapshot has that version."""
