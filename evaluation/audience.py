"""Followers over time: each commune's followers (and those an SMS alert reaches) at the end of
each day, kept in ``DailyAudience`` so that the curve shows unfollows too."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from evaluation.models import DailyAudience
from hub.models import Commune, Follow
from notifications.preferences import sms_subscriber_q


def follower_counts(commune_ids: list[int]) -> dict[int, tuple[int, int]]:
    """commune id -> (followers, SMS subscribers) now, in one query. An SMS subscriber is a
    follower an SMS alert can reach (``notifications.preferences.sms_subscriber_q``)."""
    rows = (
        Follow.objects.filter(commune_id__in=commune_ids, user__is_active=True)
        .values("commune_id")
        .annotate(followers=Count("id"), sms=Count("id", filter=sms_subscriber_q()))
        .order_by()
    )
    counts = {row["commune_id"]: (row["followers"], row["sms"]) for row in rows}
    return {cid: counts.get(cid, (0, 0)) for cid in commune_ids}


def snapshot(day: datetime.date | None = None) -> int:
    """Write (or replace) every enabled commune's row for ``day`` (today by default)."""
    day = day or timezone.localdate()
    ids = list(Commune.objects.filter(is_enabled=True).values_list("pk", flat=True))
    counts = follower_counts(ids)
    with transaction.atomic():
        for commune_id, (followers, sms) in counts.items():
            DailyAudience.objects.update_or_create(
                commune_id=commune_id, day=day, defaults={"followers": followers, "sms_subscribers": sms}
            )
    return len(counts)
