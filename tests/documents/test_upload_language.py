"""Language detection: the bundled py3langid model, no download, "" when unsure."""

from __future__ import annotations

import pytest

from safedata.documents.forms import AUTO, prefill_language
from safedata.documents.language import detect, is_known

SAMPLES = {
    "en": "The committee met on Tuesday to discuss the new library opening hours and the "
    "budget for next year.",
    "fr": "Le comité s'est réuni mardi pour discuter des nouveaux horaires de la bibliothèque "
    "et du budget de l'année prochaine.",
    "de": "Der Ausschuss hat sich am Dienstag getroffen, um die neuen Öffnungszeiten der "
    "Bibliothek und den Haushalt für das nächste Jahr zu besprechen.",
    "es": "El comité se reunió el martes para hablar del nuevo horario de la biblioteca y del "
    "presupuesto del año que viene.",
}


@pytest.mark.parametrize(("code", "text"), SAMPLES.items())
def test_detects_the_language_of_a_sample(code: str, text: str) -> None:
    assert detect(text) == code


@pytest.mark.parametrize("text", ["", "ok", "12345 67890 !!! ???", "https://x.io/a/b/c"])
def test_too_little_signal_gives_an_empty_code(text: str) -> None:
    assert detect(text) == ""


def test_only_two_letter_codes_are_returned_and_known() -> None:
    assert is_known("fr")
    assert not is_known("zxx")
    assert not is_known("ace")


@pytest.mark.parametrize(
    ("current", "previous", "detected", "selected"),
    [
        (AUTO, "", "fr", "fr"),  # first detection fills the blank select
        ("fr", "fr", "de", "de"),  # the text changed: follow the detector
        ("it", "fr", "de", "it"),  # the uploader chose by hand: keep it
        ("fr", "fr", "", AUTO),  # detector unsure now: back to automatic
        ("other", "fr", "de", "other"),
    ],
)
def test_prefill_keeps_a_choice_made_by_hand(
    current: str, previous: str, detected: str, selected: str
) -> None:
    assert prefill_language(current, previous, detected) == selected
