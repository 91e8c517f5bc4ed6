"""Recording outbox events. Call inside the transaction of the change being announced."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, models, transaction

from hub.models import Commune, OutboxEvent
from workers.celery import app as celery_app

logger = logging.getLogger(__name__)

# The task that drains the outbox lives in the notifications app; hub names it, never imports it.
DRAIN_TASK = "notifications.tasks.outbox_event_dispatch"


def _enqueue(event_id: int) -> None:
    try:
        # Through the registry, so that embedded mode (task_always_eager) runs it in-process.
        celery_app.tasks[DRAIN_TASK].apply_async(args=[event_id])
    except Exception:  # the periodic re-drive sends it later; the event is safe in the database
        logger.exception("could not enqueue outbox event %s; the re-drive will pick it up", event_id)


def outbox_record(
    *, kind: str, commune: Commune, obj: models.Model, payload: dict[str, Any], dedup_key: str
) -> tuple[OutboxEvent, bool]:
    """Record an event once per ``dedup_key``; enqueue its dispatch after commit. Returns (event, created)."""
    try:
        with transaction.atomic():
            event = OutboxEvent.objects.create(
                kind=kind,
                commune=commune,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                payload=payload,
                dedup_key=dedup_key,
            )
    except IntegrityError:
        return OutboxEvent.objects.get(dedup_key=dedup_key), False
    transaction.on_commit(lambda: _enqueue(event.pk))
    return event, True
