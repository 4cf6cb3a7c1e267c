"""Every backend through one interface, on the real bundled MiniLM where it needs one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from safedata.classify import Model, backend_names, get_backend
from safedata.classify.backends import MissingExtraError
from safedata.classify.backends.base import import_extra
from safedata.classify.train import TrainOptions, train
from safedata.records import Record


def test_backends_are_registered() -> None:
    assert backend_names() == ["blend", "embed", "fasttext", "static"]
    with pytest.raises(ValueError, match="unknown backend 'svm'"):
        get_backend("svm")


def test_missing_extra_names_the_pip_command() -> None:
    with pytest.raises(MissingExtraError, match=r"pip install 'safedata\[static\]'"):
        import_extra("model2vec_not_installed", "static")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["static", "embed", "blend"])
def test_embedding_backend_trains_saves_and_loads(
    backend: str, tmp_path: Path, corpus_file: Callable[..., Path]
) -> None:
    data = corpus_file("d.parquet", 45)
    out = tmp_path / backend
    metrics = train(data, out, TrainOptions(backend=backend, quick=True, folds=2))
    assert metrics["cross_validation"]["documents"] == 45
    config = json.loads((out / "config.json").read_text())
    assert config["backend"] == backend
    model = Model.load(out)
    probs = model.predict_proba(["attack exploit steal weapon", "explain learn clear guide"])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert probs[0].argmax() == 0
    assert probs[1].argmax() == 2
    assert model.predict_proba([]).shape == (0, 3)


TRICKY_TEXTS = [
    "",
    "   \n\t ",
    "Ünïcödé café\u00a0naïve résumé",
    "東京タワーに行きました。とても高い！",
    "e-mail: someone@example.org, (brackets) [and] {braces}; 3.14 -- dashes",
    "control\x00char\x1fand\u200bzero\u2028width",
    "x" * 150 + " supercalifragilisticexpialidocious " + "ab" * 80,
    "emoji 🙂🙃 and ascii art ¯\\_(ツ)_/¯",
    " ".join(f"word{i} careful explanation" for i in range(400)),
    "unbroken" * 600,
]


@pytest.mark.slow
def test_the_word_cache_encoder_matches_model2vec(corpus: Callable[..., list[Record]]) -> None:
    from safedata.classify.backends.static import distilled
    from safedata.classify.backends.wordcache import WordCacheEncoder

    model = distilled(256)
    texts = TRICKY_TEXTS + [record.text for record in corpus(60)]
    texts += [" ".join(texts[i : i + 25]) for i in range(0, len(texts), 5)]
    fast = WordCacheEncoder(model, 512)
    for max_length in (512, 16):
        words = WordCacheEncoder(model, max_length)
        model.tokenizer.enable_truncation(max_length)
        expected_ids = model.tokenize([text[: words.char_cap] for text in texts])
        model.tokenizer.enable_truncation(model.max_length)
        assert [words.token_ids(text) for text in texts] == expected_ids
        expected = model.encode(texts, max_length=max_length, use_multiprocessing=False)
        np.testing.assert_allclose(words.encode(texts), expected, atol=2e-3)
    assert fast.encode(texts[:3]).shape == (3, 256)
    assert not fast.encode(["", "  "]).any()


def test_a_nan_failure_in_process_is_retried_in_a_fresh_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fasttext

    from safedata.classify.backends.fasttext import _train_with_retries

    data = tmp_path / "train.txt"
    data.write_text(
        "".join(
            f"__label__great clear careful guide {i}\n__label__unsafe scam {i}\n" for i in range(20)
        )
    )

    def nan(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Encountered NaN.")

    monkeypatch.setattr(fasttext, "train_supervised", nan)
    model = _train_with_retries(fasttext, data, {"epoch": 5, "dim": 8, "bucket": 1000})
    assert model.predict("clear careful guide")[0][0] in ("__label__great", "__label__unsafe")
    assert set(model.get_labels()) == {"__label__great", "__label__unsafe"}
