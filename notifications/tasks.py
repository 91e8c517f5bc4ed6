"""Celery tasks of the notifications app (thin: ids in, one service call, safe to run twice)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings

from hub.errors import NotFound
from notifications import delivery, services
from notifications.models import Channel, Notification, Status

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.outbox_event_dispatch", acks_late=True)
def outbox_event_dispatch(event_id: int) -> dict[str, int]:
    try:
        result = services.outbox_event_fan_out(event_id=event_id)
    except NotFound:  # deleted since (its commune was removed): nothing left to announce
        logger.warning("outbox event %s no longer exists; nothing to dispatch", event_id)
        return {"followers": 0, "in_app": 0, "email": 0, "push": 0, "sms": 0}
    # What THIS run inserted: a re-drive after a crash reports only what the crash left undone.
    logger.info(
        "outbox event %s: %d in-app, %d e-mail, %d push, %d SMS notifications for an audience of %d%s",
        event_id,
        result.in_app,
        result.email,
        result.push,
        result.sms,
        result.followers,
        " (already processed)" if result.already_done else "",
    )
    return {
        "followers": result.followers,
        "in_app": result.in_app,
        "email": result.email,
        "push": result.push,
        "sms": result.sms,
    }


@shared_task(name="notifications.tasks.outbox_redrive")
def outbox_redrive() -> int:
    """Re-enqueue events left behind (broker down at publish time, worker killed mid-way)."""
    event_ids = services.outbox_pending_event_ids(older_than=timedelta(seconds=settings.OUTBOX_REDRIVE_AFTER))
    for event_id in event_ids:
        outbox_event_dispatch.apply_async(args=[event_id])
    return len(event_ids)


@shared_task(
    name="notifications.tasks.email_deliver",
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def email_deliver(self: Task, event_id: int) -> int:
    total, after_id = 0, 0
    while True:
        result = delivery.email_deliver_batch(event_id=event_id, after_id=after_id)
        total += result.sent
        if not result.remaining:
            return total
        after_id = result.last_id


@shared_task(name="notifications.tasks.push_deliver", bind=True, max_retries=None)
def push_deliver(self: Task, event_id: int) -> int:
    result = delivery.push_deliver(event_id=event_id)
    # Each run counts an attempt on the rows it could not deliver; after DELIVERY_MAX_ATTEMPTS they
    # are failed and nothing remains. In-process (embedded mode) the periodic sweep retries instead.
    if result.remaining and not self.request.is_eager:
        raise self.retry(countdown=min(600, 30 * 2 ** min(self.request.retries, 5)))
    return result.sent


@shared_task(name="notifications.tasks.delivery_sweep")
def delivery_sweep() -> dict[str, int]:
    """Re-run e-mail, push and SMS delivery for rows still pending after ten minutes."""
    from notifications.sms.tasks import sms_alerts_queue

    stale = services.delivery_pending_event_ids(older_than=timedelta(minutes=10))
    for event_id in stale[Channel.EMAIL]:
        email_deliver.apply_async(args=[event_id])
    for event_id in stale[Channel.PUSH]:
        push_deliver.apply_async(args=[event_id])
    for event_id in stale[Channel.SMS]:
        sms_alerts_queue.apply_async(args=[event_id])
    return {channel: len(ids) for channel, ids in stale.items()}


DIGEST_CHUNK = 200


@shared_task(name="notifications.tasks.daily_digest_dispatch")
def daily_digest_dispatch() -> int:
    """Enqueue one job per chunk of users WITH pending digest items (never one per subscriber)."""
    user_ids = list(
        Notification.objects.filter(channel=Channel.EMAIL, status=Status.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    for start in range(0, len(user_ids), DIGEST_CHUNK):
        daily_digest_send.apply_async(args=[user_ids[start : start + DIGEST_CHUNK]])
    return len(user_ids)


@shared_task(
    name="notifications.tasks.daily_digest_send",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    max_retries=6,
)
def daily_digest_send(user_ids: list[int]) -> int:
    return sum(delivery.digest_send(user_id=user_id) for user_id in user_ids)
