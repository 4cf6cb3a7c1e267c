"""Scoring engines: ``local`` (processes on this machine) and ``ray`` (a Ray cluster)."""

from __future__ import annotations

from safedata.classify.engines import local, ray_engine  # noqa: F401  (registers them)
from safedata.classify.engines.base import (
    Engine,
    ScoringJob,
    engine_names,
    get_engine,
    register_engine,
)

__all__ = ["Engine", "ScoringJob", "engine_names", "get_engine", "register_engine"]
