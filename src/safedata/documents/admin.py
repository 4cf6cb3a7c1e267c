from __future__ import annotations

from django.contrib import admin

from safedata.documents.models import Document
from safedata.records.schema import VOTE_FIELDS


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    """Read-mostly: tallies and consensus change only through votes, visibility via moderation."""

    list_display = (
        "id",
        "display_title",
        "uploader",
        "language",
        "label",
        "status",
        "votes_total",
        "visibility",
        "created_at",
    )
    list_filter = (
        "visibility",
        "label",
        "status",
        "language",
        "license",
    )
    search_fields = (
        "title",
        "content_sha256",
        "uploader__username",
    )
    list_select_related = ("uploader",)
    raw_id_fields = ("uploader",)
    readonly_fields = (
        # Visibility changes only through moderation (its admin actions, queue and API).
        "visibility",
        "content_sha256",
        "char_count",
        "created_at",
        *VOTE_FIELDS,
        "votes_total",
        "score",
        "label",
        "confidence",
        "status",
        "model_label",
        "model_score",
        "model_confidence",
        "model_version",
    )
