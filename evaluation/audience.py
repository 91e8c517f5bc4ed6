"""Followers over time: each commune's followers (and those an SMS alert reaches) at the end of
each day, kept in ``DailyAudience`` so that the curve shows unfollows too."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from evaluation.models import DailyAudience
from hub.models import Commune, Follow
from notifications.sms.models import SmsTopic


def follower_counts(commune_ids: list[int]) -> dict[int, tuple[int, int]]:
    """commune id -> (followers, SMS subscribers) now, in one query. An SMS subscriber is a
    follower an SMS alert can reach: a phone number, an SMS profile that has not said STOP and at
    least one topic chosen (the fan-out's test)."""
    sms = Q(
        user__phone__isnull=False,
        user__sms_profile__isnull=False,
        user__sms_profile__opted_out_at__isnull=True,
        has_topic=True,
    ) & ~Q(user__phone="")
    rows = (
        Follow.objects.filter(commune_id__in=commune_ids, user__is_active=True)
        .annotate(has_topic=Exists(SmsTopic.objects.filter(user_id=OuterRef("user_id"))))
        .values("commune_id")
        .annotate(followers=Count("id"), sms=Count("id", filter=sms))
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
