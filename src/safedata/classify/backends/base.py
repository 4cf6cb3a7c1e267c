"""The interface every classifier backend provides, and the backend registry."""

from __future__ import annotations

import copy
import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import numpy as np

from safedata.consensus import LABELS
from safedata.params import lookup

N_LABELS = len(LABELS)
Params = dict[str, Any]
"""Hyperparameters of a backend, JSON-serialisable."""


class MissingExtraError(ImportError):
    """A backend needs a library that belongs to an optional extra that is not installed."""


def import_extra(module: str, extra: str) -> ModuleType:
    """Import ``module``, or say which ``pip install safedata[extra]`` provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f"this backend needs {module!r}, which is missing ({error}); "
            f"install it with: pip install 'safedata[{extra}]'"
        ) from error


class DivergedError(RuntimeError):
    """Training diverged (for example a learning rate too high); other parameters may work."""


class Backend(ABC):
    """A classifier from text to probabilities of the labels, in ``LABELS`` order.

    Training goes through features so that tuning and cross-validation compute
    expensive features (embeddings) once: ``featurize`` texts, then ``fit`` and
    ``predict_features`` on rows of the features (an array indexable by rows).
    """

    identifier: ClassVar[str]
    """Name used on the command line and in ``config.json``."""
    description: ClassVar[str]

    def __init__(self, params: Params) -> None:
        self.params = params

    def with_params(self, params: Params) -> Backend:
        """An untrained copy with ``params`` updated that shares this backend's featurizer."""
        clone = copy.copy(self)
        clone.params = {**self.params, **params}
        return clone

    @classmethod
    @abstractmethod
    def param_grid(cls, quick: bool) -> list[Params]:
        """Candidate hyperparameters tried on the validation split (fewer when ``quick``)."""

    @classmethod
    def refinements(cls) -> list[list[Params]]:
        """Changes tried after the grid, one axis at a time from the best candidate (none here)."""
        return []

    @abstractmethod
    def featurize(self, texts: Sequence[str]) -> np.ndarray:
        """Features of ``texts`` for ``fit`` and ``predict_features``, one row per text."""

    @abstractmethod
    def fit(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        """Train on features with target distributions (n, 3) and sample weights (n,)."""

    @abstractmethod
    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """Probabilities (n, 3) in ``LABELS`` order."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) of the labels for a batch of texts."""
        if not texts:
            return np.zeros((0, N_LABELS))
        return self.predict_features(self.featurize(texts))

    @abstractmethod
    def save(self, directory: Path) -> list[str]:
        """Write the weights into ``directory``; return the names of the files written."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, params: Params) -> Backend:
        """The backend saved in ``directory`` with ``params``."""


_BACKENDS: dict[str, type[Backend]] = {}
B = TypeVar("B", bound=type[Backend])


def register_backend(cls: B) -> B:
    """Class decorator: make a backend available under its ``identifier``."""
    _BACKENDS[cls.identifier] = cls
    return cls


def get_backend(identifier: str) -> type[Backend]:
    """The backend class registered as ``identifier``."""
    return lookup(_BACKENDS, identifier, "backend", ValueError)


def backend_names() -> list[str]:
    """Identifiers of the registered backends."""
    return sorted(_BACKENDS)
