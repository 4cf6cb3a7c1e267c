"""``MODEL_CARD.md``: what the model is for, what it was trained on, how well it does."""

from __future__ import annotations

from typing import Any

from safedata.classify.backends import get_backend
from safedata.classify.model import ModelConfig
from safedata.consensus import LABELS


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _per_label_rows(metrics: dict[str, Any]) -> str:
    rows = []
    for label in LABELS:
        item = metrics["per_label"][label.value]
        rows.append(
            f"| {label.value} | {_number(item['precision'])} | {_number(item['recall'])} "
            f"| {_number(item['f1'])} | {item['support']} |"
        )
    return "\n".join(rows)


def model_card(config: ModelConfig, metrics: dict[str, Any]) -> str:
    """The model card of a trained model, in Markdown."""
    cv = metrics["cross_validation"]
    training = config.training
    calibration = (
        f"temperature scaling with per-label bias: `{config.calibration}`"
        if config.calibration is not None
        else "none (it did not lower the cross-fitted ECE)"
    )
    rule = (
        f"argmax of log-probability plus per-label offsets `{config.decision['bias']}`, "
        "fitted out of fold for macro-F1"
        if config.decision is not None
        else "the most probable label (offsets fitted for macro-F1 did not help out of fold)"
    )
    return f"""# Model card: safedata {config.backend} classifier

## Intended use

Scores text documents as **unsafe**, **neutral** or **great** for training
language models, the way the Safe Training Data community rates them, to filter
or weight large corpora (`safedata score`). The score is p(great) - p(unsafe),
in [-1, 1]. Use it to rank and filter in bulk, not to judge a single document
or a person; review samples around any threshold you pick.

## Model

- Backend: `{config.backend}`: {get_backend(config.backend).description}
- Parameters: `{config.params}`
- Calibration: {calibration}
- Reported `label`: {rule}; the `p_*` columns stay the calibrated probabilities
- Weights: {", ".join(f"`{name}`" for name in config.weights)}
- safedata version: {config.safedata_version} (loading checks it)

## Training data

- Source: `{training.get("data")}`, snapshot version {training.get("snapshot_version")}
- Settled documents: {training.get("settled_documents")} of {training.get("documents_read")} read;
  per label: {training.get("class_counts")}
- Targets: {training.get("labels_mode")} labels; sample weights from consensus confidence,
  balanced across labels; seed {training.get("seed")}
- File checksums (SHA-256) are in `config.json`.

## Metrics

{metrics["folds"]}-fold cross-validation, splits keeping near-duplicates together
({metrics["split"]}); hyperparameters chosen on a validation split.

| metric | value |
| --- | --- |
| macro-F1 | {_number(cv["macro_f1"])} |
| accuracy | {_number(cv["accuracy"])} |
| ROC-AUC great vs rest | {_number(cv["roc_auc"]["great_vs_rest"])} |
| ROC-AUC unsafe vs rest | {_number(cv["roc_auc"]["unsafe_vs_rest"])} |
| expected calibration error | {_number(cv["ece"])} |
| log loss | {_number(cv["log_loss"])} |

| label | precision | recall | F1 | documents |
| --- | --- | --- | --- | --- |
{_per_label_rows(cv)}

See `metrics.json`, `confusion.png` and `reliability.png`.

## Limitations

- It learns the community's judgements, with their biases, on the languages and
  topics of the snapshot; it is unreliable on text unlike the training data.
- Only settled documents were used: the hard, contested cases are missing.
- Metrics are cross-validated on the same snapshot and are optimistic for other corpora;
  run `safedata evaluate` on data of your own.
- The `fasttext` `.bin` loads in other tools unchanged, but they get uncalibrated
  probabilities: the calibration above is applied by safedata only.
"""
