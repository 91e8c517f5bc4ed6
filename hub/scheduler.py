"""Celery beat's schedule on the embedded defaults.

With a broker, ``manage.py serve`` (and compose.yaml) runs Celery beat, which sends each entry of
``workers/celery.py``'s ``beat_schedule`` to the workers when it is due. On the embedded defaults
there is no broker and no beat process: tasks run in-process. So that the periodic work happens
there too (the outbox re-drive, the delivery sweep, the daily digest, the commitment reminders,
the purges), the web process runs the same schedule itself, in its event loop: each entry is
checked with Celery's own schedule objects (``crontab``, intervals) and its task runs eagerly in a
worker thread when due, one at a time. Every scheduled task is safe to run twice (each says so), so
a restart that runs one again does no harm.

``manage.py serve`` turns it on for its single web process (``EMBEDDED_SCHEDULE=1``); test servers
and scaled-out deployments do not run it. It starts with the first connection the server accepts
(the ASGI application calls ``ensure_started()`` from the server's loop).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from celery import Celery
from celery.beat import ScheduleEntry
from django.conf import settings

logger = logging.getLogger(__name__)

ENV_FLAG = "EMBEDDED_SCHEDULE"
# The longest the loop sleeps between two checks (a crontab entry may be hours away).
MAX_SLEEP_SECONDS = 30.0

_started_pid = 0


def enabled() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER) and os.environ.get(ENV_FLAG, "") == "1"


def entries(app: Celery) -> list[ScheduleEntry]:
    """One entry per item of the beat schedule, last run "now": nothing runs at start-up; an
    interval entry runs one interval later, a crontab entry at its next time."""
    return [
        ScheduleEntry(name=name, task=item["task"], schedule=item["schedule"], app=app)
        for name, item in app.conf.beat_schedule.items()
    ]


def run_due(current: Iterable[ScheduleEntry], run: Callable[[str], Any]) -> tuple[list[ScheduleEntry], float]:
    """Run the entries that are due (``run(task_name)``); returns the entries for the next round
    (a run entry moves on to its next time) and how long to wait before the next check."""
    following: list[ScheduleEntry] = []
    wait = MAX_SLEEP_SECONDS
    for entry in current:
        due, next_in = entry.is_due()
        if due:
            try:
                run(entry.task)
            except Exception:  # one failing task must not stop the schedule
                logger.exception("scheduled task %s failed", entry.task)
            entry = entry._next_instance()
            due, next_in = entry.is_due()
        following.append(entry)
        wait = min(wait, max(float(next_in), 0.5))
    return following, wait


def run_task(app: Celery, task_name: str) -> None:
    """The task, eagerly, in this thread (as every task runs on the embedded defaults)."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()  # every app's tasks.py, as a worker imports them
    result = app.tasks[task_name].apply()
    logger.info("scheduled task %s: %s", task_name, result.result)


async def run_forever(app: Celery) -> None:
    current = entries(app)
    logger.info("embedded schedule: %d periodic tasks (%s)", len(current), ", ".join(e.name for e in current))
    work = sync_to_async(
        lambda entries_: run_due(entries_, lambda name: run_task(app, name)), thread_sensitive=False
    )
    while True:
        current, wait = await work(current)
        await asyncio.sleep(wait)


def ensure_started() -> None:
    """From the server's event loop: start the schedule once per process, when it is enabled."""
    global _started_pid
    if _started_pid == os.getpid() or not enabled():
        return
    _started_pid = os.getpid()
    from hub import celery_app

    task = asyncio.get_running_loop().create_task(run_forever(celery_app))
    task.add_done_callback(_report_end)


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the embedded schedule stopped", exc_info=task.exception())
