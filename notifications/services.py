"""Writes of the notifications app: fan-out of outbox events, reading, preferences, subscriptions.

Fan-out is exactly-once per (event, recipient, channel) by construction: every insert is an
``INSERT … SELECT … ON CONFLICT DO NOTHING`` against a unique constraint (``fanout_sql``), so a retry,
a re-drive or a second worker running the same event adds nothing, and what it counts and announces
is what its own statements inserted. Batches are keyset-paginated over followers (no per-follower
query): one read and up to four inserts per batch (in-app, e-mail, push, SMS).

SMS rows are inserted only for events with an SMS topic (``sms.alerts.topics_for``), start pending,
and become messages in ``notifications.tasks.sms_alerts_queue``, enqueued with the other deliveries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, NotFound
from hub.models import Commune, Follow, OutboxEvent, User
from hub.realtime.events import send_to_user_on_commit
from notifications.delivery import UNSUBSCRIBE_SALT
from notifications.events import notification_new_on_commit
from notifications.fanout_sql import (
    Sms,
    audience_chunk_size,
    audience_insert_batch,
    fan_out_channels,
    followers_insert_batch,
)
from notifications.models import Channel, Notification, NotificationPreference, PushSubscription, Status
from notifications.selectors import unread_count
from notifications.sms import alerts as sms_alerts
from workers.celery import app as celery_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanOutResult:
    """What one run of the fan-out did. ``in_app``, ``email``, ``push`` and ``sms`` count the rows THIS run
    inserted (a retry counts only what earlier runs left undone); ``followers`` is the size of the
    audience; ``already_done`` says the event had been (or was meanwhile) marked processed by another
    run, which sent the live event and enqueued delivery."""

    event_id: int
    followers: int
    in_app: int
    email: int
    push: int
    already_done: bool = False
    sms: int = 0


def _batch_size() -> int:
    return int(settings.NOTIFICATION_BATCH_SIZE)


@dataclass(frozen=True)
class _Plan:
    """How one event goes out: push configured or not, its SMS topic (None: no SMS), SMS only."""

    push: bool
    sms: Sms | None
    sms_only: bool

    @property
    def channels(self) -> list[Channel]:
        return fan_out_channels(push=self.push, sms=self.sms, sms_only=self.sms_only)


def _plan(event: OutboxEvent) -> _Plan:
    topics = sms_alerts.topics_for(event.kind, event.payload)
    sms = Sms(topics[0], topics[1], named=sms_alerts.sms_named(event.payload)) if topics else None
    return _Plan(bool(settings.VAPID_PRIVATE_KEY), sms, sms_alerts.sms_only(event.payload))


def _zero() -> dict[str, int]:
    return dict.fromkeys(Channel.values, 0)


def outbox_event_fan_out(*, event_id: int) -> FanOutResult:
    """Create the notifications of the event's audience (the commune's followers, the users the event
    names, or both), then mark it processed and let delivery start.

    Safe to run again at any point, and by two workers at once: rows are unique per (event,
    recipient, channel), each batch counts and announces only the rows it inserted, in the
    transaction that inserted them, and only the run that marks the event processed sends what is
    sent once per event.
    """
    event = OutboxEvent.objects.select_related("commune").filter(pk=event_id).first()
    if event is None:
        raise NotFound(f"outbox event {event_id} does not exist")
    if event.processed_at is not None:
        return FanOutResult(event_id, 0, 0, 0, 0, already_done=True)
    OutboxEvent.objects.filter(pk=event_id).update(attempts=F("attempts") + 1)
    plan = _plan(event)
    audience = audience_user_ids(event.payload)
    followers = audience is None or audience_includes_followers(event.payload)
    totals = _zero()
    recipients = 0
    if followers:
        # Followers first: a named user who follows the commune gets their rows here, and the named
        # pass below (the same unique rows) adds nothing for them, so nothing announces them twice
        # (except an SMS row the topic did not give them and the naming does: the answer to their
        # question asked by SMS).
        counts, recipients = _followers_fan_out(event, plan)
        _add(totals, counts)
    if audience:
        _add(totals, _audience_fan_out(event, audience, plan))
        recipients += len(audience) - (_followers_among(event.commune_id, audience) if followers else 0)
    with transaction.atomic():
        claimed = OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now(), last_error=""
        )
        if claimed:
            # The named users' own live events left with their rows; an SMS-only event has no
            # in-app row to announce.
            if followers and Channel.IN_APP in plan.channels:
                notification_new_on_commit(event.commune_id, _live_data(event))
            transaction.on_commit(lambda: _enqueue_delivery(event_id, sms=plan.sms is not None))
    return FanOutResult(
        event_id,
        recipients,
        totals[Channel.IN_APP],
        totals[Channel.EMAIL],
        totals[Channel.PUSH],
        already_done=not claimed,
        sms=totals[Channel.SMS],
    )


def _live_data(event: OutboxEvent) -> dict[str, Any]:
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "commune": event.commune.slug,
        "commune_name": event.commune.name,
        **{key: value for key, value in event.payload.items() if key != "audience"},
    }


def _followers_fan_out(event: OutboxEvent, plan: _Plan) -> tuple[dict[str, int], int]:
    """Every follower of the event's commune, in batches of followers by user id. The live event is
    one broadcast to the commune's followers group, sent by the caller once the event is processed."""
    totals = _zero()
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
            counts = followers_insert_batch(
                event_id=event.pk,
                commune_id=event.commune_id,
                low=low,
                high=high,
                now=timezone.now(),
                push=plan.push,
                sms=plan.sms,
                sms_only=plan.sms_only,
            )
        for channel, count in counts.items():
            totals[channel] += count
        low = high
    return totals, follows.count()


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for channel, count in counts.items():
        totals[channel] += count


def _followers_among(commune_id: int, user_ids: list[int]) -> int:
    """How many of the named users follow the commune (counted once in the audience's size)."""
    size = audience_chunk_size(_batch_size())
    return sum(
        Follow.objects.filter(commune_id=commune_id, user_id__in=user_ids[start : start + size]).count()
        for start in range(0, len(user_ids), size)
    )


def audience_user_ids(payload: dict[str, Any]) -> list[int] | None:
    """The explicit audience of an event (``payload["audience"]["user_ids"]``), if it names one.

    This is the seam for apps whose followers are not the commune's (a forum thread's followers, a
    commitment's watchers): they resolve the recipients when they record the event; this app never
    reads their tables. With ``"followers": true`` the commune's followers are told as well.
    """
    audience = payload.get("audience")
    if not isinstance(audience, dict):
        return None
    ids = audience.get("user_ids")
    if not isinstance(ids, list):
        return None
    return sorted({int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)})


def audience_includes_followers(payload: dict[str, Any]) -> bool:
    """Whether an event that names its audience also goes to the commune's followers
    (``payload["audience"]["followers"]`` is ``true``): each person still gets one notification per
    channel, whichever way they are reached."""
    audience = payload.get("audience")
    return isinstance(audience, dict) and audience.get("followers") is True


def _audience_fan_out(event: OutboxEvent, user_ids: list[int], plan: _Plan) -> dict[str, int]:
    """A named list of users, by chunks, with the same preference rule and exactly-once rows.

    Each recipient hears ``notification.new`` on their own sockets when, and only when, their in-app
    row is inserted: the broadcast is registered in the transaction that inserted the row, so a
    retried chunk, whose rows exist, announces nothing again.
    """
    totals = _zero()
    live_data = _live_data(event)
    size = audience_chunk_size(_batch_size())
    for start in range(0, len(user_ids), size):
        with transaction.atomic():
            batch = audience_insert_batch(
                event_id=event.pk,
                commune_id=event.commune_id,
                user_ids=user_ids[start : start + size],
                now=timezone.now(),
                push=plan.push,
                sms=plan.sms,
                sms_only=plan.sms_only,
            )
            for recipient_id in batch.in_app_recipients:
                send_to_user_on_commit(recipient_id, "notification.new", live_data)
        for channel, count in batch.counts.items():
            totals[channel] += count
    return totals


DELIVERY_TASKS = ("notifications.tasks.email_deliver", "notifications.tasks.push_deliver")
SMS_ALERTS_TASK = "notifications.tasks.sms_alerts_queue"


def _enqueue_delivery(event_id: int, *, sms: bool = False) -> None:
    # One try per channel: a failure to enqueue one never skips the others. Rows left pending are
    # picked up again by the periodic delivery sweep.
    for task in DELIVERY_TASKS + ((SMS_ALERTS_TASK,) if sms else ()):
        try:
            celery_app.tasks[task].apply_async(args=[event_id])
        except Exception:
            logger.exception("could not run %s for event %s; the delivery sweep will retry", task, event_id)


def delivery_pending_event_ids(*, older_than: timedelta) -> dict[str, list[int]]:
    """Events with e-mail, push or SMS rows still pending after ``older_than`` (lost tasks, outages)."""
    cutoff = timezone.now() - older_than
    channels = [Channel.EMAIL, Channel.PUSH, Channel.SMS]
    stale = Notification.objects.filter(status=Status.PENDING, channel__in=channels, created_at__lte=cutoff)
    found: dict[str, list[int]] = {channel: [] for channel in channels}
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


def _unread_count_changed_on_commit(user: User) -> None:
    """Every open tab and device of the user shows the new count, not only the one that read."""
    send_to_user_on_commit(user.pk, "notification.read", {"unread_count": unread_count(user=user)})


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own in-app notifications read (someone else's is ``NotFound``)."""
    with transaction.atomic():
        notification = (
            Notification.objects.in_app()
            .filter(pk=notification_id, recipient=user)
            .select_related("event")
            .first()
        )
        if notification is None:
            raise NotFound(_("No such notification."))
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _unread_count_changed_on_commit(user)
    return notification


def notification_mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        marked = Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())
        if marked:
            _unread_count_changed_on_commit(user)
    return marked


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
