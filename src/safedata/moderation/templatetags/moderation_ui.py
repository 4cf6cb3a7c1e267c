"""What moderation adds to the document page: ``{% moderation_box document %}``.

The page belongs to ``documents``, a layer below; the box asks here about holds,
decisions and appeals, and shows the report link to everyone.
"""

from __future__ import annotations

from typing import Any

from django import template

from safedata.accounts.roles import Person, is_moderator
from safedata.documents.models import Document
from safedata.moderation.models import Appeal, Decision, Hold

register = template.Library()


def box_context(document: Document, user: Person) -> dict[str, Any]:
    """The uploader's view of holds, decisions and the appeal; the moderators' link."""
    is_owner = bool(user.is_authenticated and user.pk == document.uploader_id)
    context: dict[str, Any] = {
        "document": document,
        "is_owner": is_owner,
        "is_moderator": is_moderator(user),
    }
    if is_owner or context["is_moderator"]:
        context["hold"] = Hold.objects.filter(document=document, released_at__isnull=True).first()
        context["decision"] = Decision.objects.filter(document=document).first()
        context["appeal"] = Appeal.objects.filter(document=document).first()
    context["can_appeal"] = (
        is_owner
        and context.get("appeal") is None
        and context.get("decision") is not None
        and context["decision"].action != Decision.Action.APPROVE
    )
    return context


@register.inclusion_tag("moderation/_box.html", takes_context=True)
def moderation_box(context: template.Context, document: Document) -> dict[str, Any]:
    request = context["request"]
    return {**box_context(document, request.user), "csrf_token": context.get("csrf_token")}


@register.filter(name="is_moderator")
def is_moderator_filter(user: Person) -> bool:
    """``{% if user|is_moderator %}``: show the moderation queue link."""
    return is_moderator(user)
