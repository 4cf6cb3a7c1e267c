"""Model predictions inside the platform: stored apart from the consensus, never blocking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from tests.classify.conftest import SMALL_MODEL, make_records, make_text, write_records

from safedata.accounts.models import User
from safedata.documents import predictions
from safedata.documents.models import Document


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from safedata.classify.train import TrainOptions, train

    data = write_records(tmp_path_factory.mktemp("data") / "train.parquet", make_records(300))
    out = tmp_path_factory.mktemp("models") / "fasttext"
    train(data, out, TrainOptions(quick=True, folds=3, params=SMALL_MODEL))
    return out


@pytest.fixture
def with_model(settings: Any, trained_model: Path) -> Path:
    settings.SAFEDATA_MODEL_DIR = str(trained_model)
    predictions._models.clear()
    return trained_model


def great_text() -> str:
    import random

    return make_text(random.Random(5), "great") + " explain learn careful tutorial guide"


def test_new_upload_gets_a_prediction(with_model: Path, make_document: Callable[..., Any]) -> None:
    document = make_document(great_text())
    document.refresh_from_db()
    assert document.model_label == "great"
    assert document.model_version.startswith("fasttext:")
    assert 0 < (document.model_confidence or 0) <= 1
    # The consensus is untouched by the model.
    assert (document.label, document.status, document.votes_total) == ("neutral", "needs_votes", 0)


def test_no_model_configured_means_no_prediction(make_document: Callable[..., Any]) -> None:
    document = make_document(great_text())
    document.refresh_from_db()
    assert document.model_label == ""
    assert document.model_score is None


def test_a_broken_model_never_blocks_an_upload(
    settings: Any, tmp_path: Path, make_document: Callable[..., Any]
) -> None:
    settings.SAFEDATA_MODEL_DIR = str(tmp_path / "missing-model")
    predictions._models.clear()
    document = make_document(great_text())
    assert Document.objects.filter(pk=document.pk).exists()
    document.refresh_from_db()
    assert document.model_label == ""


def test_backfill_command_predicts_stale_documents(
    settings: Any, trained_model: Path, make_document: Callable[..., Any]
) -> None:
    documents = [make_document(f"{great_text()} {i}") for i in range(3)]
    assert all(d.model_version == "" for d in documents)
    settings.SAFEDATA_MODEL_DIR = str(trained_model)
    predictions._models.clear()
    call_command("predict_documents")
    assert Document.objects.filter(model_version="").count() == 0
    versions = set(Document.objects.values_list("model_version", flat=True))
    assert len(versions) == 1


def test_backfill_command_refuses_without_a_model(db: None) -> None:
    with pytest.raises(CommandError, match="CLASSIFIER_MODEL_DIR"):
        call_command("predict_documents")


def test_document_page_shows_the_prediction_apart(
    with_model: Path, client: Client, make_document: Callable[..., Any]
) -> None:
    document = make_document(great_text())
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "model prediction" in page.lower()


def test_bulk_uploads_get_predictions(with_model: Path, uploader: User) -> None:
    import json

    from safedata.documents.services import bulk_upload

    lines = [json.dumps({"text": f"{great_text()} line {i}"}) for i in range(3)]
    report = bulk_upload("\n".join(lines).encode(), uploader, aup_accepted=True)
    assert report.accepted == 3
    assert Document.objects.filter(model_version="").count() == 0
