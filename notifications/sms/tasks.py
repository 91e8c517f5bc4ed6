"""Celery tasks of SMS (thin: ids in, one call, safe to run twice). Registered by the app's ready().

- ``sms_send``: hand queued messages to the operator (and retry those whose backoff is over).
- ``sms_inbound_process``: act on one received message (once: the row records that it was done).
- ``sms_alerts_queue``: turn an event's SMS notification rows into messages (budget, opt-out, limits).
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError


@shared_task(name="notifications.tasks.sms_send")
def sms_send() -> int:
    from notifications.sms import sending

    return sending.sms_send_queued()


@shared_task(
    name="notifications.tasks.sms_inbound_process",
    acks_late=True,
    autoretry_for=(OperationalError,),  # a deadlock or a lost connection: try again
    retry_backoff=5,
    max_retries=5,
)
def sms_inbound_process(inbound_id: int) -> str:
    from notifications.sms import inbound

    return inbound.inbound_process(inbound_id=inbound_id)


@shared_task(name="notifications.tasks.sms_inbound_sweep")
def sms_inbound_sweep() -> int:
    """Act on received messages nobody acted on (the broker was down when one was stored, a worker
    died, a retry gave up): the operator was told we have them, so nothing else will resend them."""
    from notifications.sms import inbound

    ids = inbound.inbound_unprocessed_ids(older_than=timedelta(minutes=1))
    for inbound_id in ids:
        sms_inbound_process.apply_async(args=[inbound_id])
    return len(ids)


@shared_task(name="notifications.tasks.sms_alerts_queue", acks_late=True)
def sms_alerts_queue(event_id: int) -> int:
    from notifications.sms import alerts

    return alerts.sms_alerts_queue(event_id=event_id)
