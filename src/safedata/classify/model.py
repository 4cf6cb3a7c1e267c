"""A self-describing model folder: weights, ``config.json``, ``metrics.json``, ``MODEL_CARD.md``.

Loading checks that the folder was written by this version of safedata, so a
model never silently runs with different preprocessing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import safedata
from safedata.classify.backends import Backend, MissingExtraError, Params, get_backend
from safedata.classify.errors import ModelError
from safedata.classify.metrics import Calibration, DecisionRule
from safedata.consensus import LABELS
from safedata.records.files import atomic_directory

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
FORMAT = "safedata.classifier/1"


@dataclass(frozen=True)
class ModelConfig:
    """What ``config.json`` holds."""

    backend: str
    params: Params
    weights: list[str]
    calibration: dict[str, Any] | None = None
    """``Calibration`` fields applied to the backend's probabilities; None when it did not help."""
    training: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] | None = None
    """``DecisionRule`` fields that choose the reported label; None: the most probable label."""
    labels: list[str] = field(default_factory=lambda: [label.value for label in LABELS])
    safedata_version: str = safedata.__version__
    format: str = FORMAT

    def to_json(self) -> str:
        """The config as stable, indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


class Model:
    """A trained backend, its calibration and decision rule: probabilities and labels of texts."""

    def __init__(self, config: ModelConfig, backend: Backend, fingerprint: str) -> None:
        self.config = config
        self.backend = backend
        self.fingerprint = fingerprint
        """SHA-256 of ``config.json``: identifies the model in scoring output."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities (n, 3) in ``LABELS`` order."""
        probs = self.backend.predict_proba(texts)
        if self.config.calibration is None or len(probs) == 0:
            return probs
        return Calibration(**self.config.calibration).apply(probs)

    def labels(self, probs: np.ndarray) -> np.ndarray:
        """The label index (into ``LABELS``) the model reports for each row of ``predict_proba``."""
        if self.config.decision is None:
            return np.asarray(probs.argmax(axis=1))
        return DecisionRule(**self.config.decision).labels(probs)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Model:
        """Load a model folder, with a clear ``ModelError`` for anything missing or mismatched."""
        folder = Path(directory)
        config, raw = read_config(folder)
        try:
            backend = get_backend(config.backend).load(folder, config.params)
        except MissingExtraError as error:
            raise ModelError(f"{folder}: {error}") from None
        except (OSError, ValueError, RuntimeError) as error:
            raise ModelError(
                f"{folder}: cannot load the {config.backend} weights: {error}"
            ) from None
        return cls(config, backend, hashlib.sha256(raw).hexdigest())


def read_config(folder: Path) -> tuple[ModelConfig, bytes]:
    """The config of a model folder and its raw bytes, checked."""
    path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder")
    if not path.is_file():
        raise ModelError(f"{folder}: not a model folder ({CONFIG_FILE} is missing)")
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
        config = ModelConfig(**data)
    except (ValueError, TypeError) as error:
        raise ModelError(f"{path}: corrupt model config: {error}") from None
    _check_config(config, folder)
    return config, raw


def _check_config(config: ModelConfig, folder: Path) -> None:
    if config.format != FORMAT:
        raise ModelError(f"{folder}: unknown model format {config.format!r}")
    if config.safedata_version != safedata.__version__:
        raise ModelError(
            f"{folder}: the model was trained with safedata {config.safedata_version}, "
            f"this is safedata {safedata.__version__}; retrain it, or install "
            f"safedata=={config.safedata_version} to use it"
        )
    if config.labels != [label.value for label in LABELS]:
        raise ModelError(f"{folder}: model labels {config.labels} are not {list(LABELS)}")
    missing = [name for name in config.weights if not (folder / name).exists()]
    if missing:
        raise ModelError(f"{folder}: weights missing: {', '.join(missing)}")


def write_folder_atomically(target: Path, fill: Callable[[Path], None]) -> None:
    """Create ``target`` by filling a temporary sibling folder, renamed once ``fill`` succeeds."""
    if target.exists() and any(target.iterdir()):
        raise ModelError(f"{target}: already exists and is not empty; choose a new folder")
    with atomic_directory(target) as temporary:
        fill(temporary)
