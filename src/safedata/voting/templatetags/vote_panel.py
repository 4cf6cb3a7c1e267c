"""The vote panel that voting contributes to the document page: ``{% vote_panel document %}``.

The document page belongs to ``documents``, which sits below ``voting`` and so
cannot ask who is voting or what they rated; the panel asks here instead. The
vote view answers an htmx vote with the same panel.
"""

from __future__ import annotations

from typing import Any

from django import template

from safedata.documents.models import Document
from safedata.voting.identity import Voter, voter_for
from safedata.voting.models import Rating
from safedata.voting.services import rating_of

register = template.Library()


def panel_context(
    document: Document | None, voter: Voter, *, rating: str = "", error: str = ""
) -> dict[str, Any]:
    """What ``voting/_vote_panel.html`` shows: the document, the voter's rating, any error."""
    return {
        "document": document,
        "my_rating": rating or (rating_of(document, voter) if document else None),
        "error": error,
        "ratings": Rating.choices,
        "is_own": document is not None and voter.user_id == document.uploader_id,
    }


@register.inclusion_tag("voting/_vote_panel.html", takes_context=True)
def vote_panel(context: template.Context, document: Document) -> dict[str, Any]:
    """The consensus of ``document`` and the vote buttons, for the visitor of this request."""
    return panel_context(document, voter_for(context["request"]))
