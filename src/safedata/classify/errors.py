"""Errors of the classifier toolkit; the command line shows their message and exits non-zero."""

from __future__ import annotations


class ClassifyError(Exception):
    """A problem the user can fix: bad data, a bad model folder, unreadable input."""


class DataError(ClassifyError):
    """Training or evaluation data that cannot be used."""


class ModelError(ClassifyError):
    """A model folder that is missing, corrupt or from another version."""


class InputError(ClassifyError):
    """Scoring input that does not exist or cannot be read."""
