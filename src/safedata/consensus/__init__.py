"""Consensus math: from vote counts to a label, a score and a status.

Pure functions with no Django import. Methods are registered by identifier so
that a release records which one produced its labels, and a new method (for
example a reliability-weighted one) is one new module.
"""

from __future__ import annotations

from safedata.consensus.base import (
    LABEL_NAMES,
    LABELS,
    STATUS_NAMES,
    Consensus,
    ConsensusMethod,
    ConsensusParams,
    Counts,
    Label,
    Status,
    get_method,
    register,
    registered_methods,
)
from safedata.consensus.dirichlet import DirichletConsensus, compute

__all__ = [
    "LABELS",
    "LABEL_NAMES",
    "STATUS_NAMES",
    "Consensus",
    "ConsensusMethod",
    "ConsensusParams",
    "Counts",
    "DirichletConsensus",
    "Label",
    "Status",
    "compute",
    "get_method",
    "register",
    "registered_methods",
]

# Importing v2 registers ``dawid-skene-v2`` beside ``dirichlet-v1``.
from safedata.consensus.dawid_skene import DawidSkeneConsensus, DawidSkeneParams

__all__ += ["DawidSkeneConsensus", "DawidSkeneParams"]
