"""Queueing one outbound SMS: every message is a row first, and the row says whether it may go.

In one transaction, with the commune's settings row locked (``budget.sms_settings_lock``) so that two
senders cannot both spend the last franc, ``sms_queue`` decides the row's status:

- ``opted_out``: the number said STOP (``force`` sends anyway: the STOP confirmation, AIDE);
- ``rate_limited``: an alert past ``SMS_OUTBOUND_PER_DAY`` alerts to the number in 24 hours (replies
  to what a person wrote are not limited by this: they are limited on the way in);
- ``over_budget``: the commune's monthly budget would be passed (no commune: a platform reply, billed
  to nobody);
- else ``queued``, handed to the transport by ``notifications.tasks.sms_send`` after commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import InvalidInput
from hub.models import Commune, User
from hub.phone import normalize_benin_phone
from notifications.models import Notification
from notifications.sms import gsm7
from notifications.sms.budget import budget_allows, sms_settings_lock
from notifications.sms.models import BILLED_STATUSES, InboundSms, SmsMessage, SmsProfile, SmsStatus
from workers.celery import app as celery_app

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.sms_send"
# A text we send is at most this many segments (ours are fitted to one; a handler's may be longer).
MAX_SEGMENTS = 3


def sms_cost_xof(segments: int) -> int:
    return segments * int(settings.SMS_COST_XOF)


def _text_fitted(text: str) -> str:
    text = gsm7.fold(text.strip())
    if gsm7.measure(text).segments > MAX_SEGMENTS:
        text = gsm7.fit(text, limit=MAX_SEGMENTS * gsm7.GSM7_PART)
    return text


def measured(text: str) -> tuple[str, gsm7.Length, int]:
    """The text as it will be sent (folded, at most ``MAX_SEGMENTS``), its length and its cost."""
    fitted = _text_fitted(text or "")
    length = gsm7.measure(fitted)
    return fitted, length, sms_cost_xof(length.segments)


def alerts_today(phones: set[str]) -> dict[str, int]:
    """Alerts billed to each number in the last 24 hours (replies to what a person wrote excluded)."""
    if not phones:
        return {}
    rows = (
        SmsMessage.objects.filter(
            phone__in=phones,
            reply_to__isnull=True,
            status__in=BILLED_STATUSES,
            created_at__gte=timezone.now() - timedelta(days=1),
        )
        .values("phone")
        .annotate(n=Count("id"))
    )
    return {row["phone"]: int(row["n"]) for row in rows}


def _status(*, phone: str, commune: Commune | None, cost: int, alert: bool, force: bool) -> SmsStatus:
    if not force and SmsProfile.objects.filter(user__phone=phone, opted_out_at__isnull=False).exists():
        return SmsStatus.OPTED_OUT
    if alert and alerts_today({phone}).get(phone, 0) >= int(settings.SMS_OUTBOUND_PER_DAY):
        return SmsStatus.RATE_LIMITED
    if commune is not None and not budget_allows(commune_id=commune.pk, cost_xof=cost):
        return SmsStatus.OVER_BUDGET
    return SmsStatus.QUEUED


def sms_queue(
    *,
    phone: str,
    text: str,
    kind: str,
    commune: Commune | None,
    user: User | None = None,
    notification: Notification | None = None,
    reply_to: InboundSms | None = None,
    force: bool = False,
) -> SmsMessage:
    """Record one message to ``phone`` (E.164 Benin number) and decide whether it goes (see the
    module). For a notification, at most one message ever exists: a second call returns it."""
    try:
        phone = normalize_benin_phone(phone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, fields={"phone": [exc.message]}) from exc
    text = _text_fitted(text or "")
    if not text:
        raise InvalidInput(fields={"text": [_("The message is empty.")]})
    if not kind or len(kind) > 48:
        raise InvalidInput(fields={"kind": [_("A kind of message, up to 48 characters.")]})
    length = gsm7.measure(text)
    cost = sms_cost_xof(length.segments)
    if notification is not None:
        existing = SmsMessage.objects.filter(notification=notification).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            if commune is not None:
                sms_settings_lock(commune_id=commune.pk)
            status = _status(
                phone=phone, commune=commune, cost=cost, alert=reply_to is None and not force, force=force
            )
            message = SmsMessage.objects.create(
                commune=commune,
                user=user,
                phone=phone,
                notification=notification,
                reply_to=reply_to,
                kind=kind,
                text=text,
                encoding=length.encoding,
                segments=length.segments,
                cost_xof=cost,
                status=status,
            )
    except IntegrityError:  # another worker queued this notification's message first
        if notification is None:
            raise
        return SmsMessage.objects.get(notification=notification)
    if status == SmsStatus.QUEUED:
        transaction.on_commit(enqueue_send)
    return message


def enqueue_send() -> None:
    try:
        celery_app.tasks[SEND_TASK].apply_async()
    except Exception:  # the beat runs sms_send every 30 s: the row waits for it
        logger.exception("could not enqueue %s; the periodic run will send the message", SEND_TASK)
