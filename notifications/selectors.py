"""Reads of the notifications app."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, QuerySet

from hub.models import User
from notifications import preferences as rule
from notifications.models import Notification, NotificationPreference
from notifications.preferences import ChannelChoice


def inbox(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.in_app().filter(recipient=user).select_related("event", "event__commune")


def unread_count(*, user: User) -> int:
    return Notification.objects.unread().filter(recipient=user).count()


def live_commune_ids(*, user_id: int) -> list[int]:
    """Communes whose new publications this user's sockets should hear about: the followed ones
    whose in-app notifications reach the user (the preference rule, one query)."""
    return rule.in_app_commune_ids(user_id=user_id)


def preference_choices(
    *, user: User, commune_ids: Sequence[int | None]
) -> dict[tuple[int | None, str], ChannelChoice]:
    """What applies to the user, per channel, for each commune (``None``: all communes), as the
    fan-out decides it."""
    return rule.preference_choices(user_id=user.pk, commune_ids=commune_ids)


def preferences(*, user: User) -> QuerySet[NotificationPreference]:
    return (
        NotificationPreference.objects.filter(user=user)
        .select_related("commune")
        # "all communes" (no commune) first on every database
        .order_by(F("commune__name").asc(nulls_first=True), "channel")
    )
