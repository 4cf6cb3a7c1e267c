"""The consensus vocabulary is a database invariant, not only a Python check."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from safedata.consensus import LABELS, Status
from safedata.documents.models import Document


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["label", "status"])
def test_a_value_outside_the_vocabulary_is_refused(document: Document, field: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(**{field: "maybe"})


@pytest.mark.django_db
def test_every_label_and_status_is_accepted(document: Document) -> None:
    for label in LABELS:
        for status in Status:
            Document.objects.filter(pk=document.pk).update(label=label, status=status)
            document.refresh_from_db()
            assert (document.label, document.status) == (label.value, status.value)
