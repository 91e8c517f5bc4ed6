"""Django admin of notifications: where platform administrators see deliveries that failed for good
and outbox events nobody finished, and re-drive those events.

Everything here is read-only: rows are written by the fan-out and delivery services only. An admin may
delete a push subscription or a preference (the user then gets the defaults back), nothing more.

SMS: the messages sent and received are read-only (written by ``notifications.sms``); a commune's SMS
settings (its own number, its monthly budget) are edited here by platform administrators, and a
person's SMS profile (STOP) and topics may be corrected.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub.models import OutboxEvent
from notifications.models import Notification, NotificationPreference, PushSubscription, Status
from notifications.sms.models import InboundSms, SmsCommuneSettings, SmsMessage, SmsProfile, SmsTopic
from notifications.tasks import outbox_event_dispatch


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _short(text: str) -> str:
    return Truncator(text).chars(80)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Failed deliveries are the ``status = failed`` filter; ``last_error`` says why."""

    list_display = ["created_at", "recipient", "channel", "status", "attempts", "error", "event"]
    list_filter = ["status", "channel"]
    list_select_related = ["recipient", "event"]
    search_fields = ["recipient__email"]
    # Counting millions of rows on every page is slow; the filtered count is enough.
    show_full_result_count = False
    fields = [
        "event",
        "recipient",
        "channel",
        "status",
        "created_at",
        "sent_at",
        "read_at",
        "attempts",
        "last_error",
    ]

    @admin.display(description=_("last error"))
    def error(self, notification: Notification) -> str:
        return _short(notification.last_error)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Events waiting for their fan-out (``processed at`` empty), with the error of the last try."""

    list_display = [
        "created_at",
        "kind",
        "commune",
        "object_type",
        "object_id",
        "attempts",
        "processed_at",
        "error",
        "failed_deliveries",
    ]
    list_filter = [("processed_at", admin.EmptyFieldListFilter), "kind"]
    list_select_related = ["commune"]
    search_fields = ["dedup_key", "object_id"]
    ordering = ["-created_at", "-id"]
    actions = ["redrive_events"]
    fields = [
        "kind",
        "commune",
        "object_type",
        "object_id",
        "dedup_key",
        "payload",
        "created_at",
        "attempts",
        "processed_at",
        "last_error",
    ]

    @admin.display(description=_("last error"))
    def error(self, event: OutboxEvent) -> str:
        return _short(event.last_error)

    @admin.display(description=_("failed deliveries"))
    def failed_deliveries(self, event: OutboxEvent) -> str:
        # A link rather than a count: counting an event's notifications on every row is costly.
        query = urlencode({"event__exact": str(event.pk), "status__exact": Status.FAILED.value})
        url = f"{reverse('admin:notifications_notification_changelist')}?{query}"
        return format_html('<a href="{}">{}</a>', url, _("see"))

    def has_redrive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("hub.change_outboxevent")

    @admin.action(description=_("Re-drive the selected events"), permissions=["redrive"])
    def redrive_events(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        selected = list(queryset.values_list("pk", "processed_at"))
        pending = [pk for pk, processed_at in selected if processed_at is None]
        enqueued = 0
        for event_id in pending:
            try:
                outbox_event_dispatch.apply_async(args=[event_id])
            except Exception as exc:  # the broker is down, or the in-process run failed
                self.message_user(
                    request,
                    _("Event %(id)s could not be re-driven: %(error)s") % {"id": event_id, "error": exc},
                    messages.ERROR,
                )
            else:
                enqueued += 1
        if enqueued:
            self.message_user(
                request,
                ngettext("%(count)d event re-driven.", "%(count)d events re-driven.", enqueued)
                % {"count": enqueued},
                messages.SUCCESS,
            )
        skipped = len(selected) - len(pending)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d event was already processed and was left alone.",
                    "%(count)d events were already processed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "commune", "channel", "enabled", "daily_digest", "updated_at"]
    list_filter = ["channel", "enabled", "daily_digest"]
    list_select_related = ["user", "commune"]
    search_fields = ["user__email"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a preference gives the user the default back; nothing is lost.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "push_service", "created_at", "last_success_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    # The browser's keys stay out of sight: they are what encrypts messages for that browser.
    fields = ["user", "endpoint", "created_at", "last_success_at"]

    @admin.display(description=_("push service"))
    def push_service(self, subscription: PushSubscription) -> str:
        return subscription.endpoint.split("/")[2] if "://" in subscription.endpoint else ""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    """Outbound SMS: ``status = failed`` with ``last error`` says what the operator refused."""

    list_display = ["created_at", "commune", "phone", "kind", "status", "segments", "cost_xof", "attempts"]
    list_filter = ["status", "commune", "kind", "encoding"]
    list_select_related = ["commune"]
    search_fields = ["phone", "carrier_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "commune",
        "user",
        "phone",
        "kind",
        "text",
        "encoding",
        "segments",
        "cost_xof",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "carrier_id",
        "created_at",
        "submitted_at",
        "delivered_at",
        "receipt",
        "notification",
        "reply_to",
    ]


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    """Inbound SMS, kept as received; ``outcome`` and ``error`` say what was done with each."""

    list_display = ["received_at", "phone", "destination", "short_text", "commune", "outcome", "processed_at"]
    list_filter = ["outcome", "commune", ("processed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["commune"]
    search_fields = ["phone", "dedup_key"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    fields = [
        "received_at",
        "phone",
        "destination",
        "text",
        "dedup_key",
        "commune",
        "user",
        "processed_at",
        "outcome",
        "error",
    ]

    @admin.display(description=_("text"))
    def short_text(self, inbound: InboundSms) -> str:
        return _short(inbound.text)


@admin.register(SmsCommuneSettings)
class SmsCommuneSettingsAdmin(admin.ModelAdmin):
    """A commune's own SMS number and its monthly budget (staff set the budget on their SMS page,
    where it is audited; this is the platform administrators' way in, for the number above all)."""

    list_display = ["commune", "number", "monthly_budget_xof", "updated_at", "updated_by"]
    list_select_related = ["commune", "updated_by"]
    search_fields = ["commune__name", "number"]
    autocomplete_fields = ["commune"]
    fields = ["commune", "number", "monthly_budget_xof", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: SmsCommuneSettings, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(SmsProfile)
class SmsProfileAdmin(admin.ModelAdmin):
    """Who is reachable by SMS; ``opted out at`` is STOP (clear it only at the person's request)."""

    list_display = ["user", "opted_out_at", "created_by_sms", "created_at"]
    list_filter = [("opted_out_at", admin.EmptyFieldListFilter), "created_by_sms"]
    list_select_related = ["user"]
    search_fields = ["user__phone", "user__email"]
    raw_id_fields = ["user"]
    fields = ["user", "opted_out_at", "created_by_sms", "created_at", "updated_at"]
    readonly_fields = ["created_by_sms", "created_at", "updated_at"]


@admin.register(SmsTopic)
class SmsTopicAdmin(admin.ModelAdmin):
    list_display = ["user", "topic"]
    list_filter = ["topic"]
    list_select_related = ["user"]
    search_fields = ["user__phone", "user__email", "topic"]
    raw_id_fields = ["user"]
