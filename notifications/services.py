"""Writes of the notifications app: fan-out of outbox events, reading, preferences, subscriptions.

Fan-out is exactly-once per (event, recipient, channel) by construction: every insert is
``bulk_create(ignore_conflicts=True)`` against a unique constraint, so a retry, a re-drive or a second
worker running the same event adds nothing. Batches are keyset-paginated over followers (no
per-follower query): three reads and up to three bulk inserts per batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, NotFound
from hub.models import Commune, Follow, OutboxEvent, User
from hub.realtime.events import send_to_user_on_commit
from notifications.delivery import UNSUBSCRIBE_SALT
from notifications.events import notification_new_on_commit
from notifications.fanout_sql import insert_batch
from notifications.models import Channel, Notification, NotificationPreference, PushSubscription, Status
from notifications.preferences import channel_choice, resolve_preferences
from workers.celery import app as celery_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanOutResult:
    event_id: int
    followers: int
    in_app: int
    email: int
    push: int
    already_done: bool = False


def _batch_size() -> int:
    return int(settings.NOTIFICATION_BATCH_SIZE)


def outbox_event_fan_out(*, event_id: int) -> FanOutResult:
    """Create the notifications of every follower of the event's commune, then announce it live."""
    event = OutboxEvent.objects.select_related("commune").filter(pk=event_id).first()
    if event is None:
        raise NotFound(f"outbox event {event_id} does not exist")
    if event.processed_at is not None:
        return FanOutResult(event_id, 0, 0, 0, 0, already_done=True)
    OutboxEvent.objects.filter(pk=event_id).update(attempts=event.attempts + 1)
    push_ready = bool(settings.VAPID_PRIVATE_KEY)
    audience = audience_user_ids(event.payload)
    if audience is not None:
        return _audience_fan_out(event, audience, push_ready)
    totals = {"followers": 0, Channel.IN_APP: 0, Channel.EMAIL: 0, Channel.PUSH: 0}
    follows = Follow.objects.filter(commune_id=event.commune_id).order_by("user_id")
    low = 0
    while True:
        # The batch is the next `size` followers after `low`: one indexed read for its upper bound.
        size = _batch_size()
        bound = list(follows.filter(user_id__gt=low).values_list("user_id", flat=True)[size - 1 : size])
        high = bound[0] if bound else None
        if high is None:
            last = follows.filter(user_id__gt=low).values_list("user_id", flat=True).last()
            if last is None:
                break
            high = last
        with transaction.atomic():
            counts = insert_batch(
                event_id=event_id,
                commune_id=event.commune_id,
                low=low,
                high=high,
                now=timezone.now(),
                push=push_ready,
            )
        for channel, count in counts.items():
            totals[channel] += count
        low = high
    totals["followers"] = follows.count()
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now(), last_error=""
        )
        notification_new_on_commit(
            event.commune_id,
            {
                "event_id": event_id,
                "kind": event.kind,
                "commune": event.commune.slug,
                "commune_name": event.commune.name,
                **event.payload,
            },
        )
        transaction.on_commit(lambda: _enqueue_delivery(event_id))
    return FanOutResult(
        event_id, totals["followers"], totals[Channel.IN_APP], totals[Channel.EMAIL], totals[Channel.PUSH]
    )


def audience_user_ids(payload: dict[str, Any]) -> list[int] | None:
    """The explicit audience of an event (``payload["audience"]["user_ids"]``), if it names one.

    This is the seam for apps whose followers are not the commune's (a forum thread's followers):
    they resolve the recipients when they record the event; this app never reads their tables.
    """
    audience = payload.get("audience")
    if not isinstance(audience, dict):
        return None
    ids = audience.get("user_ids")
    if not isinstance(ids, list):
        return None
    return sorted({int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)})


def _audience_fan_out(event: OutboxEvent, user_ids: list[int], push_ready: bool) -> FanOutResult:
    """Fan out to a named list of users, with the same preferences and exactly-once rows."""
    totals: dict[str, int] = {Channel.IN_APP: 0, Channel.EMAIL: 0, Channel.PUSH: 0}
    now = timezone.now()
    live_data = {
        "event_id": event.pk,
        "kind": event.kind,
        "commune": event.commune.slug,
        "commune_name": event.commune.name,
        **{key: value for key, value in event.payload.items() if key != "audience"},
    }
    size = _batch_size()
    for start in range(0, len(user_ids), size):
        batch = user_ids[start : start + size]
        users = list(User.objects.filter(pk__in=batch, is_active=True).values_list("pk", "email"))
        prefs = resolve_preferences([pk for pk, _email in users], event.commune_id)
        subscribed = (
            set(PushSubscription.objects.filter(user_id__in=batch).values_list("user_id", flat=True))
            if push_ready
            else set()
        )
        rows: list[Notification] = []
        for pk, email in users:
            if channel_choice(prefs, pk, Channel.IN_APP).enabled:
                rows.append(
                    Notification(
                        event=event, recipient_id=pk, channel=Channel.IN_APP, status=Status.SENT, sent_at=now
                    )
                )
            email_choice = channel_choice(prefs, pk, Channel.EMAIL)
            if email and email_choice.enabled:
                status = Status.DIGEST if email_choice.daily_digest else Status.PENDING
                rows.append(Notification(event=event, recipient_id=pk, channel=Channel.EMAIL, status=status))
            if pk in subscribed and channel_choice(prefs, pk, Channel.PUSH).enabled:
                rows.append(Notification(event=event, recipient_id=pk, channel=Channel.PUSH))
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            for row in rows:
                totals[row.channel] += 1
                if row.channel == Channel.IN_APP:
                    send_to_user_on_commit(row.recipient_id, "notification.new", live_data)
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            processed_at=timezone.now(), last_error=""
        )
        event_id = event.pk
        transaction.on_commit(lambda: _enqueue_delivery(event_id))
    return FanOutResult(
        event.pk, len(user_ids), totals[Channel.IN_APP], totals[Channel.EMAIL], totals[Channel.PUSH]
    )


def _enqueue_delivery(event_id: int) -> None:
    # One try per channel: a failure to enqueue one never skips the other. Rows left pending are
    # picked up again by the periodic delivery sweep.
    for task in ("notifications.tasks.email_deliver", "notifications.tasks.push_deliver"):
        try:
            celery_app.tasks[task].apply_async(args=[event_id])
        except Exception:
            logger.exception("could not run %s for event %s; the delivery sweep will retry", task, event_id)


def delivery_pending_event_ids(*, older_than: timedelta) -> dict[str, list[int]]:
    """Events with e-mail or push rows still pending after ``older_than`` (lost tasks, outages)."""
    cutoff = timezone.now() - older_than
    stale = Notification.objects.filter(
        status=Status.PENDING, channel__in=[Channel.EMAIL, Channel.PUSH], created_at__lte=cutoff
    )
    found: dict[str, list[int]] = {Channel.EMAIL: [], Channel.PUSH: []}
    for channel, event_id in stale.values_list("channel", "event_id").distinct()[:1000]:
        found[channel].append(event_id)
    return found


def outbox_pending_event_ids(*, older_than: timedelta) -> list[int]:
    """Events nobody finished: broker down at publish time, worker killed mid-way."""
    cutoff = timezone.now() - older_than
    return list(
        OutboxEvent.objects.pending().filter(created_at__lte=cutoff).values_list("pk", flat=True)[:500]
    )


# --- Reading --------------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.in_app().filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())


# --- Unsubscribe links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsubscribeTarget:
    user: User
    commune: Commune | None


def unsubscribe_target(*, token: str) -> UnsubscribeTarget:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]))
        commune = Commune.objects.get(pk=int(data["c"])) if data.get("c") else None
    except (
        signing.BadSignature,
        KeyError,
        TypeError,
        ValueError,
        User.DoesNotExist,
        Commune.DoesNotExist,
    ) as exc:
        raise InvalidInput(_("This unsubscribe link is not valid."), code="invalid_unsubscribe_link") from exc
    return UnsubscribeTarget(user=user, commune=commune)


def email_unsubscribe(*, target: UnsubscribeTarget) -> NotificationPreference:
    """Stop e-mails (for one commune, or all) and drop the ones still waiting to be sent."""
    with transaction.atomic():
        preference = preference_set(
            user=target.user, channel=Channel.EMAIL, enabled=False, commune=target.commune
        )
        waiting = Notification.objects.filter(
            recipient=target.user, channel=Channel.EMAIL, status__in=[Status.PENDING, Status.DIGEST]
        )
        if target.commune is not None:
            waiting = waiting.filter(event__commune=target.commune)
        waiting.delete()
    return preference


# --- Preferences and subscriptions ----------------------------------------------------------------


def preference_set(
    *, user: User, channel: str, enabled: bool, commune: Commune | None = None, daily_digest: bool = False
) -> NotificationPreference:
    if channel not in Channel.values:
        raise InvalidInput(fields={"channel": [_("Unknown channel.")]})
    if daily_digest and channel != Channel.EMAIL:
        raise InvalidInput(fields={"daily_digest": [_("Only e-mail has a daily digest.")]})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            user=user,
            commune=commune,
            channel=channel,
            defaults={"enabled": enabled, "daily_digest": daily_digest},
        )
    return preference


def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> bool:
    deleted, _details = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted > 0
