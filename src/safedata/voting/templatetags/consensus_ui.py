"""Template helpers that put the consensus into words and pictures."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()

SPECTRUM_WIDTH = 600
"""Width of the spectrum's drawing area in SVG user units (it scales to its box)."""
_SPECTRUM_MARGIN = 20


@register.filter
def percent(value: float | None) -> str:
    """``0.8249`` → ``82%``; an empty string for ``None``."""
    if value is None:
        return ""
    return f"{round(float(value) * 100)}%"


@register.filter
def signed(value: float | None) -> str:
    """A score with its sign and a real minus: ``+0.42``, ``−0.17``."""
    if value is None:
        return ""
    number = float(value)
    return f"{'−' if number < 0 else '+'}{abs(number):.2f}"


@register.filter
def status_explanation(document: Any) -> str:
    """The document's consensus status in plain language."""
    params = settings.SAFEDATA_CONSENSUS
    label = document.get_label_display().lower()
    if document.status == "settled":
        return (
            f"Settled: reviewers agree it is {label}. The model behind the consensus is at "
            f"least {percent(params.threshold)} sure that {label} is the majority rating."
        )
    if document.status == "contested":
        return (
            "Contested: reviewers disagree. Two ratings both have real support, so more "
            "votes may not settle it; it is left out of the clean training sets."
        )
    votes = document.votes_total
    if votes < params.min_votes:
        missing = params.min_votes - votes
        return (
            f"Needs votes: {votes} so far; at least {params.min_votes} are needed before it "
            f"can settle ({missing} more at minimum)."
        )
    return "Needs votes: no rating has a clear majority yet; a few more votes should decide."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register.filter
def why_status(document: Any) -> str:
    """Why the document stands where it does: the counted votes, their weight, those left out."""
    counted = document.votes_total
    parts = [
        f"{_plural(counted, 'counted vote')} ({document.votes_unsafe} unsafe, "
        f"{document.votes_neutral} neutral, {document.votes_great} great)"
    ]
    if counted:
        parts.append(f"weighing {document.effective_votes:.1f} effective votes")
    line = "Based on " + ", ".join(parts)
    uncounted = document.votes_uncounted
    if uncounted:
        line += f"; {_plural(uncounted, 'vote')} quarantined or suspended, left out"
    low, high = signed(document.score_low), signed(document.score_high)
    interval = "the whole spectrum" if (low, high) == ("−1.00", "+1.00") else f"{low} to {high}"
    return f"{line}. Score interval (90 % belief): {interval}."


@register.inclusion_tag("documents/_spectrum.html")
def spectrum(document: Any, model: bool = False) -> dict[str, Any]:
    """The -1 (unsafe) … +1 (great) scale with a marker at the score."""
    score = document.model_score if model else document.score
    score = max(-1.0, min(1.0, float(score or 0.0)))
    inner = SPECTRUM_WIDTH - 2 * _SPECTRUM_MARGIN

    def at(value: float) -> float:
        return round(_SPECTRUM_MARGIN + (max(-1.0, min(1.0, value)) + 1) / 2 * inner, 1)

    low = None if model else at(float(getattr(document, "score_low", -1.0)))
    high = None if model else at(float(getattr(document, "score_high", 1.0)))
    return {
        "score": score,
        "x": at(score),
        "interval_x": low,
        "interval_width": None if low is None or high is None else round(high - low, 1),
        "width": SPECTRUM_WIDTH,
        "left": _SPECTRUM_MARGIN,
        "middle": SPECTRUM_WIDTH // 2,
        "right": SPECTRUM_WIDTH - _SPECTRUM_MARGIN,
        "bar": inner,
        "model": model,
        "uid": f"spectrum-{document.pk}{'-model' if model else ''}",
    }
