"""The library as a whole: the public read cache follows every change (a publication, a question
answered, a withdrawal) at the next read; the admin (themes curated, sheets read-only); the demo
data of `make run`, loaded twice without duplicates; the theme names in both languages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from forums.services import post_create
from hub.demo_data import DEMO_DOMAIN
from hub.models import OutboxEvent, Role, User
from notifications.models import Channel, Notification
from practices import services
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, Theme, ThemeFollow
from tests.factories import AdminFactory, CommuneFactory, UserFactory
from tests.factories_practices import PracticeSheetFactory, ThemeFactory, publisher

pytestmark = pytest.mark.django_db

VERSION_QUERIES = 0 if settings.REDIS_URL else 1


def queries_of(url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as context:
        response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode(), len(context.captured_queries)


# --- The public read cache -----------------------------------------------------------------------


def test_every_public_page_is_cached_and_shows_each_change_at_the_next_read():
    # given a commune's draft, and the library, the theme's page and the commune's page read once
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    theme = ThemeFactory(slug="budget")
    draft = PracticeSheetFactory(
        commune=commune, status=SheetStatus.DRAFT, themes=[theme], title="Budget citoyen"
    )
    urls = ["/bonnes-pratiques/", "/bonnes-pratiques/themes/budget/", "/communes/cotonou/bonnes-pratiques/"]
    urls += ["/api/v1/practices/", "/api/v1/practices/themes/", "/bonnes-pratiques/?commune=cotonou"]
    for url in urls:
        page, _count = queries_of(url)
        assert "Budget citoyen" not in page
        # a second read comes from memory
        _again, count = queries_of(url)
        assert count == VERSION_QUERIES, url
    # when the commune publishes it
    officer = publisher(commune)
    services.sheet_publish(actor=officer, sheet=draft)
    # then the very next anonymous reads show it
    for url in urls[:4] + urls[5:]:
        assert "Budget citoyen" in queries_of(url)[0], url
    detail = f"/bonnes-pratiques/{draft.pk}/"
    assert "practice-answer" not in queries_of(detail)[0]
    # and a question, then its official answer, show at once on the sheet's page
    question = services.question_ask(actor=UserFactory(), sheet=draft, body="Combien de pages ?")
    assert "practice-answer--no" in queries_of(detail)[0]
    post_create(actor=officer, thread=question.thread, body="Quatre pages.", official=True)
    assert "practice-answer--yes" in queries_of(detail)[0]
    # and a withdrawal is gone at once
    services.sheet_withdraw(actor=officer, sheet=PracticeSheet.objects.get(pk=draft.pk))
    assert "Budget citoyen" not in queries_of("/bonnes-pratiques/")[0]
    gone = Client().get(detail)
    assert gone.status_code == 410 and "Budget citoyen" not in gone.content.decode()


def test_a_theme_renamed_in_the_admin_is_renamed_everywhere():
    theme = ThemeFactory(slug="budget", name_fr="Budget")
    PracticeSheetFactory(themes=[theme])
    assert "Budget" in queries_of("/bonnes-pratiques/")[0]
    theme.name_fr = "Transparence budgétaire"
    theme.save()
    assert "Transparence budgétaire" in queries_of("/bonnes-pratiques/")[0]


def test_themes_are_named_in_the_readers_language():
    theme = ThemeFactory(name_fr="Eau et assainissement", name_en="Water and sanitation", description_en="")
    with translation.override("en"):
        assert theme.name == "Water and sanitation" and theme.description == theme.description_fr
    with translation.override("fr"):
        assert theme.name == "Eau et assainissement" and str(theme) == "Eau et assainissement"


# --- The admin -----------------------------------------------------------------------------------


def test_the_admin_curates_themes_and_only_shows_sheets_and_questions():
    admin = AdminFactory()
    client = Client()
    client.force_login(admin)
    theme = ThemeFactory()
    sheet = PracticeSheetFactory(themes=[theme])
    assert client.get("/admin/practices/theme/").status_code == 200
    assert client.get(f"/admin/practices/theme/{theme.pk}/change/").status_code == 200
    assert client.get("/admin/practices/theme/add/").status_code == 200
    # a theme with sheets cannot be deleted
    assert client.get(f"/admin/practices/theme/{theme.pk}/delete/").status_code == 403
    assert client.get("/admin/practices/practicesheet/").status_code == 200
    assert client.get("/admin/practices/practicesheet/add/").status_code == 403
    view = client.get(f"/admin/practices/practicesheet/{sheet.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.get("/admin/practices/practicequestion/").status_code == 200


# --- The demo data -------------------------------------------------------------------------------


def test_the_demo_loads_sheets_a_follow_and_an_answered_question_once(
    reference_data, django_capture_on_commit_callbacks
):
    # given the whole demo of `make run`, loaded twice (its notifications sent, as after commits)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
    counts = (PracticeSheet.objects.count(), PracticeQuestion.objects.count(), ThemeFollow.objects.count())
    call_command("load_demo_data", verbosity=0)
    assert (
        PracticeSheet.objects.count(),
        PracticeQuestion.objects.count(),
        ThemeFollow.objects.count(),
    ) == counts
    # then the pilot communes have their sheets: three published, one draft of Cotonou
    sheets = PracticeSheet.objects.select_related("commune")
    assert {s.commune.slug for s in sheets} == {"cotonou", "abomey-calavi", "akpro-misserete"}
    assert sheets.filter(status=SheetStatus.PUBLISHED).count() == 3
    assert sheets.get(status=SheetStatus.DRAFT).commune.slug == "cotonou"
    assert Theme.objects.count() >= 10
    # Afiavi follows two themes and heard of the sheets published in them
    afiavi = User.objects.get(email=f"citoyenne@{DEMO_DOMAIN}")
    assert ThemeFollow.objects.filter(user=afiavi).count() == 2
    assert Notification.objects.filter(
        recipient=afiavi, channel=Channel.IN_APP, event__kind="practice.published"
    ).exists()
    # the secretary-general of Akpro-Missérété asked Abomey-Calavi, whose mayor answered officially
    question = PracticeQuestion.objects.select_related("thread", "sheet__commune", "asker_commune").get()
    assert question.sheet.commune.slug == "abomey-calavi" and question.thread.commune.slug == "abomey-calavi"
    assert question.asker_commune.slug == "akpro-misserete" and question.asker_role == Role.SECRETARY_GENERAL
    assert question.thread.official_answer_id is not None
    assert OutboxEvent.objects.filter(kind="practice.published").exists()
    # and the pages show them
    assert Client().get("/bonnes-pratiques/").status_code == 200
    page = Client().get(question.sheet.get_absolute_url()).content.decode()
    assert "practice-answer--yes" in page and "Akpro-Missérété" in page


def test_a_platform_administrator_without_a_role_asks_as_anyone():
    admin = AdminFactory()
    question = services.question_ask(actor=admin, sheet=PracticeSheetFactory(), body="Une question ?")
    assert question.asker_role == "" and question.asker_commune is None
