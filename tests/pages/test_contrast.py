"""WCAG AA contrast of the colour pairs the stylesheet uses, in both themes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import safedata

CSS = (Path(safedata.__file__).parent / "static" / "css" / "site.css").read_text()

TEXT_PAIRS = [
    ("text", "bg"),
    ("text", "surface"),
    ("text", "surface-2"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("muted", "surface-2"),
    ("accent", "bg"),
    ("accent", "surface"),
    ("accent-on", "accent"),
    ("unsafe-on", "unsafe"),
    ("neutral-on", "neutral"),
    ("great-on", "great"),
    ("unsafe-ink", "unsafe-soft"),
    ("neutral-ink", "neutral-soft"),
    ("great-ink", "great-soft"),
    ("info-ink", "info-soft"),
]
"""(foreground, background) custom properties used together for text."""
GRAPHIC_PAIRS = [
    ("focus", "bg"),
    ("focus", "surface"),
    ("unsafe", "surface"),
    ("great", "surface"),
    ("neutral", "surface"),
    ("muted", "surface"),
]
"""Outlines, the spectrum and input borders: 3:1 is the AA bar for graphics."""


def _block(selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{(.*?)\}", CSS, re.S)
    assert match, selector
    return match.group(1)


_PAIRS = re.findall(
    r"--([\w-]+):\s*light-dark\((#[0-9a-fA-F]{6}),\s*(#[0-9a-fA-F]{6})\)", _block(":root ")
)
"""Each colour's (name, light value, dark value): one ``light-dark()`` per property."""
THEMES = {
    "light": {name: light for name, light, _ in _PAIRS},
    "dark": {name: dark for name, _, dark in _PAIRS},
}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_system_dark_theme_matches_the_chosen_dark_theme() -> None:
    """Both take the dark half of the same ``light-dark()`` values."""
    assert "color-scheme: dark;" in _block(':root[data-theme="dark"]')
    assert "color-scheme: light dark;" in _block(':root[data-theme="auto"]')
    assert set(THEMES["dark"]) >= {name for pair in TEXT_PAIRS + GRAPHIC_PAIRS for name in pair}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_pairs_reach_aa(theme: str, fg: str, bg: str) -> None:
    colours = THEMES[theme]
    assert contrast(colours[fg], colours[bg]) >= 4.5


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), GRAPHIC_PAIRS)
def test_graphics_reach_three_to_one(theme: str, fg: str, bg: str) -> None:
    colours = THEMES[theme]
    assert contrast(colours[fg], colours[bg]) >= 3.0
