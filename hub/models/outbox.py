"""The outbox: events whose side effects must not be lost (notifying followers of a publication).

A service writes an ``OutboxEvent`` in the same transaction as the change it announces; after
commit a Celery task (in ``notifications``) drains it. A periodic task re-drives events left behind
(broker down at publish time, worker killed mid-way). ``dedup_key`` makes a double submission of the
same publication one event.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.geo import Commune


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def pending(self) -> OutboxEventQuerySet:
        return self.filter(processed_at__isnull=True)


class OutboxEvent(models.Model):
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="outbox_events")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # What a notification shows, frozen at publication time (title, type label, path...).
    payload = models.JSONField(default=dict)
    dedup_key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"
