"""The Celery app. Settings come from Django settings (``CELERY_*``); tasks live in each app's tasks.py.

Queues: ``default`` for everything small, ``notifications`` for fan-out work (later issues), so that a
burst of notifications never delays a password-reset e-mail.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("communesplus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("notifications"))
app.conf.task_routes = {"notifications.*": {"queue": "notifications"}}
app.conf.beat_schedule = {
    "purge-expired-api-tokens": {
        "task": "hub.tasks.purge_expired_api_tokens",
        "schedule": crontab(minute=17, hour=3),
    },
    "outbox-redrive": {
        "task": "notifications.tasks.outbox_redrive",
        "schedule": 60.0,
    },
    "notification-delivery-sweep": {
        "task": "notifications.tasks.delivery_sweep",
        "schedule": 600.0,
    },
    "notification-daily-digest": {
        "task": "notifications.tasks.daily_digest_dispatch",
        "schedule": crontab(minute=0, hour=7),
    },
    "commitment-reminders": {
        "task": "commitments.tasks.reminders_send",
        "schedule": crontab(minute=30, hour=7),
    },
    # Open and close consultations on their dates; remind a week before one closes.
    "consultations-advance": {
        "task": "consultations.tasks.advance",
        "schedule": 300.0,
    },
    # Hand queued SMS to the operator and retry those whose backoff is over (each send also
    # enqueues this task at once; the schedule catches what a lost task left behind).
    "sms-send": {
        "task": "notifications.tasks.sms_send",
        "schedule": 30.0,
    },
    # Received SMS that no task acted on (broker down when stored, worker lost): acted on once.
    "sms-inbound-sweep": {
        "task": "notifications.tasks.sms_inbound_sweep",
        "schedule": 60.0,
    },
    # Page views counted by the web processes into DailyUsage rows (evaluation/usage.py).
    "evaluation-usage-flush": {
        "task": "evaluation.tasks.usage_flush",
        "schedule": 60.0,
    },
    # Each commune's followers at the end of the day (the curve of followers over time).
    "evaluation-audience-snapshot": {
        "task": "evaluation.tasks.audience_snapshot",
        "schedule": crontab(minute=55, hour=23),
    },
    "clear-expired-sessions": {
        "task": "hub.tasks.clear_expired_sessions",
        "schedule": crontab(minute=27, hour=3),
    },
}
app.autodiscover_tasks()
