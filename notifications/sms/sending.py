"""Hand queued SMS to the operator and record what it answered; record its delivery receipts.

``sms_send_queued`` runs every 30 s (and after each ``sms_queue``) from any number of workers:
1. claim: in one short transaction, take QUEUED rows that are due (``select_for_update(skip_locked)``
   where the database has it) and push their ``next_attempt_at`` a little into the future, so a
   second worker running at the same time skips them, and a worker that dies mid-batch only delays
   them by ``CLAIM_SECONDS``;
2. send: outside any transaction (never the network inside one), after checking once more that
   no number said STOP since its message was queued (the STOP confirmation itself excepted);
3. record: one small update per row, guarded by ``status=QUEUED`` so a row is settled once.

A temporary refusal is retried after 30 s × 2^attempts (at most 30 minutes), until
``SMS_MAX_ATTEMPTS`` tries; a permanent one fails the row at once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.sms.models import SmsCommuneSettings, SmsMessage, SmsProfile, SmsStatus
from notifications.sms.transport import OutgoingSms, SubmitResult, get_transport

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 300
# Claimed and sent a few at a time: a chunk must be sent well within its claim (10 messages at the
# transports' longest wait, 15 s, is 150 s), or a second worker would claim and send it again.
CHUNK = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 30 * 60
STOP_CONFIRMATION_KIND = "reply.stop"


def backoff(attempts_before: int) -> datetime.timedelta:
    """The wait before the next try of a message that already failed ``attempts_before`` times."""
    return datetime.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**attempts_before, BACKOFF_MAX_SECONDS))


def _claim(limit: int) -> list[SmsMessage]:
    now = timezone.now()
    with transaction.atomic():
        due = SmsMessage.objects.filter(status=SmsStatus.QUEUED).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("reply_to").order_by("id")[:limit])
        if rows:
            SmsMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_attempt_at=now + datetime.timedelta(seconds=CLAIM_SECONDS)
            )
    return rows


def _stopped_since_queued(rows: list[SmsMessage]) -> set[int]:
    """Rows whose number said STOP after the row was queued (not the STOP confirmation)."""
    candidates = [r for r in rows if r.kind != STOP_CONFIRMATION_KIND]
    if not candidates:
        return set()
    stops = {
        phone: stopped_at
        for phone, stopped_at in SmsProfile.objects.filter(
            opted_out_at__isnull=False, user__phone__in={r.phone for r in candidates}
        ).values_list("user__phone", "opted_out_at")
        if phone and stopped_at
    }
    return {r.pk for r in candidates if r.phone in stops and stops[r.phone] > r.created_at}


def _sources(rows: list[SmsMessage]) -> dict[int, str]:
    """The number each message goes out from: the one the person texted for a reply, else the
    commune's own number, else the shared number."""
    numbers = dict(
        SmsCommuneSettings.objects.filter(commune_id__in={r.commune_id for r in rows if r.commune_id})
        .exclude(number="")
        .values_list("commune_id", "number")
    )
    sources = {}
    for row in rows:
        replied = row.reply_to.destination if row.reply_to_id and row.reply_to else ""
        sources[row.pk] = replied or numbers.get(row.commune_id or 0, "") or settings.SMS_SHARED_NUMBER
    return sources


def _record(row: SmsMessage, result: SubmitResult) -> str:
    now = timezone.now()
    queued = SmsMessage.objects.filter(pk=row.pk, status=SmsStatus.QUEUED)
    attempts = row.attempts + 1
    if result.ok:
        fields = {
            "carrier_id": result.carrier_id,
            "submitted_at": now,
            "attempts": attempts,
            "last_error": "",
        }
        if result.delivered:
            queued.update(status=SmsStatus.DELIVERED, delivered_at=now, **fields)
            return SmsStatus.DELIVERED
        queued.update(status=SmsStatus.SUBMITTED, **fields)
        return SmsStatus.SUBMITTED
    if result.temporary and attempts < settings.SMS_MAX_ATTEMPTS:
        queued.update(attempts=attempts, last_error=result.error, next_attempt_at=now + backoff(row.attempts))
        return SmsStatus.QUEUED
    logger.warning("SMS %s to %s failed after %s attempt(s): %s", row.pk, row.phone, attempts, result.error)
    queued.update(status=SmsStatus.FAILED, attempts=attempts, last_error=result.error, next_attempt_at=None)
    return SmsStatus.FAILED


def sms_send_queued(*, limit: int = 200) -> int:
    """Send the due queued messages once (up to ``limit``, a chunk at a time); the number handed to
    the operator successfully."""
    sent = handled = 0
    while handled < limit:
        rows = _claim(min(CHUNK, limit - handled))
        if not rows:
            break
        handled += len(rows)
        sent += _send_chunk(rows)
    return sent


def _over_budget_now(rows: list[SmsMessage]) -> set[int]:
    """Rows of communes whose budget is now 0: "0 stops every SMS" holds for what was queued."""
    commune_ids = {r.commune_id for r in rows if r.commune_id}
    if not commune_ids:
        return set()
    funded = set(
        SmsCommuneSettings.objects.filter(commune_id__in=commune_ids, monthly_budget_xof__gt=0).values_list(
            "commune_id", flat=True
        )
    )
    return {r.pk for r in rows if r.commune_id and r.commune_id not in funded}


def _send_chunk(rows: list[SmsMessage]) -> int:
    unfunded = _over_budget_now(rows)
    if unfunded:
        SmsMessage.objects.filter(pk__in=unfunded, status=SmsStatus.QUEUED).update(
            status=SmsStatus.OVER_BUDGET, next_attempt_at=None
        )
    rows = [r for r in rows if r.pk not in unfunded]
    stopped = _stopped_since_queued(rows)
    if stopped:
        SmsMessage.objects.filter(pk__in=stopped, status=SmsStatus.QUEUED).update(
            status=SmsStatus.OPTED_OUT, next_attempt_at=None
        )
    to_send = [r for r in rows if r.pk not in stopped]
    sources = _sources(to_send)
    results = get_transport().submit_batch(
        [OutgoingSms(id=r.pk, phone=r.phone, text=r.text, source=sources[r.pk]) for r in to_send]
    )
    by_id = {r.pk: r for r in to_send}
    sent = 0
    for result in results:
        _record(by_id[result.id], result)
        sent += result.ok
    return sent


def receipt_record(*, carrier_id: str, delivered: bool, raw: str) -> bool:
    """The operator's delivery receipt for ``carrier_id``: DELIVERED or FAILED, the receipt kept.
    False (and logged) when no message has that id."""
    if not carrier_id:
        return False
    now = timezone.now()
    fields: dict[str, object] = {"receipt": raw[:2000]}
    if delivered:
        fields.update(status=SmsStatus.DELIVERED, delivered_at=now)
    else:
        fields.update(status=SmsStatus.FAILED, last_error=f"receipt: {raw[:200]}")
    updated = SmsMessage.objects.filter(
        carrier_id=carrier_id, status__in=(SmsStatus.SUBMITTED, SmsStatus.DELIVERED, SmsStatus.FAILED)
    ).update(**fields)
    if not updated:
        logger.info("SMS receipt for unknown message id %r ignored: %s", carrier_id, raw[:200])
    return bool(updated)
