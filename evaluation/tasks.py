"""Periodic work of the evaluation: counts into rows, followers of the day."""

from __future__ import annotations

from celery import shared_task

from evaluation import audience, usage


@shared_task(name="evaluation.tasks.usage_flush", ignore_result=True)
def usage_flush() -> int:
    """Move the counted views into ``DailyUsage`` (evaluation/usage.py). Safe to run twice."""
    return usage.flush()


@shared_task(name="evaluation.tasks.audience_snapshot", ignore_result=True)
def audience_snapshot() -> int:
    """Record each enabled commune's followers of the day (the day's row is replaced: safe twice)."""
    return audience.snapshot()
