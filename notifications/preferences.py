"""Resolving notification preferences: a commune's row overrides the all-communes row, which
overrides the defaults (in-app and e-mail on, immediate; push on where the user subscribed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from notifications.models import Channel, NotificationPreference


@dataclass(frozen=True)
class ChannelChoice:
    enabled: bool = True
    daily_digest: bool = False


DEFAULT = ChannelChoice()


def resolve_preferences(user_ids: Iterable[int], commune_id: int) -> dict[tuple[int, str], ChannelChoice]:
    """``{(user_id, channel): choice}`` for the users that have any row; others get ``DEFAULT``."""
    rows = NotificationPreference.objects.filter(user_id__in=list(user_ids)).filter(
        Q(commune_id=commune_id) | Q(commune__isnull=True)
    )
    resolved: dict[tuple[int, str], ChannelChoice] = {}
    specific: set[tuple[int, str]] = set()
    for user_id, row_commune, channel, enabled, digest in rows.values_list(
        "user_id", "commune_id", "channel", "enabled", "daily_digest"
    ):
        key = (user_id, channel)
        if row_commune is None and key in specific:
            continue
        resolved[key] = ChannelChoice(enabled=enabled, daily_digest=digest)
        if row_commune is not None:
            specific.add(key)
    return resolved


def channel_choice(prefs: dict[tuple[int, str], ChannelChoice], user_id: int, channel: str) -> ChannelChoice:
    return prefs.get((user_id, channel), DEFAULT)


def in_app_commune_ids(user_id: int, followed: list[int]) -> list[int]:
    """The followed communes whose in-app notifications the user has not switched off."""
    return [
        commune_id
        for commune_id in followed
        if channel_choice(resolve_preferences([user_id], commune_id), user_id, Channel.IN_APP).enabled
    ]
