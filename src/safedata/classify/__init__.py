"""The classifier toolkit: train, evaluate and score with pluggable backends and engines.

Pure: no Django import, so it works on a downloaded snapshot without the website.
Heavy libraries (fastText, model2vec, torch, Ray) are imported only when used.
"""

from __future__ import annotations

from safedata.classify.backends import Backend, backend_names, get_backend, register_backend
from safedata.classify.engines import Engine, engine_names, get_engine, register_engine
from safedata.classify.errors import ClassifyError, DataError, InputError, ModelError
from safedata.classify.model import Model

__all__ = [
    "Backend",
    "ClassifyError",
    "DataError",
    "Engine",
    "InputError",
    "Model",
    "ModelError",
    "backend_names",
    "engine_names",
    "get_backend",
    "get_engine",
    "register_backend",
    "register_engine",
]
