"""SMS alerts: which events go out by SMS (their topic), and turning an event's SMS notification rows
into messages.

The fan-out (``notifications.services``) inserts one ``sms`` notification row per reachable person,
``pending``, with the same ``INSERT … SELECT`` as the other channels; ``topics_for`` tells it the
topic that person must have chosen. ``sms_alerts_queue`` then writes one ``SmsMessage`` per row
(exactly once: the message is one-to-one with its notification row) and settles the row: ``sent``
when the message is queued (the message row follows the delivery), ``failed`` with the reason when
it may not go (over budget, opted out, rate limited).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from hub.models import OutboxEvent
from notifications.models import Channel, Notification, Status
from notifications.sms import wording
from notifications.sms.models import BILLED_STATUSES, SmsStatus
from notifications.sms.outbound import sms_queue
from notifications.sms.subscriptions import DOCUMENT_TYPES

BATCH = 200

_KIND_TOPICS = {
    "contract.published": "contract",
    "agenda.published": "agenda",
    "session.live": "session",
    "session.question_answered": "answer",
    "session.poll_opened": "poll",
}

REASONS = {
    SmsStatus.OVER_BUDGET: "over budget",
    SmsStatus.OPTED_OUT: "opted out",
    SmsStatus.RATE_LIMITED: "rate limited",
}


def topics_for(kind: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """(the event's own topic, the catch-all topic of its kind), or None for kinds with no SMS."""
    if kind == "document.published":
        doc_type = payload.get("type")
        specific = f"document:{doc_type}" if doc_type in DOCUMENT_TYPES else "document"
        return specific, "document"
    if kind.startswith("commitment."):
        return "commitment", "commitment"
    topic = _KIND_TOPICS.get(kind)
    return (topic, topic) if topic else None


def sms_named(payload: dict[str, Any]) -> bool:
    """Whether the users the event names are reachable by SMS without the topic (``audience.sms``:
    the answer to a question asked by SMS)."""
    audience = payload.get("audience")
    return isinstance(audience, dict) and audience.get("sms") is True


def sms_only(payload: dict[str, Any]) -> bool:
    """Whether the event goes by SMS only (``"channels": ["sms"]``: a poll opening in a live session)."""
    return payload.get("channels") == [Channel.SMS.value]


def sms_alerts_queue(*, event_id: int) -> int:
    """Queue the message of every pending SMS notification of the event; returns how many this run
    queued. Safe to run again, and by two workers at once: each row is settled under its lock."""
    event = OutboxEvent.objects.select_related("commune").filter(pk=event_id).first()
    if event is None:
        return 0
    pending = Notification.objects.filter(event_id=event_id, channel=Channel.SMS, status=Status.PENDING)
    queued, after = 0, 0
    while True:
        ids = list(pending.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return queued
        for notification_id in ids:
            queued += _queue_one(event, notification_id)
        after = ids[-1]


def _queue_one(event: OutboxEvent, notification_id: int) -> int:
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update().filter(pk=notification_id, status=Status.PENDING).first()
        )
        if row is None:  # settled meanwhile by another run
            return 0
        user = row.recipient
        if not user.phone:
            _settle(row, ok=False, error="no phone number")
            return 0
        with translation.override(user.preferred_language or "fr"):
            text = wording.alert_text(event.kind, event.payload, event.commune.name)
        message = sms_queue(
            phone=user.phone, text=text, kind=event.kind, commune=event.commune, user=user, notification=row
        )
        ok = message.status in BILLED_STATUSES
        _settle(row, ok=ok, error="" if ok else REASONS.get(SmsStatus(message.status), message.status))
        return 1 if ok else 0


def _settle(row: Notification, *, ok: bool, error: str) -> None:
    row.status = Status.SENT if ok else Status.FAILED
    row.sent_at = timezone.now() if ok else None
    row.attempts += 1
    row.last_error = error
    row.save(update_fields=["status", "sent_at", "attempts", "last_error"])
