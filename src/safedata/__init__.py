"""Safe Training Data: a community-rated open dataset of text documents."""

from __future__ import annotations

__version__ = "0.1.0"
