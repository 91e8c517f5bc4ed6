"""A commune's figures for a year, computed from the database: the one source of the staff
dashboard, the public "open evaluation" page and the yearly report (which freezes them).

``commune_figures(commune, year)`` returns plain JSON-able data (so a published report stores it
as it was, and renders in French or English later). Its shape (version 1)::

    {"version": 1, "commune": {"id", "name", "slug"}, "year", "start", "end" (ISO dates; the end is
     the year's last day or today), "complete" (the year is over),
     "usage": {"views", "downloads", "by_kind": {kind: views}, "by_month": [{"month": "YYYY-MM",
               "views", "downloads"}]},
     "audience": {"followers", "followers_at_start", "sms_subscribers",
                  "by_month": [{"month", "followers", "recorded"}]},   # recorded: from the day's
                                                                      # snapshot (else: today's follows)
     "live": {"sessions", "peak_viewers", "total_viewers",
              "by_session": [{"id", "title", "date", "peak", "total"}]},
     "questions": {"asked", "answered", "answered_percent", "median_hours", "web", "sms"},
     "forums": {"threads", "posts", "participants", "questions", "answered", "median_hours"},
     "consultations": {"consultations", "responses", "comments", "participants"},
     "polls": {"polls", "ballots", "web", "sms"},
     "participation": {"participants", "web", "sms", "workshop_attendance"},
     "workshops": {"workshops", "participants", "cells": {"gender": [cell], "age": [cell],
                   "disability": [cell]}},
     "groups": null | {"start", "end", "participants", "profiled", "threshold",
                       "tables": {"gender": [cell], "age": [cell], "disability": [cell],
                                  "arrondissement": [cell]}},
     "commitments": {"due", "kept_on_time", "kept_late", "dropped", "overdue", "not_due_yet", "percent"},
     "transparency": {"fiscal_year", "score", "due", "on_time", "late", "missing", "not_due"},
     "sms": {"enabled", "subscribers", "sent", "delivered", "cost_xof"}}

A cell is ``{"key", "count" (None when suppressed), "suppressed"}``; arrondissement keys are
``"a<id>"`` with the names in ``"arrondissement_names"`` of the groups, plus ``"elsewhere"``,
``"undisclosed"`` and ``"no_profile"``. Percentages are whole numbers or None when nothing is due.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from commitments.selectors import scorecard as commitments_scorecard
from consultations.models import Comment, Consultation, Response, Workshop
from evaluation import groups
from evaluation.audience import follower_counts
from evaluation.models import (
    AgeBand,
    DailyAudience,
    DailyUsage,
    Disability,
    Gender,
    GroupSnapshot,
    PageKind,
    ParticipantProfile,
)
from forums.models import Post, Thread, ThreadKind
from hub.models import Arrondissement, Commune, Follow, Membership
from notifications.sms.models import SmsCommuneSettings, SmsMessage, SmsStatus
from publications.selectors.register import ItemStatus, commune_register
from sessions_live.models import (
    ChatMessage,
    LiveSession,
    ParticipationChannel,
    Poll,
    PollBallot,
    Question,
    QuestionStatus,
)

VERSION = 1
NO_PROFILE = "no_profile"
UNDISCLOSED = "undisclosed"
ELSEWHERE = "elsewhere"


# --- Periods ------------------------------------------------------------------------------------


def year_bounds(year: int, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last day counted: the whole year, or up to today for the current one."""
    today = today or timezone.localdate()
    return datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)


def groups_bounds(
    year: int, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date] | None:
    """The closed period the group tables cover: the whole year once it is over, else the last
    finished quarter of it (None before the first quarter ends)."""
    today = today or timezone.localdate()
    if today > datetime.date(year, 12, 31):
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if today.year != year:
        return None
    quarter = (today.month - 1) // 3  # quarters finished before today's
    if quarter == 0:
        return None
    end_month = quarter * 3
    start = datetime.date(year, end_month - 2, 1)
    end = (
        datetime.date(year, end_month + 1, 1) - datetime.timedelta(days=1)
        if end_month < 12
        else datetime.date(year, 12, 31)
    )
    return start, end


def _moments(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the project's time zone."""
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    stop = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return begin, stop


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    cursor = start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _median_hours(deltas: Iterable[datetime.timedelta]) -> float | None:
    hours = [d.total_seconds() / 3600 for d in deltas if d.total_seconds() >= 0]
    return round(statistics.median(hours), 1) if hours else None


# --- Who took part ------------------------------------------------------------------------------


def staff_ids(commune: Commune) -> set[int]:
    return set(Membership.objects.filter(commune=commune).values_list("user_id", flat=True))


def participant_ids(commune: Commune, start: datetime.date, end: datetime.date) -> dict[str, set[int]]:
    """The people who took part in the commune's life in the period, by channel (``web``, ``sms``):
    asked a question in a session, voted in a poll, wrote in a session's chat or the forum, answered
    or commented a consultation. The commune's own staff are not participants."""
    begin, stop = _moments(start, end)
    web: set[int] = set()
    sms: set[int] = set()
    questions = Question.objects.filter(session__commune=commune, created_at__gte=begin, created_at__lt=stop)
    ballots = PollBallot.objects.filter(
        poll__session__commune=commune, created_at__gte=begin, created_at__lt=stop
    )
    for source in (questions, ballots):
        for user_id, channel in source.values_list(
            "author_id" if source is questions else "user_id", "channel"
        ):
            (sms if channel == ParticipationChannel.SMS else web).add(user_id)
    web.update(
        ChatMessage.objects.filter(
            session__commune=commune, created_at__gte=begin, created_at__lt=stop
        ).values_list("author_id", flat=True)
    )
    web.update(
        Post.objects.filter(
            thread__commune=commune, is_official=False, created_at__gte=begin, created_at__lt=stop
        ).values_list("author_id", flat=True)
    )
    web.update(
        Response.objects.filter(
            consultation__commune=commune, submitted_at__gte=begin, submitted_at__lt=stop
        ).values_list("user_id", flat=True)
    )
    web.update(
        Comment.objects.filter(
            section__consultation__commune=commune,
            is_staff_reply=False,
            created_at__gte=begin,
            created_at__lt=stop,
        ).values_list("author_id", flat=True)
    )
    staff = staff_ids(commune)
    return {"web": web - staff, "sms": sms - staff}


def group_tables(commune: Commune, people: set[int]) -> dict[str, Any]:
    """The marginal tables of ``people`` by group, suppressed (evaluation/groups.py)."""
    profiles = list(
        ParticipantProfile.objects.filter(user_id__in=people).values_list(
            "gender", "age_band", "disability", "arrondissement_id", "arrondissement__commune_id"
        )
    )
    no_profile = len(people) - len(profiles)
    arrondissements = list(Arrondissement.objects.filter(commune=commune).order_by("position", "name"))

    def table(keys: list[str], key_of: Any) -> list[dict[str, object]]:
        counts = dict.fromkeys(keys, 0)
        for row in profiles:
            counts[key_of(row)] += 1
        # Those without a profile are no secret (participants - profiled, both public): as a cell
        # they could hide nothing, so suppression runs on the profiled people's cells (their total,
        # ``profiled``, is public too) and theirs is shown as it is.
        shown = groups.as_json(groups.suppress(counts.items()))
        return [*shown, {"key": NO_PROFILE, "count": no_profile, "suppressed": False}]

    def arrondissement_key(row: tuple[Any, ...]) -> str:
        if row[3] is None:
            return UNDISCLOSED
        return f"a{row[3]}" if row[4] == commune.pk else ELSEWHERE

    arr_keys = [f"a{a.pk}" for a in arrondissements] + [ELSEWHERE, UNDISCLOSED]
    return {
        "participants": len(people),
        "profiled": len(profiles),
        "threshold": groups.minimum(),
        "arrondissement_names": {f"a{a.pk}": a.name for a in arrondissements},
        "tables": {
            "gender": table(list(Gender.values), lambda row: row[0]),
            "age": table(list(AgeBand.values), lambda row: row[1]),
            "disability": table(list(Disability.values), lambda row: row[2]),
            "arrondissement": table(arr_keys, arrondissement_key),
        },
    }


def closed_group_tables(commune: Commune, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The group tables of a closed period: computed the first time, then read back unchanged
    (``GroupSnapshot``: profiles edited or deleted later move no published figure)."""
    snapshot = GroupSnapshot.objects.filter(commune=commune, start=start, end=end).first()
    if snapshot is not None:
        return dict(snapshot.data)
    people = participant_ids(commune, start, end)
    data = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        **group_tables(commune, people["web"] | people["sms"]),
    }
    snapshot, _ = GroupSnapshot.objects.get_or_create(
        commune=commune, start=start, end=end, defaults={"data": data}
    )
    return dict(snapshot.data)


def _workshops(commune: Commune, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Workshops held on the ground, their headcounts by group (reported by facilitators: counts,
    not people), suppressed like the online groups."""
    totals = Workshop.objects.filter(commune=commune, held_on__gte=start, held_on__lte=end).aggregate(
        workshops=Count("id"),
        participants=Sum("participants"),
        women=Sum("women"),
        men=Sum("men"),
        under_18=Sum("age_under_18"),
        a18_34=Sum("age_18_34"),
        a35_59=Sum("age_35_59"),
        a60_plus=Sum("age_60_plus"),
        disability=Sum("with_disability"),
    )
    n = {k: int(v or 0) for k, v in totals.items()}
    people = n["participants"]
    gender = [("woman", n["women"]), ("man", n["men"]), (UNDISCLOSED, max(0, people - n["women"] - n["men"]))]
    ages = [
        (AgeBand.UNDER_18.value, n["under_18"]),
        (AgeBand.AGE_18_34.value, n["a18_34"]),
        (AgeBand.AGE_35_59.value, n["a35_59"]),
        (AgeBand.AGE_60_PLUS.value, n["a60_plus"]),
    ]
    ages.append((UNDISCLOSED, max(0, people - sum(c for _, c in ages))))
    disability = [("yes", n["disability"]), ("no_or_unknown", max(0, people - n["disability"]))]
    return {
        "workshops": n["workshops"],
        "participants": people,
        "cells": {
            "gender": groups.as_json(groups.suppress(gender)),
            "age": groups.as_json(groups.suppress(ages)),
            "disability": groups.as_json(groups.suppress(disability)),
        },
    }


# --- Use of the platform ------------------------------------------------------------------------


def _usage(commune: Commune, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    rows = DailyUsage.objects.filter(commune=commune, day__gte=start, day__lte=end)
    by_kind = {kind: 0 for kind in PageKind.values}
    for kind, views in rows.values("kind").annotate(n=Sum("views")).values_list("kind", "n"):
        by_kind[kind] = int(views)
    by_month = {m.strftime("%Y-%m"): {"views": 0, "downloads": 0} for m in _months(start, end)}
    for day, kind, views in rows.values_list("day", "kind", "views"):
        slot = by_month[day.strftime("%Y-%m")]
        slot["downloads" if kind == PageKind.DOWNLOAD else "views"] += views
    downloads = by_kind[PageKind.DOWNLOAD]
    return {
        "views": sum(by_kind.values()) - downloads,
        "downloads": downloads,
        "by_kind": by_kind,
        "by_month": [{"month": month, **values} for month, values in by_month.items()],
    }


def _audience(
    commune: Commune, start: datetime.date, end: datetime.date, today: datetime.date
) -> dict[str, Any]:
    recorded = dict(
        DailyAudience.objects.filter(
            commune=commune, day__gte=start - datetime.timedelta(days=1), day__lte=end
        ).values_list("day", "followers")
    )
    sms_recorded = dict(
        DailyAudience.objects.filter(commune=commune, day__lte=end)
        .order_by("-day")
        .values_list("day", "sms_subscribers")[:1]
    )
    follow_days = list(
        Follow.objects.filter(commune=commune, user__is_active=True).values_list("created_at", flat=True)
    )

    def at(day: datetime.date) -> tuple[int, bool]:
        if day >= today:
            return follower_counts([commune.pk])[commune.pk][0], True
        if day in recorded:
            return recorded[day], True
        _, stop = _moments(day, day)
        return sum(1 for created in follow_days if created < stop), False

    by_month = []
    for month in _months(start, end):
        followers, exact = at(min(_month_end(month), end))
        by_month.append({"month": month.strftime("%Y-%m"), "followers": followers, "recorded": exact})
    now_followers, now_sms = follower_counts([commune.pk])[commune.pk]
    if end < today:
        followers_end, _ = at(end)
        sms = next(iter(sms_recorded.values()), now_sms)
    else:
        followers_end, sms = now_followers, now_sms
    return {
        "followers": followers_end,
        "followers_at_start": at(start - datetime.timedelta(days=1))[0],
        "sms_subscribers": sms,
        "by_month": by_month,
    }


def _live(commune: Commune, begin: datetime.datetime, stop: datetime.datetime) -> dict[str, Any]:
    sessions = list(
        LiveSession.objects.filter(commune=commune, started_at__gte=begin, started_at__lt=stop)
        .order_by("started_at")
        .values("id", "title", "started_at", "peak_viewers", "total_viewers")
    )
    return {
        "sessions": len(sessions),
        "peak_viewers": max((s["peak_viewers"] for s in sessions), default=0),
        "total_viewers": sum(s["total_viewers"] for s in sessions),
        "by_session": [
            {
                "id": s["id"],
                "title": s["title"],
                "date": timezone.localdate(s["started_at"]).isoformat(),
                "peak": s["peak_viewers"],
                "total": s["total_viewers"],
            }
            for s in sessions
        ],
    }


def _questions(commune: Commune, begin: datetime.datetime, stop: datetime.datetime) -> dict[str, Any]:
    asked = Question.objects.filter(session__commune=commune, created_at__gte=begin, created_at__lt=stop)
    answered = list(
        asked.filter(status=QuestionStatus.ANSWERED, answered_at__isnull=False).values_list(
            "created_at", "answered_at"
        )
    )
    counts = asked.aggregate(
        n=Count("id"),
        web=Count("id", filter=Q(channel=ParticipationChannel.WEB)),
        sms=Count("id", filter=Q(channel=ParticipationChannel.SMS)),
    )
    return {
        "asked": counts["n"],
        "answered": len(answered),
        "answered_percent": _percent(len(answered), counts["n"]),
        "median_hours": _median_hours(b - a for a, b in answered if b is not None),
        "web": counts["web"],
        "sms": counts["sms"],
    }


def _forums(
    commune: Commune, begin: datetime.datetime, stop: datetime.datetime, staff: set[int]
) -> dict[str, Any]:
    threads = Thread.objects.filter(commune=commune, created_at__gte=begin, created_at__lt=stop)
    posts = Post.objects.filter(
        thread__commune=commune, created_at__gte=begin, created_at__lt=stop, deleted_at__isnull=True
    )
    questions = threads.filter(kind=ThreadKind.QUESTION)
    answered = list(
        questions.filter(official_answer__isnull=False).values_list(
            "created_at", "official_answer__created_at"
        )
    )
    authors = set(posts.filter(is_official=False).values_list("author_id", flat=True)) - staff
    return {
        "threads": threads.count(),
        "posts": posts.count(),
        "participants": len(authors),
        "questions": questions.count(),
        "answered": len(answered),
        "median_hours": _median_hours(b - a for a, b in answered),
    }


def _consultations(
    commune: Commune, begin: datetime.datetime, stop: datetime.datetime, staff: set[int]
) -> dict[str, Any]:
    responses = Response.objects.filter(
        consultation__commune=commune, submitted_at__gte=begin, submitted_at__lt=stop
    )
    comments = Comment.objects.filter(
        section__consultation__commune=commune,
        is_staff_reply=False,
        created_at__gte=begin,
        created_at__lt=stop,
    )
    people = set(responses.values_list("user_id", flat=True)) | set(
        comments.values_list("author_id", flat=True)
    )
    return {
        "consultations": Consultation.objects.filter(
            commune=commune, opened_at__gte=begin, opened_at__lt=stop
        ).count(),
        "responses": responses.count(),
        "comments": comments.count(),
        "participants": len(people - staff),
    }


def _polls(commune: Commune, begin: datetime.datetime, stop: datetime.datetime) -> dict[str, Any]:
    ballots = PollBallot.objects.filter(
        poll__session__commune=commune, created_at__gte=begin, created_at__lt=stop
    )
    counts = ballots.aggregate(
        n=Count("id"),
        web=Count("id", filter=Q(channel=ParticipationChannel.WEB)),
        sms=Count("id", filter=Q(channel=ParticipationChannel.SMS)),
    )
    return {
        "polls": Poll.objects.filter(
            session__commune=commune, opened_at__gte=begin, opened_at__lt=stop
        ).count(),
        "ballots": counts["n"],
        "web": counts["web"],
        "sms": counts["sms"],
    }


def _commitments(commune: Commune, year: int) -> dict[str, Any]:
    row = commitments_scorecard(year=year, communes=Commune.objects.filter(pk=commune.pk))[0]
    return {
        "due": row.due,
        "kept_on_time": row.kept_on_time,
        "kept_late": row.kept_late,
        "dropped": row.dropped,
        "overdue": row.overdue,
        "not_due_yet": row.not_due_yet,
        "percent": row.percent,
    }


def _transparency(commune: Commune, year: int, today: datetime.date) -> dict[str, Any]:
    register = commune_register(
        commune=commune, fiscal_year=year, today=min(today, datetime.date(year + 1, 12, 31))
    )
    return {
        "fiscal_year": year,
        "score": register.score,
        "due": register.due_count,
        "on_time": register.count(ItemStatus.ON_TIME),
        "late": register.count(ItemStatus.LATE),
        "missing": register.count(ItemStatus.MISSING),
        "not_due": register.count(ItemStatus.NOT_DUE),
    }


def _sms(
    commune: Commune, begin: datetime.datetime, stop: datetime.datetime, subscribers: int
) -> dict[str, Any]:
    messages = SmsMessage.objects.filter(commune=commune, created_at__gte=begin, created_at__lt=stop)
    sent_statuses = (SmsStatus.SUBMITTED, SmsStatus.DELIVERED)
    counts = messages.aggregate(
        sent=Count("id", filter=Q(status__in=sent_statuses)),
        delivered=Count("id", filter=Q(status=SmsStatus.DELIVERED)),
        cost=Sum("cost_xof", filter=Q(status__in=sent_statuses)),
        last=Max("created_at"),
    )
    settings_row = SmsCommuneSettings.objects.filter(commune=commune).first()
    enabled = bool(
        counts["sent"]
        or (settings_row is not None and (settings_row.number or settings_row.monthly_budget_xof))
    )
    return {
        "enabled": enabled,
        "subscribers": subscribers,
        "sent": counts["sent"],
        "delivered": counts["delivered"],
        "cost_xof": int(counts["cost"] or 0),
    }


# --- All of it ----------------------------------------------------------------------------------


def commune_figures(commune: Commune, year: int, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Every figure of the commune's year (see the module's docstring for the shape)."""
    today = today or timezone.localdate()
    start, end = year_bounds(year, today)
    begin, stop = _moments(start, end)
    staff = staff_ids(commune)
    people = participant_ids(commune, start, end)
    workshops = _workshops(commune, start, end)
    audience = _audience(commune, start, end, today)
    closed = groups_bounds(year, today)
    group_figures: dict[str, Any] | None = None
    if closed is not None:
        group_figures = closed_group_tables(commune, *closed)
    return {
        "version": VERSION,
        "commune": {"id": commune.pk, "name": commune.name, "slug": commune.slug},
        "year": year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "complete": today > datetime.date(year, 12, 31),
        "usage": _usage(commune, start, end),
        "audience": audience,
        "live": _live(commune, begin, stop),
        "questions": _questions(commune, begin, stop),
        "forums": _forums(commune, begin, stop, staff),
        "consultations": _consultations(commune, begin, stop, staff),
        "polls": _polls(commune, begin, stop),
        "participation": {
            "participants": len(people["web"] | people["sms"]),
            "web": len(people["web"]),
            "sms": len(people["sms"]),
            "workshop_attendance": workshops["participants"],
        },
        "workshops": workshops,
        "groups": group_figures,
        "commitments": _commitments(commune, year),
        "transparency": _transparency(commune, year, today),
        "sms": _sms(commune, begin, stop, audience["sms_subscribers"]),
    }


def report_years(today: datetime.date | None = None) -> list[int]:
    """Years with figures, newest first: from the first year anything was counted (a commune on the
    platform, a day of usage) to the current one."""
    today = today or timezone.localdate()
    firsts = [
        timezone.localdate(first).year
        for first in [Commune.objects.order_by("created_at").values_list("created_at", flat=True).first()]
        if first
    ]
    first_day = DailyUsage.objects.order_by("day").values_list("day", flat=True).first()
    if first_day:
        firsts.append(first_day.year)
    first_year = min([*firsts, today.year])
    return list(range(today.year, first_year - 1, -1))
