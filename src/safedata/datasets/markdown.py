"""Markdown to HTML for dataset cards, with raw HTML disabled.

CommonMark through markdown-it-py with ``html`` off: any HTML in the card is
shown as text, and link targets pass markdown-it's ``validateLink`` (no
``javascript:``, ``vbscript:``, ``file:`` or non-image ``data:`` URLs).
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """``text`` as HTML; safe to put in a page because raw HTML is escaped by the renderer."""
    return mark_safe(_MARKDOWN.render(text))  # noqa: S308
