"""What SMS keeps: who receives what by SMS, every message out and in, and each commune's number and
monthly budget.

Every outbound message is a row before it reaches the carrier (``SmsMessage``), so a budget, an
opt-out or a rate limit is checked against rows, a failure is retried from its row, and the carrier's
delivery receipt lands on it. Every inbound message is a row before it is acted on (``InboundSms``),
unique per ``dedup_key``, so a message the carrier delivers twice is acted on once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models import Commune


class SmsProfile(models.Model):
    """A person reachable by SMS (``user.phone``). ``opted_out_at`` is set by STOP: nothing more is
    sent to the number, from any commune, until the person texts SUIVRE again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_profile"
    )
    opted_out_at = models.DateTimeField(null=True, blank=True)
    created_by_sms = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS profile")
        verbose_name_plural = _("SMS profiles")

    def __str__(self) -> str:
        return f"sms {self.user_id}{' (stopped)' if self.opted_out_at else ''}"


class SmsTopic(models.Model):
    """One kind of alert a person chose to receive by SMS (for every commune they follow).

    Topics: ``document`` (every type) or ``document:<type>`` (one type of document), ``contract``,
    ``agenda``, ``session`` (a live session starting), ``answer`` (the answer to their question),
    ``commitment`` (a commitment they follow moving), ``poll`` (a poll opening in a live session).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_topics")
    topic = models.CharField(max_length=48)

    class Meta:
        verbose_name = _("SMS topic")
        verbose_name_plural = _("SMS topics")
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="smstopic_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.topic}"


class SmsCommuneSettings(models.Model):
    """A commune's own SMS number (optional: a shared number serves every commune by keyword) and the
    monthly budget staff set, in CFA francs. With no row, or a budget of 0, the commune sends nothing."""

    commune = models.OneToOneField(Commune, on_delete=models.CASCADE, related_name="sms_settings")
    number = models.CharField(_("SMS number"), max_length=20, blank=True, db_index=True)
    monthly_budget_xof = models.PositiveIntegerField(_("monthly SMS budget (FCFA)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("commune SMS settings")
        verbose_name_plural = _("communes' SMS settings")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.monthly_budget_xof} FCFA/month"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SUBMITTED = "submitted", _("Handed to the operator")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    OVER_BUDGET = "over_budget", _("Not sent: monthly budget reached")
    OPTED_OUT = "opted_out", _("Not sent: the number said STOP")
    RATE_LIMITED = "rate_limited", _("Not sent: too many messages to this number")


# Statuses that count against the budget: what the operator was (or will be) paid for.
BILLED_STATUSES = (SmsStatus.QUEUED, SmsStatus.SUBMITTED, SmsStatus.DELIVERED)


class SmsMessage(models.Model):
    """One outbound message (MT). ``notification`` is set for an alert (one SMS per notification
    row, by the unique constraint), ``reply_to`` for an answer to an inbound message."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(max_length=20, db_index=True)
    notification = models.OneToOneField(
        "notifications.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="sms"
    )
    reply_to = models.ForeignKey(
        "notifications.InboundSms", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    kind = models.CharField(max_length=48)
    text = models.TextField()
    encoding = models.CharField(max_length=8)  # gsm7 or ucs2
    segments = models.PositiveSmallIntegerField()
    cost_xof = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    carrier_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt = models.TextField(blank=True)  # the operator's delivery receipt, as received

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SMS sent")
        verbose_name_plural = _("SMS sent")
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "id"], name="sms_queue_idx"),
            models.Index(fields=["commune", "created_at"], name="sms_commune_month_idx"),
            models.Index(fields=["phone", "created_at"], name="sms_phone_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"→ {self.phone}: {self.text[:40]}"


class InboundSms(models.Model):
    """One inbound message (MO), kept whatever it says, before anything acts on it."""

    dedup_key = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=20, db_index=True)  # E.164 when it parses as a Benin number
    destination = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    commune = models.ForeignKey(Commune, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)  # e.g. followed, stopped, help, question, unknown
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("SMS received")
        verbose_name_plural = _("SMS received")
        indexes = [models.Index(fields=["phone", "received_at"], name="inbound_phone_recent_idx")]

    def __str__(self) -> str:
        return f"← {self.phone}: {self.text[:40]}"
