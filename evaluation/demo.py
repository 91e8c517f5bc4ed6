"""Evaluation demo for ``make run`` (``load_demo_data`` calls ``demo_load``; never in production).
Safe to run again.

So that the dashboards and reports show something on a fresh machine:

- page views and downloads per day since January of last year for the pilot communes (Cotonou's
  page the busiest, as the application form says), made up but steady (a seeded generator);
- each pilot commune's followers at the end of each past month;
- an audience (peak and total viewers) for the pilot communes' past sessions;
- 36 demo participants of Cotonou who gave a profile and wrote in its forum across last year and
  this year's finished quarters, so that the group figures show cells of 10 or more (and some
  suppressed ones). Their accounts cannot sign in (no usable password).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from evaluation.models import DailyAudience, DailyUsage, PageKind, ParticipantProfile
from forums.models import Post, Thread
from hub.demo_data import DEMO_DOMAIN
from hub.models import Arrondissement, Commune, Follow, User
from sessions_live.models import LiveSession, SessionStatus

# Views a day on an ordinary weekday, per kind of page, for each pilot commune.
DAILY_VIEWS = {
    "cotonou": {
        PageKind.COMMUNE: 42,
        PageKind.DOCUMENT: 18,
        PageKind.DOWNLOAD: 9,
        PageKind.CONTRACT: 6,
        PageKind.AGENDA: 5,
        PageKind.TRANSPARENCY: 3,
        PageKind.SESSION: 8,
        PageKind.FORUM: 11,
        PageKind.CONSULTATION: 4,
        PageKind.COMMITMENT: 3,
        PageKind.COUNCIL: 2,
        PageKind.EVALUATION: 1,
    },
    "abomey-calavi": {
        PageKind.COMMUNE: 17,
        PageKind.DOCUMENT: 7,
        PageKind.DOWNLOAD: 3,
        PageKind.CONTRACT: 2,
        PageKind.AGENDA: 2,
        PageKind.SESSION: 3,
        PageKind.FORUM: 4,
        PageKind.CONSULTATION: 3,
        PageKind.COMMITMENT: 1,
    },
    "akpro-misserete": {
        PageKind.COMMUNE: 6,
        PageKind.DOCUMENT: 2,
        PageKind.DOWNLOAD: 1,
        PageKind.SESSION: 1,
        PageKind.FORUM: 1,
    },
}
# (gender, age band, disability, how many) of Cotonou's demo participants.
PARTICIPANTS = [
    ("woman", "18_34", "no", 11),
    ("man", "18_34", "no", 7),
    ("man", "35_59", "no", 8),
    ("woman", "35_59", "no", 4),
    ("woman", "60_plus", "yes", 2),
    ("man", "60_plus", "undisclosed", 2),
    ("undisclosed", "undisclosed", "undisclosed", 2),
]
FIRST_NAMES = [
    "Afi",
    "Koffi",
    "Mariam",
    "Sèna",
    "Rachidi",
    "Gisèle",
    "Codjo",
    "Nafissatou",
    "Euloge",
    "Bella",
]
REPLIES = [
    "Merci pour ces informations.",
    "Je confirme, c'est la même chose dans mon quartier.",
    "Quand aura lieu la prochaine réunion à ce sujet ?",
    "Bonne initiative, il faut continuer.",
    "Les riverains attendent une réponse de la mairie.",
]


def _usage(communes: dict[str, Commune], today: datetime.date) -> int:
    start = datetime.date(today.year - 1, 1, 1)
    rows = []
    for slug, commune in communes.items():
        rng = random.Random(f"usage:{slug}")
        day = start
        while day < today:
            weekend = 0.45 if day.weekday() >= 5 else 1.0
            growth = 0.6 + 0.4 * (day - start).days / max(1, (today - start).days)
            for kind, base in DAILY_VIEWS.get(slug, {}).items():
                views = int(base * weekend * growth * rng.uniform(0.6, 1.4))
                if views:
                    rows.append(DailyUsage(commune=commune, day=day, kind=kind, views=views))
            day += datetime.timedelta(days=1)
    return len(DailyUsage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000))


def _audience(communes: dict[str, Commune], today: datetime.date) -> None:
    start = datetime.date(today.year - 1, 1, 1)
    month_ends = []
    cursor = start
    while cursor < today:
        nxt = (cursor + datetime.timedelta(days=32)).replace(day=1)
        if nxt - datetime.timedelta(days=1) < today:
            month_ends.append(nxt - datetime.timedelta(days=1))
        cursor = nxt
    for commune in communes.values():
        now = Follow.objects.filter(commune=commune).count()
        for index, day in enumerate(month_ends):
            share = (index + 1) / (len(month_ends) + 1)
            DailyAudience.objects.get_or_create(
                commune=commune, day=day, defaults={"followers": round(now * share), "sms_subscribers": 0}
            )


def _year_thread(model: Thread, year: int) -> Thread:
    """A topic of the forum open since early ``year`` (with its opening message), for the messages
    the demo dates before the forum's own topics: a message never predates its topic."""
    opened = datetime.datetime(year, 1, 8, 9, tzinfo=timezone.get_current_timezone())
    thread, new = Thread.objects.get_or_create(
        commune=model.commune,
        title=f"Vos idées pour la commune en {year}",
        defaults={
            "category": model.category,
            "author": model.author,
            "created_at": opened,
            "last_activity_at": opened,
            "post_count": 1,
        },
    )
    if new:
        body = f"Quels travaux, quels services attendez-vous de la mairie en {year} ? Dites-le ici."
        Post.objects.create(
            thread=thread, author=model.author, body=body, body_html=f"<p>{body}</p>", created_at=opened
        )
    return thread


def _participants(cotonou: Commune, today: datetime.date) -> int:
    threads = list(Thread.objects.filter(commune=cotonou, hidden=False).order_by("created_at"))
    if not threads:
        return 0
    arrondissements = list(Arrondissement.objects.filter(commune=cotonou).order_by("position")[:3])
    # Moments in finished periods: last year, and this year's finished quarters.
    quarters_done = max(0, (today.month - 1) // 3)
    moments = [datetime.date(today.year - 1, month, 12) for month in (2, 5, 8, 11)]
    moments += [datetime.date(today.year, 3 * q + 2, 12) for q in range(quarters_done)]
    rng = random.Random("participants")
    created = 0
    serial = 0
    for gender, age, disability, count in PARTICIPANTS:
        for _ in range(count):
            serial += 1
            email = f"participant{serial:02d}@{DEMO_DOMAIN}"
            user, new = User.objects.get_or_create(
                email=email, defaults={"display_name": f"{FIRST_NAMES[serial % len(FIRST_NAMES)]} ({serial})"}
            )
            if not new:
                continue
            user.set_unusable_password()
            user.save(update_fields=["password"])
            ParticipantProfile.objects.create(
                user=user,
                gender=gender,
                age_band=age,
                disability=disability,
                arrondissement=arrondissements[serial % len(arrondissements)] if arrondissements else None,
                consented_at=timezone.now(),
            )
            for day in moments:
                when = datetime.datetime.combine(
                    day, datetime.time(10 + serial % 8), tzinfo=timezone.get_current_timezone()
                )
                open_then = [t for t in threads if t.created_at <= when]
                thread = rng.choice(open_then or [_year_thread(threads[0], day.year)])
                body = rng.choice(REPLIES)
                Post.objects.create(
                    thread=thread, author=user, body=body, body_html=f"<p>{body}</p>", created_at=when
                )
                Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1)
            created += 1
    return created


def _audiences() -> None:
    """Past sessions of the pilot communes had an audience (the live count keeps it from now on)."""
    rng = random.Random("audience")
    for session in LiveSession.objects.filter(
        commune__slug__in=list(DAILY_VIEWS), status=SessionStatus.ENDED, peak_viewers=0
    ):
        peak = rng.randint(40, 260)
        LiveSession.objects.filter(pk=session.pk).update(
            peak_viewers=peak, total_viewers=int(peak * rng.uniform(1.8, 3.2))
        )


def demo_load() -> str:
    communes = {c.slug: c for c in Commune.objects.filter(slug__in=list(DAILY_VIEWS))}
    if not communes:
        return "no pilot communes: evaluation demo skipped"
    today = timezone.localdate()
    with transaction.atomic():
        rows = _usage(communes, today)
        _audience(communes, today)
        _audiences()
        people = _participants(communes["cotonou"], today) if "cotonou" in communes else 0
    return f"{rows} rows of daily usage, {people} participants with a profile"
