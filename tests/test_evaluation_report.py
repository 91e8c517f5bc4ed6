"""The yearly evaluation report: the draft and its commentary, publication (figures frozen),
withdrawal, who may do what, the pages, and the PDF, whose text (``pdftotext``) carries the figures.

The figures are checked against recounts made here from the rows the test wrote (not through
``evaluation.selectors``), small groups' suppression included.
"""

from __future__ import annotations

import datetime
import http.server
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.test import Client
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from commitments.models import Commitment, CommitmentStatus
from evaluation import labels
from evaluation.models import (
    MAX_COMMENTARY_CHARS,
    DailyUsage,
    EvaluationReport,
    Gender,
    PageKind,
    ParticipantProfile,
    ReportStatus,
)
from evaluation.selectors import commune_figures
from evaluation.services import reports
from frontend.evaluation import report_pdf
from hub.errors import NotAuthenticated, PermissionDenied
from hub.models import AuditLogEntry, Commune, Role, User
from publications.models import DocumentType
from publications.register import expected_publications
from sessions_live.models import Question, QuestionStatus
from tests.factories import AdminFactory, CommuneFactory, UserFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_publications import PublishedDocumentFactory
from tests.factories_sessions import LiveSessionFactory, QuestionFactory, staff_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year - 1  # a year that is over: it can be published
BEFORE = YEAR - 1
COMMENTARY = "Nous avons ouvert trois points d'accès dans les marchés."


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def fr(msgid: str) -> str:
    """A page's words as the French catalog has them (the English msgid until it is compiled)."""
    with translation.override("fr"):
        return gettext(msgid)


def fr_number(value: int) -> str:
    with translation.override("fr"):
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


def fr_change(current: int, previous: int) -> str:
    with translation.override("fr"):
        return labels.change(current, previous)


def old_commune(**kwargs: Any) -> Commune:
    """A commune on the platform since the year before ``YEAR`` (so both years can be reported on)."""
    commune = CommuneFactory(**kwargs)
    Commune.objects.filter(pk=commune.pk).update(created_at=at(BEFORE, 1, 2))
    commune.refresh_from_db()
    return commune


@dataclass
class World:
    commune: Commune
    other: Commune
    mayor: User


def participants_with_profiles(commune: Commune, year: int) -> list[User]:
    """34 people asking a question in ``year``: 15 women, 12 men, 4 who prefer not to say and 3
    with no profile (aged 35-59, disability and arrondissement not said). Among the 31 profiled,
    the gender table has one cell under 10 ("did not say": 4), so the smallest other (men: 12) is
    hidden too; the people without a profile are public (participants − profiled), so shown."""
    session = LiveSessionFactory(
        commune=commune, started_at=at(year, 3, 10), peak_viewers=40, total_viewers=130
    )
    genders = [Gender.WOMAN] * 15 + [Gender.MAN] * 12 + [Gender.UNDISCLOSED] * 4 + [None] * 3
    people = []
    for index, gender in enumerate(genders):
        person = UserFactory()
        if gender is not None:
            ParticipantProfile.objects.create(
                user=person, gender=gender, age_band="35_59", consented_at=timezone.now()
            )
        answered = index % 2 == 0  # 17 of 34 answered, 5 hours later
        question = QuestionFactory(
            session=session,
            author=person,
            status=QuestionStatus.ANSWERED if answered else QuestionStatus.APPROVED,
            answered_at=at(year, 3, 10, 15) if answered else None,
        )
        Question.objects.filter(pk=question.pk).update(created_at=at(year, 3, 10, 10))
        people.append(person)
    return people


def build_world() -> World:
    commune = old_commune(name="Zogbodomey-Test")
    other = old_commune(name="Autre-Commune")
    # Use: page views and downloads, in the year, the year before, and another commune's.
    for commune_, day, kind, views in [
        (commune, datetime.date(YEAR, 3, 3), PageKind.COMMUNE, 1200),
        (commune, datetime.date(YEAR, 3, 3), PageKind.DOCUMENT, 34),
        (commune, datetime.date(YEAR, 7, 9), PageKind.DOWNLOAD, 45),
        (commune, datetime.date(YEAR, 12, 31), PageKind.FORUM, 7),
        (commune, datetime.date(BEFORE, 6, 1), PageKind.COMMUNE, 503),
        (commune, datetime.date(BEFORE, 6, 1), PageKind.DOWNLOAD, 6),
        (other, datetime.date(YEAR, 3, 3), PageKind.COMMUNE, 999),
    ]:
        DailyUsage.objects.create(commune=commune_, day=day, kind=kind, views=views)
    participants_with_profiles(commune, YEAR)
    # The year before: two questions, one answered.
    before = LiveSessionFactory(commune=commune, started_at=at(BEFORE, 5, 5))
    for answered in (True, False):
        question = QuestionFactory(
            session=before,
            status=QuestionStatus.ANSWERED if answered else QuestionStatus.APPROVED,
            answered_at=at(BEFORE, 5, 6) if answered else None,
        )
        Question.objects.filter(pk=question.pk).update(created_at=at(BEFORE, 5, 5))
    # Commitments due in the year: kept on time (2), kept late, dropped, overdue.
    for due, status, done in [
        (datetime.date(YEAR, 4, 30), CommitmentStatus.DONE, at(YEAR, 4, 20)),
        (datetime.date(YEAR, 6, 30), CommitmentStatus.DONE, at(YEAR, 6, 30, 18)),
        (datetime.date(YEAR, 5, 31), CommitmentStatus.DONE, at(YEAR, 8, 1)),
        (datetime.date(YEAR, 9, 30), CommitmentStatus.DROPPED, None),
        (datetime.date(YEAR, 10, 31), CommitmentStatus.PLANNED, None),
    ]:
        CommitmentFactory(commune=commune, due_on=due, status=status, done_at=done)
    CommitmentFactory(
        commune=other, due_on=datetime.date(YEAR, 4, 30), status=CommitmentStatus.DONE, done_at=at(YEAR, 4, 1)
    )
    # Transparency: the year's budget published on time, its work plan late.
    PublishedDocumentFactory(
        commune=commune,
        type=DocumentType.BUDGET_PRIMITIVE,
        fiscal_year=YEAR,
        first_published_at=at(BEFORE, 12, 1),
    )
    PublishedDocumentFactory(
        commune=commune,
        type=DocumentType.ANNUAL_WORK_PLAN,
        fiscal_year=YEAR,
        first_published_at=at(YEAR, 3, 1),
    )
    return World(commune=commune, other=other, mayor=staff_of(commune, Role.MAYOR))


@pytest.fixture
def world() -> World:
    return build_world()


# --- Recounts, made here from the rows -----------------------------------------------------------


def recount_usage(commune: Commune, year: int) -> tuple[int, int]:
    rows = DailyUsage.objects.filter(commune=commune, day__year=year)
    downloads = rows.filter(kind=PageKind.DOWNLOAD).aggregate(n=Sum("views"))["n"] or 0
    views = rows.exclude(kind=PageKind.DOWNLOAD).aggregate(n=Sum("views"))["n"] or 0
    return views, downloads


def recount_questions(commune: Commune, year: int) -> tuple[int, int]:
    asked = Question.objects.filter(session__commune=commune, created_at__year=year)
    return asked.count(), asked.filter(status=QuestionStatus.ANSWERED).count()


def recount_participants(commune: Commune, year: int) -> set[int]:
    return set(
        Question.objects.filter(session__commune=commune, created_at__year=year).values_list(
            "author_id", flat=True
        )
    )


def recount_commitments(commune: Commune, year: int) -> tuple[int, int]:
    due = Commitment.objects.filter(commune=commune, due_on__year=year)
    kept = [c for c in due if c.status == CommitmentStatus.DONE and timezone.localdate(c.done_at) <= c.due_on]
    return due.count(), len(kept)


def recount_transparency(year: int) -> int:
    """2 published (budget, work plan) over the publications due by today for ``year``."""
    due = [
        e
        for e in expected_publications()
        if e.applies_to(year)
        and (
            e.type in (DocumentType.BUDGET_PRIMITIVE, DocumentType.ANNUAL_WORK_PLAN)
            or e.due_date(year) < TODAY
        )
    ]
    return round(100 * 2 / len(due))


def recount_gender(people: set[int]) -> dict[str, int]:
    counts = {g: 0 for g in Gender.values}
    for gender in ParticipantProfile.objects.filter(user_id__in=people).values_list("gender", flat=True):
        counts[gender] += 1
    counts["no_profile"] = len(people) - sum(counts.values())
    return counts


def test_the_report_figures_equal_recounts_from_the_database(world: World) -> None:
    # Given the rows of the world; when the report's figures are computed (a draft, live)
    figures = reports.live_figures(world.commune, YEAR)
    current, previous = figures["current"], figures["previous"]

    # Then each one equals its recount
    assert (
        (current["usage"]["views"], current["usage"]["downloads"])
        == recount_usage(world.commune, YEAR)
        == (1241, 45)
    )
    assert (
        (previous["usage"]["views"], previous["usage"]["downloads"])
        == recount_usage(world.commune, BEFORE)
        == (503, 6)
    )
    assert (
        (current["questions"]["asked"], current["questions"]["answered"])
        == recount_questions(world.commune, YEAR)
        == (34, 17)
    )
    assert (previous["questions"]["asked"], previous["questions"]["answered"]) == recount_questions(
        world.commune, BEFORE
    )
    people = recount_participants(world.commune, YEAR)
    assert current["participation"]["participants"] == len(people) == 34
    due, kept = recount_commitments(world.commune, YEAR)
    assert (current["commitments"]["due"], current["commitments"]["kept_on_time"]) == (due, kept) == (5, 2)
    assert current["transparency"]["score"] == recount_transparency(YEAR)
    assert current["live"]["sessions"] == 1 and current["live"]["total_viewers"] == 130

    # And the group table shows only cells of 10 people or more, the smallest other one hidden too
    # (those without a profile are public: participants − profiled)
    counts = recount_gender(people)
    assert counts == {"woman": 15, "man": 12, "undisclosed": 4, "no_profile": 3}
    groups = current["groups"]
    assert (groups["participants"], groups["profiled"]) == (34, 31)
    shown = {cell["key"]: cell["count"] for cell in groups["tables"]["gender"]}
    assert shown == {"woman": 15, "man": None, "undisclosed": None, "no_profile": 3}
    # The year before had 2 participants, none profiled: every group cell of its tables is hidden.
    before = {cell["key"]: cell["count"] for cell in previous["groups"]["tables"]["gender"]}
    assert before == {"woman": None, "man": None, "undisclosed": None, "no_profile": 2}


# --- The draft and its commentary ----------------------------------------------------------------


def test_a_draft_is_made_once_per_commune_and_year(world: World) -> None:
    first = reports.report_for(world.commune, YEAR, by=world.mayor)
    again = reports.report_for(world.commune, YEAR, by=world.mayor)
    assert first.pk == again.pk and first.status == ReportStatus.DRAFT and first.figures is None
    assert EvaluationReport.objects.filter(commune=world.commune).count() == 1


@pytest.mark.parametrize("year", [YEAR - 5, TODAY.year + 1, "2025", None, True, 99999])
def test_a_year_no_report_can_cover_is_refused(world: World, year: Any) -> None:
    with pytest.raises(reports.Invalid) as refused:
        reports.report_for(world.commune, year, by=world.mayor)
    assert "year" in refused.value.details["fields"]
    assert not EvaluationReport.objects.exists()


def test_the_commentary_is_cleaned_and_journaled(world: World) -> None:
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)

    saved = reports.save_commentary(draft, "  Première ligne.\r\nDeuxième ligne.\r\n  ", world.mayor)

    assert saved.commentary == "Première ligne.\nDeuxième ligne."
    entry = AuditLogEntry.objects.get(action="evaluation.report_commentary")
    assert entry.commune == world.commune and entry.actor == world.mayor
    assert entry.data == {"year": YEAR, "chars_before": 0, "chars_after": len(saved.commentary)}
    # The same text again writes nothing.
    reports.save_commentary(saved, "Première ligne.\nDeuxième ligne.", world.mayor)
    assert AuditLogEntry.objects.filter(action="evaluation.report_commentary").count() == 1


def test_the_commentary_counts_line_breaks_once_up_to_the_limit(world: World) -> None:
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    # 8000 characters as the browser counts them (4000 CRLF pairs sent, 4000 line breaks kept).
    text = "a\r\n" * 3999 + "bb"
    assert len(text.replace("\r\n", "\n")) == MAX_COMMENTARY_CHARS
    assert len(reports.save_commentary(draft, text, world.mayor).commentary) == MAX_COMMENTARY_CHARS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * (MAX_COMMENTARY_CHARS + 1), "8000"),
        ("Texte\x00caché", ""),
        ("Cloche\x07", ""),
        (["une liste"], ""),
        (12, ""),
    ],
)
def test_bad_commentary_is_refused_and_nothing_changes(world: World, text: Any, message: str) -> None:
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    reports.save_commentary(draft, "Avant.", world.mayor)
    with pytest.raises(reports.Invalid) as refused:
        reports.save_commentary(draft, text, world.mayor)
    assert "commentary" in refused.value.details["fields"]
    assert message in refused.value.message
    assert EvaluationReport.objects.get(pk=draft.pk).commentary == "Avant."


# --- Publishing ----------------------------------------------------------------------------------


def test_publishing_freezes_the_figures_later_counts_change_nothing(world: World) -> None:
    # Given a draft with its commentary, published
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    reports.save_commentary(draft, COMMENTARY, world.mayor)
    published = reports.publish(draft, world.mayor)
    assert published.status == ReportStatus.PUBLISHED and published.published_by == world.mayor
    assert published.figures["current"]["usage"]["views"] == 1241
    assert published.figures["previous"]["usage"]["views"] == 503
    frozen = EvaluationReport.objects.get(pk=draft.pk).figures

    # When more is counted for that year afterwards (a late batch of views, a late answer)
    DailyUsage.objects.create(
        commune=world.commune, day=datetime.date(YEAR, 12, 30), kind=PageKind.COMMUNE, views=500
    )
    Question.objects.filter(session__commune=world.commune, status=QuestionStatus.APPROVED).update(
        status=QuestionStatus.ANSWERED, answered_at=at(YEAR, 4, 1)
    )

    # Then the published report reads as it was published; only the live figures moved
    report = EvaluationReport.objects.get(pk=draft.pk)
    assert report.figures == frozen
    assert reports.report_figures(report)["current"]["usage"]["views"] == 1241
    assert reports.report_figures(report)["current"]["questions"]["answered"] == 17
    assert commune_figures(world.commune, YEAR)["usage"]["views"] == 1741
    entry = AuditLogEntry.objects.get(action="evaluation.report_publish")
    assert entry.commune == world.commune and entry.data == {"year": YEAR, "figures_version": 1}


def test_the_year_in_progress_cannot_be_published(world: World) -> None:
    draft = reports.report_for(world.commune, TODAY.year, by=world.mayor)
    with pytest.raises(reports.YearNotOver):
        reports.publish(draft, world.mayor)
    assert EvaluationReport.objects.get(pk=draft.pk).status == ReportStatus.DRAFT
    assert not AuditLogEntry.objects.filter(action="evaluation.report_publish").exists()


def test_a_published_report_is_not_published_twice_nor_its_commentary_changed(world: World) -> None:
    report = reports.publish(reports.report_for(world.commune, YEAR, by=world.mayor), world.mayor)
    with pytest.raises(reports.WrongStatus):
        reports.publish(report, world.mayor)
    with pytest.raises(reports.WrongStatus):
        reports.save_commentary(report, "Autre chose.", world.mayor)


def test_withdrawing_needs_a_reason_makes_a_draft_again_and_is_journaled(world: World) -> None:
    report = reports.publish(reports.report_for(world.commune, YEAR, by=world.mayor), world.mayor)
    published_at = report.published_at
    with pytest.raises(reports.Invalid) as refused:
        reports.unpublish(report, world.mayor, "   ")
    assert "reason" in refused.value.details["fields"]
    with pytest.raises(reports.Invalid):
        reports.unpublish(report, world.mayor, "x" * (reports.MAX_REASON_CHARS + 1))

    draft = reports.unpublish(report, world.mayor, "Un chiffre de la séance de mars manquait.")

    assert (draft.status, draft.figures, draft.published_at) == (ReportStatus.DRAFT, None, None)
    entry = AuditLogEntry.objects.get(action="evaluation.report_unpublish")
    assert entry.data == {
        "year": YEAR,
        "reason": "Un chiffre de la séance de mars manquait.",
        "published_at": published_at.isoformat(),
    }
    with pytest.raises(reports.WrongStatus):
        reports.unpublish(draft, world.mayor, "Encore.")


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.MAYOR, True),
        (Role.SECRETARY_GENERAL, True),
        (Role.COMMUNICATION_OFFICER, True),
        (Role.DEPUTY_MAYOR, False),
        (Role.COUNCILLOR, False),
        (Role.FOCAL_POINT, False),
        (Role.MODERATOR, False),
    ],
)
def test_who_may_write_and_publish_by_role(world: World, role: str, allowed: bool) -> None:
    user = staff_of(world.commune, role)
    if allowed:
        draft = reports.report_for(world.commune, YEAR, by=user)
        reports.save_commentary(draft, COMMENTARY, user)
        assert reports.publish(draft, user).status == ReportStatus.PUBLISHED
    else:
        with pytest.raises(PermissionDenied):
            reports.report_for(world.commune, YEAR, by=user)
        draft = reports.report_for(world.commune, YEAR, by=world.mayor)
        with pytest.raises(PermissionDenied):
            reports.save_commentary(draft, COMMENTARY, user)
        with pytest.raises(PermissionDenied):
            reports.publish(draft, user)
        assert EvaluationReport.objects.get(pk=draft.pk).status == ReportStatus.DRAFT


def test_staff_of_another_commune_cannot_touch_the_report(world: World) -> None:
    outsider = staff_of(world.other, Role.MAYOR)
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    with pytest.raises(PermissionDenied):
        reports.report_for(world.commune, YEAR, by=outsider)
    with pytest.raises(PermissionDenied):
        reports.save_commentary(draft, "Intrusion.", outsider)
    with pytest.raises(PermissionDenied):
        reports.publish(draft, outsider)
    published = reports.publish(draft, world.mayor)
    with pytest.raises(PermissionDenied):
        reports.unpublish(published, outsider, "Intrusion.")
    assert EvaluationReport.objects.get(pk=draft.pk).status == ReportStatus.PUBLISHED


def test_a_platform_admin_may_and_the_signed_out_or_a_disabled_commune_may_not(world: World) -> None:
    admin = AdminFactory()
    draft = reports.report_for(world.commune, YEAR, by=admin)
    reports.save_commentary(draft, COMMENTARY, admin)
    with pytest.raises(NotAuthenticated):
        reports.save_commentary(draft, COMMENTARY, None)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        reports.publish(draft, AnonymousUser())
    Commune.objects.filter(pk=world.commune.pk).update(is_enabled=False)
    draft.commune.refresh_from_db()
    with pytest.raises(PermissionDenied):
        reports.publish(draft, world.mayor)


# --- The pages -----------------------------------------------------------------------------------


def published_report(world: World, commentary: str = COMMENTARY) -> EvaluationReport:
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    reports.save_commentary(draft, commentary, world.mayor)
    return reports.publish(draft, world.mayor)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(commune: Commune, year: int = YEAR, tail: str = "/") -> str:
    return f"/communes/{commune.slug}/evaluation/{year}{tail}"


def spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_the_published_report_is_public_with_its_figures_and_commentary(world: World) -> None:
    published_report(world)

    response = Client().get(page_url(world.commune))

    assert response.status_code == 200
    html = spaces(response.content.decode())
    assert COMMENTARY.replace("'", "&#x27;") in html
    assert world.commune.name in html and str(YEAR) in html
    assert fr("Draft — not published") not in html
    row = re.search(r'<tr data-figure="usage.views">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'data-year="(\w+)">([^<]*)<', row.group(1)) == [
        ("previous", "503"),
        ("current", spaces(fr_number(1241))),
        ("change", spaces(f"+738 ({fr_change(1241, 503)})")),
    ]


def test_an_unpublished_report_is_not_found_for_citizens_and_other_communes_staff(world: World) -> None:
    reports.save_commentary(reports.report_for(world.commune, YEAR, by=world.mayor), "Secret.", world.mayor)
    for client in (Client(), signed_in(UserFactory()), signed_in(staff_of(world.other, Role.MAYOR))):
        missing = client.get(page_url(world.commune))
        assert missing.status_code == 404
        # a page that says so and leads to the year's figures, the same whether a draft exists or not
        html = missing.content.decode()
        assert "data-report-missing" in html and "Secret." not in html
        assert f"/communes/{world.commune.slug}/evaluation/?annee={YEAR}" in html
        assert client.get(page_url(world.commune, tail=".pdf")).status_code == 404
    assert Client().get(page_url(world.commune, YEAR - 1)).content.decode().count("data-report-missing") == 1
    # Nor a year no report can cover, for anyone.
    assert signed_in(world.mayor).get(page_url(world.commune, YEAR - 5)).status_code == 404
    assert signed_in(world.mayor).get(page_url(world.commune, 99999)).status_code == 404


def test_staff_of_the_commune_preview_the_draft_with_a_banner_and_live_figures(world: World) -> None:
    councillor = staff_of(world.commune, Role.COUNCILLOR)

    response = signed_in(councillor).get(page_url(world.commune))

    assert response.status_code == 200
    html = spaces(response.content.decode())
    assert fr("Draft — not published") in html
    assert "no-store" in response["Cache-Control"]
    assert f'data-year="current">{spaces(fr_number(1241))}<' in html
    # A councillor reads the draft but does not manage it.
    assert page_url(world.commune, tail="/rediger/") not in html
    assert (
        page_url(world.commune, tail="/rediger/")
        in signed_in(world.mayor).get(page_url(world.commune)).content.decode()
    )
    assert not EvaluationReport.objects.exists()  # reading made no row


def test_the_editor_saves_the_commentary_and_refuses_what_is_too_long(world: World) -> None:
    client = signed_in(world.mayor)
    url = page_url(world.commune, tail="/rediger/")
    assert client.get(url).status_code == 200
    assert client.get(page_url(world.commune, YEAR - 5, "/rediger/")).status_code == 404
    assert (
        client.post(page_url(world.commune, YEAR - 5, "/rediger/"), {"commentary": "Non."}).status_code == 404
    )

    response = client.post(url, {"commentary": COMMENTARY})
    assert response.status_code == 302 and response["Location"] == url
    assert EvaluationReport.objects.get(commune=world.commune, year=YEAR).commentary == COMMENTARY

    response = client.post(url, {"commentary": "x" * (MAX_COMMENTARY_CHARS + 1)})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    response = client.post(url, {"commentary": "Nul\x00"})
    assert response.status_code == 400
    assert EvaluationReport.objects.get(commune=world.commune, year=YEAR).commentary == COMMENTARY


def test_the_editor_is_for_those_who_speak_for_the_commune(world: World) -> None:
    url = page_url(world.commune, tail="/rediger/")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/connexion/")
    # another commune's mayor is told the page is this commune's, and where their own role is
    refused = signed_in(staff_of(world.other, Role.MAYOR)).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert f"Only those who speak for {world.commune.name}" in refused.content.decode()
    assert f"Your role on Communes+ is in {world.other.name}" in refused.content.decode()
    for user in (staff_of(world.commune, Role.COUNCILLOR), staff_of(world.other, Role.MAYOR), UserFactory()):
        client = signed_in(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"commentary": "Intrusion."}).status_code == 403
        assert client.post(page_url(world.commune, tail="/publier/"), {"confirmed": "1"}).status_code == 403
    assert not EvaluationReport.objects.exists()


def test_publishing_asks_first_then_publishes(world: World) -> None:
    client = signed_in(world.mayor)
    client.post(page_url(world.commune, tail="/rediger/"), {"commentary": COMMENTARY})
    url = page_url(world.commune, tail="/publier/")

    # The editor's publish button saves what is being written first, then asks.
    edited = COMMENTARY + "\n\nAjouté juste avant de publier."
    saved = client.post(page_url(world.commune, tail="/rediger/"), {"commentary": edited, "then": "publish"})
    assert saved.status_code == 302 and saved["Location"] == url
    assert EvaluationReport.objects.get(commune=world.commune).commentary == edited
    asked = client.get(url)
    assert asked.status_code == 200 and 'name="confirmed"' in asked.content.decode()
    assert EvaluationReport.objects.get(commune=world.commune).status == ReportStatus.DRAFT
    # A post without confirmation (an old page's button) also comes back to the question.
    assert 'name="confirmed"' in client.post(url).content.decode()

    done = client.post(url, {"confirmed": "1"})

    assert done.status_code == 302 and done["Location"] == page_url(world.commune)
    assert EvaluationReport.objects.get(commune=world.commune).status == ReportStatus.PUBLISHED
    assert Client().get(page_url(world.commune)).status_code == 200


def test_the_year_in_progress_is_previewed_but_not_published_from_the_page(world: World) -> None:
    client = signed_in(world.mayor)
    url = page_url(world.commune, TODAY.year, "/publier/")
    assert 'name="confirmed"' not in client.get(url).content.decode()
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    assert EvaluationReport.objects.get(commune=world.commune, year=TODAY.year).status == ReportStatus.DRAFT
    assert signed_in(world.mayor).get(page_url(world.commune, TODAY.year)).status_code == 200


def test_withdrawing_from_the_page_needs_a_reason(world: World) -> None:
    published_report(world)
    client = signed_in(world.mayor)
    url = page_url(world.commune, tail="/retirer/")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "field-error" in refused.content.decode()
    assert EvaluationReport.objects.get(commune=world.commune).status == ReportStatus.PUBLISHED

    done = client.post(url, {"reason": "Correction des chiffres de mars."})

    assert done.status_code == 302
    assert EvaluationReport.objects.get(commune=world.commune).status == ReportStatus.DRAFT
    assert Client().get(page_url(world.commune)).status_code == 404


def test_the_list_shows_published_reports_to_all_and_every_year_to_staff(world: World) -> None:
    published_report(world)
    reports.report_for(world.commune, TODAY.year, by=world.mayor)
    url = f"/communes/{world.commune.slug}/evaluation/rapports/"

    public = Client().get(url).content.decode()
    staff = signed_in(staff_of(world.commune, Role.COUNCILLOR)).get(url).content.decode()

    assert page_url(world.commune) in public and page_url(world.commune, TODAY.year) not in public
    assert page_url(world.commune) in staff and page_url(world.commune, TODAY.year) in staff
    assert page_url(world.commune, BEFORE) in staff  # not started yet: a preview
    assert "/rediger/" not in staff
    assert page_url(world.commune, tail="/rediger/") in signed_in(world.mayor).get(url).content.decode()


def test_a_withdrawn_report_leaves_the_public_read_cache_at_once(world: World) -> None:
    report = published_report(world)
    assert Client().get(page_url(world.commune)).status_code == 200
    assert Client().get(page_url(world.commune)).status_code == 200  # answered from the read cache

    reports.unpublish(report, world.mayor, "Une erreur de saisie.")

    assert Client().get(page_url(world.commune)).status_code == 404


# --- The PDF -------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
        )
    return spaces(done.stdout.decode())


def lines_with(text: str, label: str) -> list[str]:
    return [line for line in text.splitlines() if label in line]


def test_the_pdf_renders_and_its_text_carries_the_figures(world: World) -> None:
    published_report(world)

    response = Client().get(page_url(world.commune, tail=".pdf"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="evaluation-{world.commune.slug}-{YEAR}.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert world.commune.name in text and str(YEAR) in text
    assert COMMENTARY in " ".join(text.split())
    assert fr("Draft — not published") not in text
    current = recount_usage(world.commune, YEAR)
    questions = recount_questions(world.commune, YEAR)
    _due, kept = recount_commitments(world.commune, YEAR)
    for label, values in [
        ("Page views", [spaces(fr_number(503)), spaces(fr_number(current[0]))]),
        ("Document downloads", ["6", str(current[1])]),
        ("Participants online and by SMS", [str(len(recount_participants(world.commune, YEAR)))]),
        ("Questions asked in sessions", ["2", str(questions[0])]),
        ("Questions answered", ["1", str(questions[1])]),
        ("Commitments kept on time", [str(kept)]),
        ("Transparency score (publications due that exist)", [f"{recount_transparency(YEAR)} %"]),
    ]:
        found = lines_with(text, fr(label))
        assert found, label
        assert all(value in found[0] for value in values), (label, found[0], values)


def test_a_draft_pdf_is_for_staff_and_says_it_is_a_draft(world: World) -> None:
    reports.save_commentary(reports.report_for(world.commune, YEAR, by=world.mayor), COMMENTARY, world.mayor)

    response = signed_in(staff_of(world.commune, Role.SECRETARY_GENERAL)).get(
        page_url(world.commune, tail=".pdf")
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert fr("Draft — not published") in text and COMMENTARY in " ".join(text.split())


def test_a_published_reports_pdf_is_rendered_once_then_kept(world: World) -> None:
    report = published_report(world)
    first = Client().get(page_url(world.commune, tail=".pdf")).content
    with translation.override("fr"):
        key = report_pdf.cache_key(report)
    assert cache.get(key) == first
    # The cached copy is what is answered (the frozen figures could not change it anyway).
    cache.set(key, b"%PDF-cached", 60)
    assert Client().get(page_url(world.commune, tail=".pdf")).content == b"%PDF-cached"
    # Published again after a withdrawal: a new publication moment, a new key.
    again = reports.publish(reports.unpublish(report, world.mayor, "Correction."), world.mayor)
    with translation.override("fr"):
        assert report_pdf.cache_key(again) != key


def test_readers_asking_at_once_for_a_just_published_pdf_wait_for_one_rendering(world: World) -> None:
    # Given a report just published, whose PDF is not in the cache yet
    report = published_report(world)
    renders: list[int] = []

    def render() -> bytes:
        renders.append(threading.get_ident())
        threading.Event().wait(0.5)  # a rendering takes time
        return b"%PDF-once"

    # When eight readers ask for it at the same moment
    got: list[bytes] = []
    start = threading.Barrier(8)

    def reader() -> None:
        start.wait()
        with translation.override("fr"):
            got.append(report_pdf.cached_pdf(report, render))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Then it was rendered once, and every reader got that copy
    assert len(renders) == 1
    assert got == [b"%PDF-once"] * 8


def test_a_failed_rendering_lets_the_next_reader_render_it(world: World) -> None:
    # Given a report whose first rendering fails
    report = published_report(world)

    def broken() -> bytes:
        raise RuntimeError("renderer crashed")

    with translation.override("fr"):
        with pytest.raises(RuntimeError):
            report_pdf.cached_pdf(report, broken)
        # Then the lock went with it: the next reader takes it and renders, instead of waiting
        key = report_pdf.cache_key(report)
        assert cache.get(f"{key}:rendering") is None
        taken: list[bool] = []

        def second() -> bytes:
            taken.append(cache.get(f"{key}:rendering") is not None)
            return b"%PDF-second"

        assert report_pdf.cached_pdf(report, second) == b"%PDF-second"
        assert taken == [True]
        assert cache.get(report_pdf.cache_key(report)) == b"%PDF-second"


def test_the_pdf_renderer_fetches_nothing_over_the_network_nor_from_disk() -> None:
    # Given a local server that would record any request
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        html = f"""<html><head>
        <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
        <link rel="stylesheet" href="/static/frontend/css/evaluation-report.css">
        <style>@import url("http://127.0.0.1:{port}/import.css");</style></head>
        <body class="eval-pdf"><h1>Rapport</h1>
        <img src="http://127.0.0.1:{port}/image.png"><img src="file:///etc/passwd">
        <img src="/static/../../hub/settings.py"><img src="/static/frontend/js/site.js">
        <iframe src="http://127.0.0.1:{port}/frame"></iframe></body></html>"""

        # When it is rendered
        pdf = report_pdf.render_pdf(html)
    finally:
        server.shutdown()
        server.server_close()

    # Then nothing was asked of the server, and the PDF is made
    assert hits == [] and pdf.startswith(b"%PDF-")
    assert "Rapport" in pdf_text(pdf)


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/static/frontend/css/evaluation-report.css", True),
        ("/static/frontend/css/../css/evaluation-report.css", False),
        ("/static/../hub/settings.py", False),
        ("/static/%2e%2e/hub/settings.py", False),
        ("/static//etc/passwd.css", False),
        ("/static/frontend/js/site.js", False),  # not a kind the PDF uses
        ("/media/anything.css", False),
    ],
)
def test_only_our_static_files_are_read_for_the_pdf(path: str, served: bool) -> None:
    assert (report_pdf.static_file(path) is not None) is served


def test_the_pdf_shows_small_groups_as_hidden_never_their_count(world: World) -> None:
    # Given the published report of a year whose gender table hides "did not say" (4) and, with it,
    # the smallest other group (men: 12)
    published_report(world)

    text = pdf_text(Client().get(page_url(world.commune, tail=".pdf")).content)

    with translation.override("fr"):
        hidden = [spaces(labels.suppressed_text(10)), spaces(labels.suppressed_short(10))]
        women, men, did_not_say, no_profile = (
            labels.group_label("gender", key) for key in ("woman", "man", "undisclosed", "no_profile")
        )
    lines = text.splitlines()
    # The groups of 10 or more read their count in the table, and so do those without a profile.
    assert any(re.search(rf"{re.escape(women)}\s+15$", line.strip()) for line in lines)
    assert any(re.search(rf"{re.escape(no_profile)}\s+3$", line.strip()) for line in lines)
    # The hidden ones read "fewer than 10, or hidden", and their counts appear nowhere beside them:
    # not on a table's row, nor under a chart's label (where a bar's value is written).
    for label, count in ((men, "12"), (did_not_say, "4")):
        rows = [line for line in lines if label in line]
        assert any(hidden[0] in line for line in rows), label
        under = [lines[i + 1] for i, line in enumerate(lines[:-1]) if line.strip() == label]
        assert under, label
        for line in rows + under:
            for phrase in hidden:
                line = line.replace(phrase, "")
            assert count not in re.findall(r"\b\d+\b", line), line
