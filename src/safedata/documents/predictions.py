"""Model predictions for documents, from the classifier named by ``CLASSIFIER_MODEL_DIR``.

A prediction is stored in the ``model_*`` fields and always shown apart from
the community's consensus. A broken or missing model never blocks an upload:
the failure is logged and the document simply has no prediction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

from safedata.consensus import LABELS
from safedata.documents.models import Document

if TYPE_CHECKING:
    from safedata.classify.model import Model

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_models: dict[str, Model] = {}
_PREDICTION_FIELDS = ["model_label", "model_score", "model_confidence", "model_version"]


def configured_model() -> Model | None:
    """The model of ``CLASSIFIER_MODEL_DIR``, loaded once per process; None when unset."""
    path = settings.SAFEDATA_MODEL_DIR
    if not path:
        return None
    with _lock:
        if path not in _models:
            from safedata.classify.model import Model

            _models[path] = Model.load(path)
        return _models[path]


def model_version(model: Model) -> str:
    """A short identifier of the model: backend and config fingerprint."""
    return f"{model.config.backend}:{model.fingerprint[:12]}"


def predict_documents(documents: Iterable[Document], model: Model) -> int:
    """Store the model's prediction on each document; returns how many were updated."""
    batch = list(documents)
    if not batch:
        return 0
    probs = model.predict_proba([document.text for document in batch])
    version = model_version(model)
    for document, row in zip(batch, probs, strict=True):
        best = int(row.argmax())
        document.model_label = LABELS[best].value
        document.model_confidence = round(float(row[best]), 6)
        document.model_score = round(float(row[2] - row[0]), 6)
        document.model_version = version
    Document.objects.bulk_update(batch, _PREDICTION_FIELDS)
    return len(batch)


def predict_new_document(document: Document) -> None:
    """Predict for a fresh upload when a model is configured; never raises."""
    predict_new_documents([document])


def predict_new_documents(documents: list[Document]) -> None:
    """Predict for fresh uploads (a bulk file, say) when a model is configured; never raises."""
    if not documents:
        return
    try:
        model = configured_model()
        if model is not None:
            predict_documents(documents, model)
    except Exception:
        logger.exception("model prediction failed for %d new documents", len(documents))


def predict_stale(batch_size: int = 512) -> int:
    """Predict every visible document whose prediction is missing or from another model."""
    model = configured_model()
    if model is None:
        return 0
    stale = Document.objects.public().exclude(model_version=model_version(model)).order_by("pk")
    done, last_pk = 0, 0
    while True:
        batch = list(stale.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return done
        done += predict_documents(batch, model)
        last_pk = batch[-1].pk
