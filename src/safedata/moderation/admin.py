"""Django admin for moderation. Visibility changes go through ``services`` like every other path.

The document admin of ``documents`` (a layer below) is registered again here with
moderation actions; ``visibility`` is read-only there, so an admin save cannot
change it around the service and its audit entry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from safedata.documents.admin import DocumentAdmin
from safedata.documents.models import Document
from safedata.moderation import services
from safedata.moderation.models import Appeal, Decision, Hold, Report, Suspension, Tombstone


class ModeratedDocumentAdmin(DocumentAdmin):
    actions = ["approve", "hide", "remove"]

    def _decide(self, request: HttpRequest, documents: QuerySet[Document], action: str) -> None:
        outcome = services.decide_many(
            documents.values_list("pk", flat=True), action, request.user, "Django admin"
        )
        self.message_user(request, f"{len(outcome.decided)} document(s): {action}.")
        for document_id, why in outcome.refused.items():
            self.message_user(request, f"#{document_id}: {why}", level=messages.ERROR)

    @admin.action(description="Approve (publish) through moderation")
    def approve(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        self._decide(request, queryset, Decision.Action.APPROVE)

    @admin.action(description="Hide through moderation")
    def hide(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        self._decide(request, queryset, Decision.Action.HIDE)

    @admin.action(description="Remove (erase the text, keep a tombstone) through moderation")
    def remove(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        self._decide(request, queryset, Decision.Action.REMOVE)


admin.site.unregister(Document)
admin.site.register(Document, ModeratedDocumentAdmin)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Moderation records change only through the service (the queue, the API, the actions)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (Hold, Report, Decision, Tombstone, Appeal, Suspension):
    admin.site.register(model, ReadOnlyAdmin)
