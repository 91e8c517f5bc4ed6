"""The evaluation's pages and API (issue 20): the public "open evaluation" page, the staff dashboard
and ``/api/v1/communes/<slug>/evaluation/``.

A commune is given a known year (last year, which is over: its group tables cover the whole of it):
page views, followers, two live sessions, questions answered after known delays, forum messages,
votes by web and by SMS, a workshop and forty participants, thirty of whom gave a profile. The
test recounts every figure from the database with its own queries and checks that the page, the
dashboard and the API show exactly that; a group of three people is hidden, and so is the one
cell that would give it away by subtraction. Then who may see what: the dashboard is for the
commune's staff and platform administrators only (sign in first, 403 for others), the public page
and the API for everyone; bad years are refused (400 in the API, a notice on the pages).
"""

from __future__ import annotations

import datetime
import re
import statistics
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from commitments.models import Commitment, CommitmentStatus
from consultations.models import Consultation, Workshop
from evaluation.models import DailyUsage, PageKind, ParticipantProfile
from forums.models import Post, Thread
from frontend.evaluation.dashboard import same_day_of
from hub.models import Arrondissement, Commune, Follow, Membership, Role, User
from sessions_live.models import (
    ChatMessage,
    LiveSession,
    ParticipationChannel,
    PollBallot,
    Question,
    QuestionStatus,
    SessionStatus,
)
from tests.factories import AdminFactory, CommuneFactory, FollowFactory, UserFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_consultations import consultation_setup
from tests.factories_forums import PostFactory, ThreadFactory
from tests.factories_sessions import (
    ChatMessageFactory,
    LiveSessionFactory,
    PollFactory,
    QuestionFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
YEAR = THIS_YEAR - 1  # over: the group tables cover all of it
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def at(month: int, day: int, hour: int = 12, year: int = YEAR) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def year_range(year: int = YEAR) -> tuple[datetime.datetime, datetime.datetime]:
    return at(1, 1, 0, year), at(1, 1, 0, year + 1)


@dataclass
class World:
    commune: Commune
    other: Commune
    mayor: User
    councillor: User
    other_staff: User
    citizens: list[User]
    sessions: list[LiveSession]


def _profile(
    user: User, gender: str, age: str, disability: str, arrondissement: Arrondissement | None
) -> None:
    ParticipantProfile.objects.create(
        user=user,
        gender=gender,
        age_band=age,
        disability=disability,
        arrondissement=arrondissement,
        consented_at=timezone.now(),
    )


@pytest.fixture
def world(reference_data: None) -> World:
    setup = consultation_setup()  # a commune with arrondissements, its secretary-general, a consultation
    commune = setup.commune
    # The commune is on the platform since last January: last year has figures.
    Commune.objects.filter(pk=commune.pk).update(created_at=at(1, 1, 0))
    other = CommuneFactory(slug="autre-commune-eval")
    mayor = staff_of(commune, Role.MAYOR)
    councillor = staff_of(commune, Role.COUNCILLOR)
    other_staff = staff_of(other, Role.MAYOR)
    first, second = setup.arrondissements[:2]

    # Page views, counted per kind and day (and some of the other commune's, never counted here).
    for day, kind, views in [
        (datetime.date(YEAR, 3, 3), PageKind.COMMUNE, 1200),
        (datetime.date(YEAR, 3, 4), PageKind.DOCUMENT, 300),
        (datetime.date(YEAR, 7, 10), PageKind.DOWNLOAD, 7),
        (datetime.date(YEAR, 11, 2), PageKind.COMMUNE, 150),
        (datetime.date(YEAR - 1, 12, 31), PageKind.COMMUNE, 999),  # the year before
    ]:
        DailyUsage.objects.create(commune=commune, day=day, kind=kind, views=views)
    DailyUsage.objects.create(commune=other, day=datetime.date(YEAR, 3, 3), kind=PageKind.COMMUNE, views=5000)

    # Followers: one since the year before, three who came during the year.
    for when in [at(12, 1, year=YEAR - 1), at(2, 1), at(5, 1), at(10, 1)]:
        follow = FollowFactory(commune=commune)
        Follow.objects.filter(pk=follow.pk).update(created_at=when)

    # Two sessions held live, with their viewers.
    sessions = [
        LiveSessionFactory(
            commune=commune,
            status=SessionStatus.ENDED,
            started_at=at(3, 10),
            peak_viewers=42,
            total_viewers=130,
        ),
        LiveSessionFactory(
            commune=commune,
            status=SessionStatus.ENDED,
            started_at=at(9, 5),
            peak_viewers=17,
            total_viewers=60,
        ),
    ]
    LiveSessionFactory(
        commune=other, status=SessionStatus.ENDED, started_at=at(3, 10), peak_viewers=900, total_viewers=900
    )

    # Forty citizens took part: each wrote in the first session's chat.
    citizens = [UserFactory() for _ in range(40)]
    for citizen in citizens:
        message = ChatMessageFactory(session=sessions[0], author=citizen)
        ChatMessage.objects.filter(pk=message.pk).update(created_at=at(3, 10, 18))
    # The staff's own chat is not participation.
    staff_message = ChatMessageFactory(session=sessions[0], author=mayor)
    ChatMessage.objects.filter(pk=staff_message.pk).update(created_at=at(3, 10, 18))

    # Questions: three answered after 2, 4 and 30 hours, one not answered; one came by SMS.
    for n, delay in enumerate([2, 4, 30, None]):
        asked = at(3, 10, 8)
        question = QuestionFactory(
            session=sessions[0],
            author=citizens[n],
            status=QuestionStatus.ANSWERED if delay else QuestionStatus.APPROVED,
            answered_at=asked + datetime.timedelta(hours=delay) if delay else None,
            channel=ParticipationChannel.SMS if n == 1 else ParticipationChannel.WEB,
        )
        Question.objects.filter(pk=question.pk).update(created_at=asked)

    # The forum: a question answered officially after 5 hours, four citizens' messages.
    thread = ThreadFactory(category__commune=commune, author=citizens[0], created_at=at(4, 1))
    for n in range(4):
        PostFactory(thread=thread, author=citizens[n], created_at=at(4, 1 + n))
    answer = PostFactory(thread=thread, author=mayor, is_official=True, created_at=at(4, 1, 17))
    Thread.objects.filter(pk=thread.pk).update(official_answer=answer)

    # A poll of the first session: twelve votes on the web, three by SMS.
    poll = PollFactory(session=sessions[0], opened_at=at(3, 10, 9))
    for n in range(15):
        ballot = PollBallot.objects.create(
            poll=poll,
            user=citizens[n],
            channel=ParticipationChannel.SMS if n >= 12 else ParticipationChannel.WEB,
        )
        PollBallot.objects.filter(pk=ballot.pk).update(created_at=at(3, 10, 9))

    # The consultation opened last year, with a workshop of forty people on the ground.
    Consultation.objects.filter(pk=setup.consultation.pk).update(opened_at=at(5, 1))
    Workshop.objects.create(
        consultation=setup.consultation,
        commune=commune,
        recorded_by=setup.staff,
        held_on=datetime.date(YEAR, 6, 1),
        arrondissement=first,
        language="fr",
        participants=40,
        women=22,
        men=18,
        age_under_18=3,
        age_18_34=20,
        age_35_59=12,
        age_60_plus=5,
        with_disability=4,
        summary="Atelier au marché",
    )

    # Commitments due last year: one kept on time, one overdue.
    CommitmentFactory(
        commune=commune, due_on=datetime.date(YEAR, 6, 30), status=CommitmentStatus.DONE, done_at=at(6, 20)
    )
    CommitmentFactory(commune=commune, due_on=datetime.date(YEAR, 8, 1))

    # Thirty of the forty gave a profile: 14 women, 13 men, 3 who did not say (a small group).
    for n, citizen in enumerate(citizens[:30]):
        gender = "woman" if n < 14 else ("man" if n < 27 else "undisclosed")
        age = "18_34" if n < 12 else ("35_59" if n < 23 else "60_plus")
        disability = "yes" if n < 2 else ("no" if n < 22 else "undisclosed")
        arrondissement = first if n < 15 else (second if n < 27 else None)
        _profile(citizen, gender, age, disability, arrondissement)
    return World(commune, other, mayor, councillor, other_staff, citizens, sessions)


# --- Reading the pages --------------------------------------------------------------------------


def stat_value(html: str, key: str) -> int | float:
    match = re.search(
        rf'data-stat="{re.escape(key)}"><dt>[^<]*</dt><dd><span class="ev-stat-value" data-value="([^"]+)"',
        html,
    )
    assert match, f"no key figure {key}"
    value = match.group(1)
    return float(value) if "." in value else int(value)


def stat_compared(html: str, key: str) -> str:
    match = re.search(rf'data-stat="{re.escape(key)}">.*?</div>', html, re.S)
    assert match, f"no key figure {key}"
    found = re.search(r'class="ev-compare">([^<]*)<', match.group(0))
    return found.group(1) if found else ""


def table_html(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{re.escape(table_id)}".*?</table>', html, re.S)
    assert match, f"no table {table_id}"
    return match.group(0)


def table_cells(html: str, table_id: str) -> dict[str, tuple[int | None, str]]:
    """``{row key: (data-value or None, the cell's text)}`` of the first value column."""
    rows = {}
    for key, cell in re.findall(
        r'<tr data-key="([^"]+)"><th scope="row">.*?</th>(<td.*?</td>)', table_html(html, table_id), re.S
    ):
        value = re.search(r'data-value="([^"]+)"', cell)
        text = re.sub(r"<[^>]+>", "", cell)
        rows[key] = (int(value.group(1)) if value else None, text)
    return rows


def page(client: Client, url: str, **extra: Any) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def public_url(commune: Commune, year: int | str | None = YEAR) -> str:
    query = f"?annee={year}" if year is not None else ""
    return f"/communes/{commune.slug}/evaluation/{query}"


def dashboard_url(commune: Commune, year: int | str | None = YEAR) -> str:
    query = f"?annee={year}" if year is not None else ""
    return f"/communes/{commune.slug}/evaluation/tableau-de-bord/{query}"


# --- The recounts (the test's own queries, not the selectors') ---------------------------------


def recount(world: World) -> dict[str, Any]:
    commune = world.commune
    begin, stop = year_range()
    usage = DailyUsage.objects.filter(commune=commune, day__year=YEAR)
    staff = set(Membership.objects.filter(commune=commune).values_list("user_id", flat=True))
    questions = Question.objects.filter(session__commune=commune, created_at__gte=begin, created_at__lt=stop)
    answered = questions.filter(status=QuestionStatus.ANSWERED)
    ballots = PollBallot.objects.filter(
        poll__session__commune=commune, created_at__gte=begin, created_at__lt=stop
    )
    posts = Post.objects.filter(thread__commune=commune, created_at__gte=begin, created_at__lt=stop)
    people = (
        set(
            ChatMessage.objects.filter(
                session__commune=commune, created_at__gte=begin, created_at__lt=stop
            ).values_list("author_id", flat=True)
        )
        | set(questions.values_list("author_id", flat=True))
        | set(ballots.values_list("user_id", flat=True))
        | set(posts.filter(is_official=False).values_list("author_id", flat=True))
    ) - staff
    profiles = ParticipantProfile.objects.filter(user_id__in=people)
    sessions = LiveSession.objects.filter(commune=commune, started_at__gte=begin, started_at__lt=stop)
    return {
        "usage.views": usage.exclude(kind=PageKind.DOWNLOAD).aggregate(n=Sum("views"))["n"],
        "usage.downloads": usage.filter(kind=PageKind.DOWNLOAD).aggregate(n=Sum("views"))["n"],
        "usage.march": usage.filter(day__month=3)
        .exclude(kind=PageKind.DOWNLOAD)
        .aggregate(n=Sum("views"))["n"],
        "audience.followers": Follow.objects.filter(commune=commune, created_at__lt=stop).count(),
        "audience.followers_at_start": Follow.objects.filter(commune=commune, created_at__lt=begin).count(),
        "live.sessions": sessions.count(),
        "live.peak_viewers": max(sessions.values_list("peak_viewers", flat=True)),
        "live.total_viewers": sessions.aggregate(n=Sum("total_viewers"))["n"],
        "questions.asked": questions.count(),
        "questions.answered": answered.count(),
        "questions.median_hours": statistics.median(
            (q.answered_at - q.created_at).total_seconds() / 3600 for q in answered
        ),
        "questions.sms": questions.filter(channel=ParticipationChannel.SMS).count(),
        "forums.posts": posts.count(),
        "forums.participants": len(
            set(posts.filter(is_official=False).values_list("author_id", flat=True)) - staff
        ),
        "polls.ballots": ballots.count(),
        "polls.web": ballots.filter(channel=ParticipationChannel.WEB).count(),
        "polls.sms": ballots.filter(channel=ParticipationChannel.SMS).count(),
        "participation.participants": len(people),
        "participation.sms": len(
            set(ballots.filter(channel="sms").values_list("user_id", flat=True))
            | set(questions.filter(channel="sms").values_list("author_id", flat=True))
        ),
        "participation.workshop_attendance": Workshop.objects.filter(
            commune=commune, held_on__year=YEAR
        ).aggregate(n=Sum("participants"))["n"],
        "commitments.due": Commitment.objects.filter(commune=commune, due_on__year=YEAR).count(),
        "gender": {g: profiles.filter(gender=g).count() for g in ("woman", "man", "undisclosed")}
        | {"no_profile": len(people) - profiles.count()},
        "age": {
            a: profiles.filter(age_band=a).count()
            for a in ("under_18", "18_34", "35_59", "60_plus", "undisclosed")
        },
        "profiled": profiles.count(),
    }


# --- The figures shown equal the recounts ------------------------------------------------------


def test_the_public_page_shows_the_figures_recounted_from_the_database(client: Client, world: World) -> None:
    # given the commune's year, recounted with the test's own queries
    expected = recount(world)
    assert expected["participation.participants"] == 40  # the staff's own chat is not counted

    # when anyone opens the public page for that year
    html = page(client, public_url(world.commune))

    # then every key figure is the recount
    for key in [
        "usage.views",
        "usage.downloads",
        "audience.followers",
        "audience.followers_at_start",
        "live.sessions",
        "live.peak_viewers",
        "live.total_viewers",
        "questions.asked",
        "questions.answered",
        "questions.sms",
        "forums.posts",
        "forums.participants",
        "polls.ballots",
        "participation.participants",
        "participation.sms",
        "participation.workshop_attendance",
        "commitments.due",
    ]:
        assert stat_value(html, key) == expected[key], key
    assert stat_value(html, "questions.median_hours") == expected["questions.median_hours"] == 4
    assert stat_value(html, "questions.answered_percent") == round(100 * 3 / 4)
    assert stat_value(html, "groups.participants") == expected["participation.participants"]
    assert stat_value(html, "groups.profiled") == expected["profiled"] == 30
    # in French, with a space between thousands
    assert re.search(r'data-value="1650">1[\u00a0\u202f ]650<', html)

    # the charts' tables: views by month, votes by channel
    months = table_cells(html, "ev-usage-months-table")
    assert months[f"{YEAR}-03"][0] == expected["usage.march"] == 1500
    assert sum(value or 0 for value, _ in months.values()) == expected["usage.views"]
    ballots = table_cells(html, "ev-ballots-table")
    assert (ballots["web"][0], ballots["sms"][0]) == (expected["polls.web"], expected["polls.sms"])
    followers = table_cells(html, "ev-audience-months-table")
    assert followers[f"{YEAR}-12"][0] == expected["audience.followers"]
    assert followers[f"{YEAR}-01"][0] == expected["audience.followers_at_start"]

    # the period of the group tables is the whole year, said in words
    assert "data-groups-period" in html


def test_small_groups_are_hidden_and_so_is_the_cell_that_would_give_them_away(
    client: Client, world: World
) -> None:
    expected = recount(world)["gender"]
    assert expected == {"woman": 14, "man": 13, "undisclosed": 3, "no_profile": 10}

    html = page(client, public_url(world.commune), **ENGLISH)
    gender = table_cells(html, "ev-groups-gender-table")

    # the group of three is hidden, and so is a second cell, which would otherwise give the three
    # away by subtraction from the 40 participants
    assert gender["undisclosed"] == (None, "fewer than 10, or hidden")
    hidden = [key for key, (value, _) in gender.items() if value is None]
    assert len(hidden) == 2
    # the groups shown are shown as counted
    for key, (value, text) in gender.items():
        if value is not None:
            assert value == expected[key] and text == str(expected[key])
    table = table_html(html, "ev-groups-gender-table")
    assert table.count("data-suppressed") == 2
    # the chart draws them as hatched bars, with no length that hints at a number
    figure = re.search(r'<figure class="ev-chart" id="ev-groups-gender">.*?</figure>', html, re.S).group(0)
    assert figure.count('class="ev-bar ev-bar--hidden"') == 2
    assert "&lt; 10 or hidden" in figure
    # and the page says why, in plain words
    assert "Why some figures are hidden" in html

    # the ages: under 10 (and zeros) hidden; together they hold 7 people (30 profiled - 12 - 11, a
    # sum anyone can make), under 10, so the smallest group shown goes with them
    ages = table_cells(html, "ev-groups-age-table")
    counted = recount(world)["age"]
    assert ages["18_34"][0] == counted["18_34"] == 12
    assert counted["35_59"] == 11 and ages["35_59"][0] is None
    assert ages["60_plus"][0] is None and ages["under_18"][0] is None
    # nothing on the page gives the hidden counts away
    assert 'data-value="3"' not in table and 'data-value="7"' not in table_html(html, "ev-groups-age-table")

    # the workshops are their own channel: 22 women, 18 men, no one undisclosed (0: hidden, and
    # the men with it)
    workshops = table_cells(html, "ev-workshops-gender-table")
    assert workshops["woman"][0] == 22
    assert workshops["man"][0] is None and workshops["undisclosed"][0] is None


def test_no_one_can_recover_the_small_group_from_the_public_figures(client: Client, world: World) -> None:
    # given everything the API publishes about the year
    figures = client.get(f"/api/v1/communes/{world.commune.slug}/evaluation/?year={YEAR}").json()
    groups = figures["groups"]
    known = {"no_profile": groups["participants"] - groups["profiled"]}  # public: two figures apart

    # when someone tries to work out each hidden cell of each table from the totals
    for name, cells in groups["tables"].items():
        shown = sum(cell["count"] for cell in cells if cell["count"] is not None)
        hidden = [cell["key"] for cell in cells if cell["count"] is None]
        unknown = [key for key in hidden if key not in known]
        left = groups["participants"] - shown - sum(known[key] for key in hidden if key in known)

        # then no table leaves a single hidden cell to solve for (a small group's exact count)
        assert len(unknown) != 1, f"{name}: {unknown[0] if unknown else ''} = {left}"


def test_the_api_gives_the_same_figures_as_json(client: Client, world: World) -> None:
    expected = recount(world)
    response = client.get(f"/api/v1/communes/{world.commune.slug}/evaluation/?year={YEAR}")
    assert response.status_code == 200
    figures = response.json()
    assert figures["year"] == YEAR and figures["commune"]["slug"] == world.commune.slug
    for key in [
        "usage.views",
        "usage.downloads",
        "live.total_viewers",
        "questions.asked",
        "polls.sms",
        "participation.participants",
        "participation.workshop_attendance",
    ]:
        section, name = key.split(".")
        assert figures[section][name] == expected[key], key
    cells = {cell["key"]: cell for cell in figures["groups"]["tables"]["gender"]}
    assert cells["woman"] == {"key": "woman", "count": 14, "suppressed": False}
    assert cells["undisclosed"] == {"key": "undisclosed", "count": None, "suppressed": True}
    assert sum(cell["suppressed"] for cell in cells.values()) == 2
    # the other commune's figures are its own
    other = client.get(f"/api/v1/communes/{world.other.slug}/evaluation/?year={YEAR}").json()
    assert other["usage"]["views"] == 5000 and other["live"]["total_viewers"] == 900


def test_the_api_reads_its_figures_in_a_bounded_number_of_queries(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(60):
        assert client.get(f"/api/v1/communes/{world.commune.slug}/evaluation/?year={YEAR}").status_code == 200


# --- The staff dashboard -------------------------------------------------------------------------


def test_the_dashboard_compares_with_the_year_before_and_lists_the_sessions(
    client: Client, world: World
) -> None:
    client.force_login(world.councillor)  # any staff of the commune

    # the current year, compared with the same days of last year (1 January to today's date)
    html = page(client, dashboard_url(world.commune, None), **ENGLISH)
    same_day = same_day_of(YEAR, timezone.localdate())
    views = DailyUsage.objects.filter(commune=world.commune, day__year=YEAR, day__lte=same_day)
    expected = sum(row.views for row in views.exclude(kind=PageKind.DOWNLOAD))
    compared = stat_compared(html, "usage.views")
    assert compared.startswith(f"{YEAR}: {expected:,} → {THIS_YEAR}: ")
    assert "data-same-days" in html and "Compared with the same days of" in html
    assert "data-refresh-note" in html and "updated every minute" in html
    assert "no-cache" in client.get(dashboard_url(world.commune, None))["Cache-Control"]

    # last year, with its live sessions' table, compared with the year before it (counted too: the
    # years offered start with the first day of usage counted)
    html = page(client, dashboard_url(world.commune), **ENGLISH)
    assert stat_compared(html, "usage.views") == f"{YEAR - 1}: 999 → {YEAR}: 1,650 (+65 %)"
    sessions = table_html(html, "ev-live-table")
    for session in world.sessions:
        row = re.search(rf'<tr data-key="{session.pk}">.*?</tr>', sessions, re.S).group(0)
        assert f'href="/seances/{session.pk}/"' in row
        assert (
            f'data-value="{session.peak_viewers}"' in row and f'data-value="{session.total_viewers}"' in row
        )
    assert stat_value(html, "live.total_viewers") == 190


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("other_staff", 403),
        ("councillor", 200),
        ("mayor", 200),
        ("admin", 200),
    ],
)
def test_who_may_open_the_dashboard(client: Client, world: World, who: str, status: int) -> None:
    user = {
        "anonymous": None,
        "citizen": world.citizens[0],
        "other_staff": world.other_staff,
        "councillor": world.councillor,
        "mayor": world.mayor,
        "admin": AdminFactory(),
    }[who]
    if user is not None:
        client.force_login(user)
    response = client.get(dashboard_url(world.commune))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/connexion/") or "next=" in response["Location"]
    if status == 403:
        assert "ev-section" not in response.content.decode()


def test_another_communes_staff_see_their_own_dashboard_only(client: Client, world: World) -> None:
    client.force_login(world.other_staff)
    assert client.get(dashboard_url(world.other)).status_code == 200
    refused = client.get(dashboard_url(world.commune), **ENGLISH)
    assert refused.status_code == 403
    # told whose dashboard it is, where their own role is, and where the public figures are
    html = refused.content.decode()
    assert f"The evaluation dashboard of {world.commune.name} is for its staff." in html
    assert f"Your role on Communes+ is in {world.other.name}" in html
    assert f'href="/communes/{world.commune.slug}/evaluation/"' in html


def test_the_public_page_is_open_to_everyone_and_links_where_it_says(client: Client, world: World) -> None:
    for user in [None, world.citizens[0], world.other_staff]:
        if user is not None:
            client.force_login(user)
        html = page(client, public_url(world.commune), **ENGLISH)
        assert 'href="/profil/participation/"' in html
        assert f'href="/communes/{world.commune.slug}/evaluation/rapports/"' in html
        assert f'href="/communes/{world.commune.slug}/transparence/?annee={YEAR}"' in html
        assert ("tableau-de-bord" in html) is False  # only the commune's staff get the link
    client.force_login(world.councillor)
    assert f"/communes/{world.commune.slug}/evaluation/tableau-de-bord/" in page(
        client, public_url(world.commune)
    )


def test_every_chart_is_an_image_with_a_name_and_its_table_right_after(client: Client, world: World) -> None:
    html = page(client, public_url(world.commune))
    figures = re.findall(r'<figure class="ev-chart" id="([^"]+)">(.*?)</figure>', html, re.S)
    assert len(figures) >= 8
    for chart_id, body in figures:
        assert re.search(rf'<svg [^>]*role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"', body)
        assert f'<title id="{chart_id}-title">' in body and f'<desc id="{chart_id}-desc">' in body
        assert 'width="100%"' in body and 'viewBox="0 0 340 ' in body
        # the table comes after the chart, with a caption and headers
        assert body.index("</svg>") < body.index("<table")
        assert "<caption" in body and '<th scope="col"' in body and '<th scope="row"' in body
    # no inline style anywhere (the CSP forbids it)
    assert "style=" not in html.split("<main", 1)[1]


def test_a_year_without_figures_is_said_and_the_current_year_shown(client: Client, world: World) -> None:
    for bad in ["1999", "abc", str(THIS_YEAR + 1), "<script>"]:
        response = client.get(public_url(world.commune, bad), **ENGLISH)
        assert response.status_code == 200
        html = response.content.decode()
        assert "data-unknown-year" in html
        assert f"Open evaluation of {world.commune.name}, {THIS_YEAR}" in html
        assert "<script>" not in html.split("<main", 1)[1]


def test_an_unknown_commune_is_404_on_the_pages_and_in_the_api(client: Client, world: World) -> None:
    assert client.get("/communes/nulle-part/evaluation/").status_code == 404
    client.force_login(world.mayor)
    assert client.get("/communes/nulle-part/evaluation/tableau-de-bord/").status_code == 404
    response = client.get("/api/v1/communes/nulle-part/evaluation/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "commune_not_found"


@pytest.mark.parametrize("year", ["abc", "1999", str(THIS_YEAR + 1), "", "2026.5"])
def test_the_api_refuses_a_year_without_figures(client: Client, world: World, year: str) -> None:
    response = client.get(f"/api/v1/communes/{world.commune.slug}/evaluation/?year={year}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "year" in error["fields"]


def test_the_api_defaults_to_the_current_year(client: Client, world: World) -> None:
    figures = client.get(f"/api/v1/communes/{world.commune.slug}/evaluation/").json()
    assert figures["year"] == THIS_YEAR
    assert figures["usage"]["views"] == 0
