"""Notifications of followers: one row per (event, recipient, channel), preferences, push subscriptions.

The uniqueness of (event, recipient, channel) is what makes fan-out retries and re-drives harmless:
a notification exists at most once whatever happens to the worker.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models import Commune, OutboxEvent


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Push notification")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def in_app(self) -> NotificationQuerySet:
        return self.filter(channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(channel=Channel.IN_APP, read_at__isnull=True)


class Notification(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="notification_once_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=models.Q(channel="in_app", read_at__isnull=True),
            ),
            # Delivery walks one event's pending rows in id order (keyset), never sorting them all.
            models.Index(fields=["event", "channel", "status", "id"], name="notification_delivery_idx"),
            # The daily digest looks only at e-mail rows waiting for it.
            models.Index(
                fields=["recipient"],
                name="notification_digest_idx",
                condition=models.Q(channel="email", status="digest"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_id}: {self.event}"


class NotificationPreference(models.Model):
    """A user's choice for one channel, for one commune or (commune empty) for all communes.

    Without any row, in-app and e-mail are on (immediate) and push is on where subscribed. A row for a
    commune overrides the all-communes row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    daily_digest = models.BooleanField(
        default=False, help_text=_("E-mail only: one message a day instead of one per publication.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "commune", "channel"],
                name="preference_per_commune",
                condition=models.Q(commune__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "channel"],
                name="preference_default",
                condition=models.Q(commune__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel} {self.commune_id or '*'} {'on' if self.enabled else 'off'}"


class PushSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:40]}"


# The SMS models live in their own module; importing them here registers them with the app.
from notifications.sms.models import (  # noqa: E402
    InboundSms,
    SmsCommuneSettings,
    SmsMessage,
    SmsProfile,
    SmsStatus,
    SmsTopic,
)

__all__ = [
    "Channel",
    "InboundSms",
    "Notification",
    "NotificationPreference",
    "PushSubscription",
    "SmsCommuneSettings",
    "SmsMessage",
    "SmsProfile",
    "SmsStatus",
    "SmsTopic",
    "Status",
]
