"""Reads of the notifications app."""

from __future__ import annotations

from django.db.models import F, QuerySet

from hub.models import Follow, User
from notifications.models import Notification, NotificationPreference
from notifications.preferences import in_app_commune_ids


def inbox(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.in_app().filter(recipient=user).select_related("event", "event__commune")


def unread_count(*, user: User) -> int:
    return Notification.objects.unread().filter(recipient=user).count()


def live_commune_ids(*, user_id: int) -> list[int]:
    """Communes whose new publications this user's sockets should hear about."""
    followed = list(Follow.objects.filter(user_id=user_id).values_list("commune_id", flat=True))
    return in_app_commune_ids(user_id, followed)


def preferences(*, user: User) -> QuerySet[NotificationPreference]:
    return (
        NotificationPreference.objects.filter(user=user)
        .select_related("commune")
        # "all communes" (no commune) first on every database
        .order_by(F("commune__name").asc(nulls_first=True), "channel")
    )
