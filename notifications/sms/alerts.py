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

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from hub.models import OutboxEvent
from notifications.models import Channel, Notification, Status
from notifications.sms import wording
from notifications.sms.budget import month_spent, sms_settings_lock
from notifications.sms.models import SmsMessage, SmsProfile, SmsStatus
from notifications.sms.outbound import alerts_today, enqueue_send, measured
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
    queued. Safe to run again, and by two workers at once: each batch of rows is settled under their
    locks, in the transaction that writes their messages."""
    event = OutboxEvent.objects.select_related("commune").filter(pk=event_id).first()
    if event is None:
        return 0
    pending = Notification.objects.filter(event_id=event_id, channel=Channel.SMS, status=Status.PENDING)
    queued, after = 0, 0
    while True:
        ids = list(pending.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return queued
        made = _queue_batch(event, ids)
        queued += made
        if made:
            transaction.on_commit(enqueue_send)  # once per batch, not once per message
        after = ids[-1]


def _queue_batch(event: OutboxEvent, ids: list[int]) -> int:
    """One batch in one transaction, with a constant number of queries: the commune's settings row
    locked once (the budget), then every check read for the whole batch (STOPs, today's alerts per
    number), the messages written in bulk, and the rows settled in bulk."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, status=Status.PENDING)
            .select_related("recipient")
            .order_by("pk")
        )
        if not rows:  # settled meanwhile by another run
            return 0
        settings_row = sms_settings_lock(commune_id=event.commune_id)
        left = settings_row.monthly_budget_xof - month_spent(commune_id=event.commune_id)
        phones = {row.recipient.phone for row in rows if row.recipient.phone}
        stopped = set(
            SmsProfile.objects.filter(user__phone__in=phones, opted_out_at__isnull=False).values_list(
                "user__phone", flat=True
            )
        )
        today = alerts_today(phones)
        per_day = int(settings.SMS_OUTBOUND_PER_DAY)
        messages: list[SmsMessage] = []
        outcomes: dict[str, list[int]] = {}
        for row in rows:
            user = row.recipient
            if not user.phone:
                outcomes.setdefault("no phone number", []).append(row.pk)
                continue
            with translation.override(user.preferred_language or "fr"):
                text = wording.alert_text(event.kind, event.payload, event.commune.name)
            text, length, cost = measured(text)
            if user.phone in stopped:
                status = SmsStatus.OPTED_OUT
            elif today.get(user.phone, 0) >= per_day:
                status = SmsStatus.RATE_LIMITED
            elif not settings_row.monthly_budget_xof or cost > left:
                status = SmsStatus.OVER_BUDGET
            else:
                status = SmsStatus.QUEUED
                left -= cost
                today[user.phone] = today.get(user.phone, 0) + 1
            messages.append(
                SmsMessage(
                    commune_id=event.commune_id,
                    user=user,
                    phone=user.phone,
                    notification=row,
                    kind=event.kind,
                    text=text,
                    encoding=length.encoding,
                    segments=length.segments,
                    cost_xof=cost,
                    status=status,
                )
            )
            outcomes.setdefault("" if status == SmsStatus.QUEUED else REASONS[status], []).append(row.pk)
        SmsMessage.objects.bulk_create(messages)
        now = timezone.now()
        for error, row_ids in outcomes.items():
            Notification.objects.filter(pk__in=row_ids).update(
                status=Status.FAILED if error else Status.SENT,
                sent_at=None if error else now,
                attempts=F("attempts") + 1,
                last_error=error,
            )
        return len(outcomes.get("", []))
