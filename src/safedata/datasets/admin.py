from __future__ import annotations

from django.contrib import admin

from safedata.datasets.models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin[Snapshot]):
    """Read-only: releases are built by ``safedata snapshot`` and never edited."""

    list_display = ("version", "status", "row_count", "total_bytes", "created_at")
    readonly_fields = tuple(f.name for f in Snapshot._meta.fields)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
