"""Moderation: holds, reports, decisions, takedowns and appeals (``services`` is the one entry)."""
