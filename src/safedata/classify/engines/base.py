"""Execution engines for scoring: registered classes that turn work units into shards."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from safedata.classify.inputs import WorkUnit
from safedata.classify.model import Model
from safedata.classify.shards import ScoreOptions, ShardStats
from safedata.params import lookup


@dataclass(frozen=True, kw_only=True)
class ScoringJob:
    """Everything an engine needs to score a corpus."""

    model_dir: Path
    model: Model
    units: list[WorkUnit]
    out_dir: Path
    options: ScoreOptions
    workers: int = 1
    address: str | None = None
    progress: bool = True


class Engine(ABC):
    """Runs a scoring job; a new engine is one module with one registered class."""

    identifier: ClassVar[str]

    @abstractmethod
    def run(self, job: ScoringJob) -> ShardStats:
        """Score every unit of ``job`` into ``job.out_dir``; return the totals."""


_ENGINES: dict[str, type[Engine]] = {}
E = TypeVar("E", bound=type[Engine])


def register_engine(cls: E) -> E:
    """Class decorator: make an engine available under its ``identifier``."""
    _ENGINES[cls.identifier] = cls
    return cls


def get_engine(identifier: str) -> Engine:
    """A new engine of the class registered as ``identifier``."""
    return lookup(_ENGINES, identifier, "engine", ValueError)()


def engine_names() -> list[str]:
    """Identifiers of the registered engines."""
    return sorted(_ENGINES)
