"""``safedata manage predict_documents``: store model predictions for every document."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safedata.documents.predictions import predict_stale


class Command(BaseCommand):
    help = (
        "Predict a label for every visible document whose prediction is missing or was made "
        "by another model, using the model in CLASSIFIER_MODEL_DIR."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=512)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.SAFEDATA_MODEL_DIR:
            raise CommandError("CLASSIFIER_MODEL_DIR is not set: point it at a model folder")
        try:
            count = predict_stale(options["batch_size"])
        except Exception as error:
            raise CommandError(f"prediction failed: {error}") from error
        self.stdout.write(f"predicted {count} documents")
