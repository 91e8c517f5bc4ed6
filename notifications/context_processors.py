"""The unread badge in the page header (one COUNT for signed-in users, nothing for visitors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_unread_count": Notification.objects.unread().filter(recipient_id=user.pk).count()}
