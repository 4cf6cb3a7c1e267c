"""Markdown to HTML for dataset cards, with raw HTML disabled.

CommonMark (and tables) through markdown-it-py with ``html`` off: any HTML in
the card is shown as text, and link targets pass markdown-it's
``validateLink`` (no ``javascript:``, ``vbscript:``, ``file:`` or non-image
``data:`` URLs). The card's YAML front matter (the Hugging Face metadata) is
not Markdown: it is split off and shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_FENCE = "---"


@dataclass(frozen=True)
class Card:
    front_matter: str
    """The YAML between the leading ``---`` lines, as text ('' without any)."""
    html: SafeString


def split_front_matter(text: str) -> tuple[str, str]:
    """(YAML front matter, the rest) of a card; ('', text) when it has none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        return "", text
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == _FENCE:
            return "".join(lines[1:end]), "".join(lines[end + 1 :])
    return "", text


def render_card(text: str) -> Card:
    """The card's front matter and its Markdown body as HTML (raw HTML escaped)."""
    front_matter, body = split_front_matter(text)
    html: str = _MARKDOWN.render(body)
    return Card(front_matter, mark_safe(html))  # noqa: S308
