"""Active learning: with a model configured, the queue prefers what the model is unsure of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from safedata.documents.models import Document
from safedata.voting.identity import Voter
from safedata.voting.queue import next_document

DRAWS = 200


@pytest.fixture
def three_documents(make_document: Callable[..., Any]) -> list[Any]:
    """Equal votes and consensus; only the model's view differs. The last is the one it doubts."""
    documents = [make_document(f"Text {i} about careful reasoning.") for i in range(3)]
    Document.objects.filter(pk__in=[d.pk for d in documents[:2]]).update(
        model_label="neutral", model_confidence=0.99, model_version="m"
    )
    Document.objects.filter(pk=documents[2].pk).update(
        model_label="great", model_confidence=0.36, model_version="m"
    )
    return documents


def first_picks() -> Counter[int]:
    picks: Counter[int] = Counter()
    for i in range(DRAWS):
        document = next_document(Voter(key=f"a:al-{i}"))
        assert document is not None
        picks[document.pk] += 1
    return picks


def test_uncertain_documents_come_first_with_active_learning(
    settings: Any, three_documents: list[Any]
) -> None:
    settings.SAFEDATA_ACTIVE_LEARNING = True
    settings.SAFEDATA_MODEL_DIR = "/models/current"
    doubted = three_documents[2].pk
    assert first_picks().most_common(1)[0][0] == doubted


def test_disagreement_with_the_votes_comes_first(settings: Any, three_documents: list[Any]) -> None:
    settings.SAFEDATA_ACTIVE_LEARNING = True
    settings.SAFEDATA_MODEL_DIR = "/models/current"
    Document.objects.update(votes_great=1, votes_total=1, label="great")
    # The model is sure, but says neutral where the first voters said great.
    confident_dissent = three_documents[0].pk
    Document.objects.filter(pk=three_documents[2].pk).update(model_label="great")
    assert first_picks().most_common(1)[0][0] == confident_dissent


def test_without_active_learning_the_model_is_ignored(
    settings: Any, three_documents: list[Any]
) -> None:
    settings.SAFEDATA_ACTIVE_LEARNING = False
    picks = first_picks()
    # Same consensus for all: the oldest document ranks first, the doubted one last.
    assert picks.most_common(1)[0][0] == three_documents[0].pk
    assert picks[three_documents[2].pk] < DRAWS * 0.3
