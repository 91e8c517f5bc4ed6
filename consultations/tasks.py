"""Celery tasks of the consultations app (thin: one service call, safe to run twice)."""

from __future__ import annotations

import logging

from celery import shared_task

from consultations.services import consultations_advance

logger = logging.getLogger(__name__)


@shared_task(name="consultations.tasks.advance")
def advance() -> dict[str, int]:
    """Every five minutes (beat): open and close consultations on their dates, remind once a week
    before one closes."""
    done = consultations_advance()
    if any(done.values()):
        logger.info("consultations: %(opened)d opened, %(closed)d closed, %(reminded)d reminded", done)
    return done
