"""The options of ``safedata train`` and ``safedata score``, light to import.

The commands build their command-line options from these fields
(``safedata.cli_options.field_option``) before any heavy library is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safedata.classify.backends.base import Params
from safedata.consensus import Label
from safedata.params import bounded, check_bounds

LABEL_MODES = ("tune", "hard", "soft")
"""How ``safedata train`` picks its targets: see ``TrainOptions.labels``."""


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """How to train; every field has a command-line option."""

    backend: str = "fasttext"
    folds: int = bounded(5, 2, 20)
    seed: int = 0
    labels: str = "tune"
    """``hard`` consensus labels, ``soft`` vote fractions, or ``tune`` to pick on validation."""
    params: Params = field(default_factory=dict)
    """Fixed hyperparameters, excluded from tuning."""
    quick: bool = False
    """Try a single candidate instead of the whole grid."""

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, kw_only=True)
class ScoreOptions:
    """Options of ``safedata score``."""

    text_field: str = "text"
    id_field: str = "id"
    batch_size: int = bounded(2048, 1)
    threshold: float | None = bounded(None, 0, 1)
    """Keep only documents whose probability of ``keep_label`` is at least this."""
    keep_label: str = Label.GREAT.value
    unit_rows: int = bounded(65_536, 1)

    def __post_init__(self) -> None:
        check_bounds(self)
