"""Celery tasks of the commitments app (thin: one service call, safe to run twice)."""

from __future__ import annotations

import logging

from celery import shared_task

from commitments.services import reminders_send

logger = logging.getLogger(__name__)


@shared_task(name="commitments.tasks.reminders_send")
def commitment_reminders_send() -> dict[str, int]:
    """Once a day (beat): remind the staff of commitments due soon and overdue, each once."""
    run = reminders_send()
    logger.info("commitment reminders: %d due soon, %d overdue", run.due_soon, run.overdue)
    return {"due_soon": run.due_soon, "overdue": run.overdue}
