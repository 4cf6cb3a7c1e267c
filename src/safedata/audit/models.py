"""An append-only log of every decision that matters to trust."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One action, with a namespaced code such as ``document.uploaded``."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_key = models.CharField(
        max_length=80, blank=True, help_text="Voter key for anonymous actors; never a raw IP."
    )
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


def log_action(
    action: str,
    target: models.Model,
    *,
    actor: Any = None,
    actor_key: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` on ``target``; call inside the transaction that made the change."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        action=action,
        actor=user,
        actor_key=actor_key,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )


def log_actions(
    action: str,
    targets: list[tuple[models.Model, dict[str, Any]]],
    *,
    actor: Any = None,
    actor_key: str = "",
) -> list[AuditEntry]:
    """Record ``action`` on many ``(target, data)`` pairs in one query, as ``log_action`` would."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    entries = [
        AuditEntry(
            action=action,
            actor=user,
            actor_key=actor_key,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            data=data,
        )
        for target, data in targets
    ]
    return AuditEntry.objects.bulk_create(entries)
