"""Metrics, calibration and near-duplicate grouping on hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from safedata.classify.metrics import (
    Calibration,
    DecisionRule,
    classification_metrics,
    cross_fitted_calibration,
    cross_fitted_labels,
    expected_calibration_error,
    fit_calibration,
    fit_decision_rule,
    macro_f1,
)
from safedata.classify.train import FOLD_DUPLICATE_THRESHOLD
from safedata.records.neardup import near_duplicate_groups


def test_ece_of_perfectly_calibrated_and_overconfident_predictions() -> None:
    labels = np.array([0, 0, 0, 1])
    calibrated = np.tile([0.75, 0.25, 0.0], (4, 1))
    assert expected_calibration_error(labels, calibrated) == pytest.approx(0.0)
    overconfident = np.tile([1.0, 0.0, 0.0], (4, 1))
    assert expected_calibration_error(labels, overconfident) == pytest.approx(0.25)


def test_metrics_of_a_known_confusion() -> None:
    labels = np.array([0, 0, 1, 2, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 2, 2, 0]] * 0.8 + 0.2 / 3
    metrics = classification_metrics(labels, probs)
    assert metrics["confusion"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert metrics["per_label"]["great"]["recall"] == pytest.approx(2 / 3)
    assert metrics["per_label"]["unsafe"]["precision"] == pytest.approx(0.5)
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["roc_auc"]["great_vs_rest"] == pytest.approx(5 / 6)


def test_auc_is_none_without_positives() -> None:
    metrics = classification_metrics(np.array([1, 2]), np.array([[0, 0.5, 0.5], [0, 0.2, 0.8]]))
    assert metrics["roc_auc"]["unsafe_vs_rest"] is None


def test_calibration_recovers_the_true_probabilities() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3000, 3)) * 3
    true = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=p) for p in true])
    sharpened = Calibration(0.5).apply(true)
    fitted = fit_calibration(labels, sharpened)
    assert fitted.temperature == pytest.approx(2.0, rel=0.15)
    assert max(abs(b) for b in fitted.bias) < 0.2
    folds = np.arange(3000) % 3
    calibrated = cross_fitted_calibration(labels, sharpened, folds)
    ece_after = expected_calibration_error(labels, calibrated)
    assert ece_after < expected_calibration_error(labels, sharpened) / 2


def test_calibration_bias_undoes_a_shifted_prior() -> None:
    rng = np.random.default_rng(1)
    labels = rng.choice(3, size=4000, p=[0.1, 0.1, 0.8])
    balanced = np.full((4000, 3), 1 / 3)
    fitted = fit_calibration(labels, balanced)
    np.testing.assert_allclose(fitted.apply(balanced)[0], [0.1, 0.1, 0.8], atol=0.02)


def test_near_duplicates_share_a_group_and_others_do_not() -> None:
    base = "the quick brown fox jumps over the lazy dog near the river bank today"
    texts = [
        base,
        base + " again",
        base.upper(),
        "completely different words about cooking pasta well",
        "",
    ]
    groups = near_duplicate_groups(texts, FOLD_DUPLICATE_THRESHOLD)
    assert groups[0] == groups[1] == groups[2]
    assert len({groups[0], groups[3], groups[4]}) == 3


def shifted_probabilities(seed: int, count: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced labels whose probabilities lean towards the common label."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, count, p=[0.1, 0.2, 0.7])
    logits = rng.normal(0, 1, (count, 3))
    logits[np.arange(count), labels] += 2.0
    logits[:, 2] += 2.0
    probs = np.exp(logits)
    return labels, probs / probs.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_macro_f1_matches_sklearn(seed: int) -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(seed)
    labels, predicted = rng.choice([0, 2], 50), rng.integers(0, 3, 50)
    expected = f1_score(labels, predicted, labels=[0, 2], average="macro")
    assert macro_f1(labels, predicted) == pytest.approx(expected)


def test_the_decision_rule_raises_macro_f1_where_argmax_favours_the_common_label() -> None:
    labels, probs = shifted_probabilities(0)
    rule = fit_decision_rule(labels, probs)
    argmax = macro_f1(labels, probs.argmax(axis=1))
    assert macro_f1(labels, rule.labels(probs)) > argmax + 0.05
    assert rule.bias[0] == 0.0
    assert rule.bias[2] < rule.bias[1]
    held_labels, held_probs = shifted_probabilities(1)
    assert macro_f1(held_labels, rule.labels(held_probs)) > 0.05 + macro_f1(
        held_labels, held_probs.argmax(axis=1)
    )
    folds = np.arange(len(labels)) % 3
    cross_fitted = cross_fitted_labels(labels, probs, folds)
    assert macro_f1(labels, cross_fitted) > argmax + 0.05


def test_the_decision_rule_keeps_argmax_when_it_is_already_best() -> None:
    labels = np.array([0, 1, 2, 0, 1, 2])
    probs = np.eye(3)[labels] * 0.7 + 0.1
    assert fit_decision_rule(labels, probs) == DecisionRule()
    np.testing.assert_array_equal(DecisionRule().labels(probs), labels)


def test_metrics_use_the_labels_given() -> None:
    labels = np.array([0, 1, 2])
    probs = np.tile([0.2, 0.3, 0.5], (3, 1))
    metrics = classification_metrics(labels, probs, predicted=np.array([0, 1, 2]))
    assert metrics["macro_f1"] == pytest.approx(1.0)
    assert metrics["ece"] == classification_metrics(labels, probs)["ece"]
