"""Celery tasks of SMS (thin: ids in, one call, safe to run twice). Registered by the app's ready().

- ``sms_send``: hand queued messages to the operator (and retry those whose backoff is over).
- ``sms_inbound_process``: act on one received message (once: the row records that it was done).
- ``sms_alerts_queue``: turn an event's SMS notification rows into messages (budget, opt-out, limits).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="notifications.tasks.sms_send")
def sms_send() -> int:
    from notifications.sms import sending

    return sending.sms_send_queued()


@shared_task(name="notifications.tasks.sms_inbound_process", acks_late=True)
def sms_inbound_process(inbound_id: int) -> str:
    from notifications.sms import inbound

    return inbound.inbound_process(inbound_id=inbound_id)


@shared_task(name="notifications.tasks.sms_alerts_queue", acks_late=True)
def sms_alerts_queue(event_id: int) -> int:
    from notifications.sms import alerts

    return alerts.sms_alerts_queue(event_id=event_id)
