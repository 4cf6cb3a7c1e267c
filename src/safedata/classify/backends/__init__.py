"""Classifier backends: registered classes with one interface (see ``Backend``).

``fasttext`` needs only the base install; ``static``, ``blend`` (fastText and
static together) and ``embed`` import their libraries lazily and name the
extra to install when they are missing.
"""

from __future__ import annotations

from safedata.classify.backends import blend, embed, fasttext, static  # noqa: F401  (registers them)
from safedata.classify.backends.base import (
    Backend,
    DivergedError,
    MissingExtraError,
    Params,
    backend_names,
    get_backend,
    register_backend,
)

__all__ = [
    "Backend",
    "DivergedError",
    "MissingExtraError",
    "Params",
    "backend_names",
    "get_backend",
    "register_backend",
]
