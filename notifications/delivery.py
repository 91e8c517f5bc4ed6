"""Delivering e-mail and Web Push notifications. Each channel fails on its own: an SMTP outage
never blocks push or in-app, and is retried with backoff by the task that called in here.

E-mail is at-least-once: a worker killed between the SMTP answer and the status update sends that
batch again on retry. In-app notifications are exactly-once (see services).
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from http_ece import ECEException
from pywebpush import WebPushException, webpush

from notifications import wording
from notifications.models import Channel, Notification, PushSubscription, Status

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "communesplus.unsubscribe"
EMAIL_BATCH = 500


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int
    remaining: int  # for e-mail: 1 when another batch may follow, 0 when done
    last_id: int = 0


def unsubscribe_token(user_id: int, commune_id: int | None) -> str:
    return signing.dumps({"u": user_id, "c": commune_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int, commune_id: int | None) -> str:
    path = reverse("frontend:unsubscribe", kwargs={"token": unsubscribe_token(user_id, commune_id)})
    return settings.SITE_URL.rstrip("/") + path


def _email_for(notification: Notification) -> EmailMultiAlternatives:
    user = notification.recipient
    event = notification.event
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "commune": event.commune,
            "payload": event.payload,
            "label": wording.label(event.kind, event.payload),
            **wording.email_lines(event.kind, event.commune.name),
            "link": settings.SITE_URL.rstrip("/") + str(event.payload.get("path", "/")),
            "unsubscribe": unsubscribe_url(user.pk, event.commune_id),
        }
        subject = render_to_string("notifications/email/publication_subject.txt", context).strip()
        body = render_to_string("notifications/email/publication.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [str(user.email)])
    message.extra_headers["List-Unsubscribe"] = f"<{context['unsubscribe']}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _record_failure(ids: list[int], error: str) -> None:
    Notification.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, last_error=error[:500])
    Notification.objects.filter(pk__in=ids, attempts__gte=settings.DELIVERY_MAX_ATTEMPTS).update(
        status=Status.FAILED
    )


def email_deliver_batch(*, event_id: int, after_id: int = 0) -> DeliveryResult:
    """Send up to EMAIL_BATCH pending e-mails of the event over one SMTP connection.

    Raises ``OSError``/``SMTPException`` when the server cannot be reached, after recording the
    attempt, so that the task retries with backoff.
    """
    pending = list(
        Notification.objects.filter(
            event_id=event_id, channel=Channel.EMAIL, status=Status.PENDING, pk__gt=after_id
        )
        .select_related("recipient", "event", "event__commune")
        .order_by("pk")[:EMAIL_BATCH]
    )
    if not pending:
        return DeliveryResult(0, 0, 0, after_id)
    sent_ids: list[int] = []
    refused: dict[int, str] = {}
    for notification in pending:
        if not notification.recipient.email:  # removed since the fan-out
            refused[notification.pk] = "the recipient has no e-mail address any more"
    try:
        with get_connection() as connection:
            for notification in pending:
                if notification.pk in refused:
                    continue
                try:
                    connection.send_messages([_email_for(notification)])
                    sent_ids.append(notification.pk)
                except smtplib.SMTPRecipientsRefused as exc:  # this address only: permanent
                    refused[notification.pk] = str(exc)
    except (OSError, smtplib.SMTPException) as exc:
        Notification.objects.filter(pk__in=sent_ids).update(status=Status.SENT, sent_at=timezone.now())
        _record_failure([n.pk for n in pending if n.pk not in sent_ids], f"{type(exc).__name__}: {exc}")
        raise
    Notification.objects.filter(pk__in=sent_ids).update(status=Status.SENT, sent_at=timezone.now())
    for pk, error in refused.items():
        Notification.objects.filter(pk=pk).update(status=Status.FAILED, last_error=error[:500])
    more = len(pending) == EMAIL_BATCH
    return DeliveryResult(len(sent_ids), len(refused), int(more), pending[-1].pk)


def push_deliver(*, event_id: int) -> DeliveryResult:
    """Send every pending push notification of the event; forget subscriptions that are gone."""
    if not settings.VAPID_PRIVATE_KEY:
        return DeliveryResult(0, 0, 0)
    pending = list(
        Notification.objects.filter(
            event_id=event_id, channel=Channel.PUSH, status=Status.PENDING
        ).select_related("event", "event__commune")
    )
    subscriptions: dict[int, list[PushSubscription]] = {}
    for subscription in PushSubscription.objects.filter(user_id__in=[n.recipient_id for n in pending]):
        subscriptions.setdefault(subscription.user_id, []).append(subscription)
    sent = failed = 0
    session = requests.Session()
    for notification in pending:
        payload = json.dumps(
            {
                "title": notification.event.commune.name,
                "body": wording.push_body(notification.event.kind, notification.event.payload),
                "url": notification.event.payload.get("path", "/"),
            }
        )
        delivered, errors = False, []
        for subscription in subscriptions.get(notification.recipient_id, []):
            try:
                webpush(
                    {
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=payload,
                    vapid_private_key=settings.VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    timeout=10,
                    ttl=24 * 3600,
                    requests_session=session,
                )
                delivered = True
                PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):  # the browser unsubscribed: forget it
                    subscription.delete()
                errors.append(f"{status}: {exc}")
            except OSError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            except (ValueError, TypeError, ECEException) as exc:  # keys that are not a usable P-256 pair
                subscription.delete()
                errors.append(f"unusable subscription keys: {exc}")
        if delivered:
            Notification.objects.filter(pk=notification.pk).update(status=Status.SENT, sent_at=timezone.now())
            sent += 1
        else:
            _record_failure([notification.pk], "; ".join(errors) or "no subscription left")
            if not PushSubscription.objects.filter(user_id=notification.recipient_id).exists():
                # Every subscription is gone: retrying cannot help.
                Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED)
            failed += 1
    remaining = Notification.objects.filter(
        event_id=event_id, channel=Channel.PUSH, status=Status.PENDING
    ).count()
    return DeliveryResult(sent, failed, remaining)


def digest_send(*, user_id: int) -> int:
    """One e-mail with every publication waiting for this user's daily digest."""
    rows = list(
        Notification.objects.filter(recipient_id=user_id, channel=Channel.EMAIL, status=Status.DIGEST)
        .select_related("recipient", "event", "event__commune")
        .order_by("event__commune__name", "created_at")
    )
    if not rows:
        return 0
    user = rows[0].recipient
    row_ids = [n.pk for n in rows]
    if not user.email:  # removed since the fan-out: nowhere to send it
        Notification.objects.filter(pk__in=row_ids).update(
            status=Status.FAILED, last_error="no e-mail address"
        )
        return 0
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "items": [
                {
                    "commune": n.event.commune.name,
                    "payload": n.event.payload,
                    "label": wording.label(n.event.kind, n.event.payload),
                    "link": settings.SITE_URL.rstrip("/") + str(n.event.payload.get("path", "/")),
                }
                for n in rows
            ],
            "unsubscribe": unsubscribe_url(user.pk, None),
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
        body = render_to_string("notifications/email/digest.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [str(user.email)])
    message.extra_headers["List-Unsubscribe"] = f"<{context['unsubscribe']}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:  # this address only: the others' digests go on
        Notification.objects.filter(pk__in=row_ids).update(status=Status.FAILED, last_error=str(exc)[:500])
        return 0
    Notification.objects.filter(pk__in=row_ids).update(status=Status.SENT, sent_at=timezone.now())
    return len(rows)
