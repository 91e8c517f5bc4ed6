"""The good-practices pages in Debian's Chromium, on a 360-px phone and without JavaScript: nothing
scrolls sideways, axe finds nothing, a citizen follows a theme and asks a question, and a commune's
officer writes and publishes a sheet, all by plain form posts."""

from __future__ import annotations

import os
from typing import Any

import pytest

from hub.models import Role
from practices import services
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, ThemeFollow
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_practices import PracticeSheetFactory, ThemeFactory
from tests.factories_publications import PublishedDocumentFactory

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def open_phone(browser: Any, base_url: str, user: Any = None, *, script: bool = False) -> Any:
    """A 360-px page, signed in as ``user``; without JavaScript unless ``script`` (axe needs it: its
    checks run in the page)."""
    from tests.test_sessions_browser import open_page

    return open_page(browser, base_url, user, viewport=PHONE, java_script_enabled=script)


def axe_violations(page: Any) -> list[Any]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in found]


def check_phone_pages(browser: Any, base_url: str, user: Any, paths: list[tuple[str, str]]) -> None:
    """Each page on a 360-px screen: nothing scrolls sideways and axe finds nothing."""
    page = open_phone(browser, base_url, user, script=True)
    for path, name in paths:
        page.goto(f"{base_url}{path}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path
        assert axe_violations(page) == [], path
        screenshot(page, name)
    assert page.js_errors == []
    page.context.close()


def screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        page.screenshot(path=f"{folder}/practices-{name}.png", full_page=True)


def test_a_citizen_follows_a_theme_and_asks_on_a_phone_without_javascript(hub_server):
    from tests.browser import chromium

    # given a published sheet of Cotonou with a long title, a document and a contact
    commune = CommuneFactory(slug="cotonou")
    theme = ThemeFactory(slug="budget-test", name_fr="Transparence budgétaire et participation citoyenne")
    sheet = PracticeSheetFactory(
        commune=commune,
        themes=[theme, ThemeFactory(slug="numerique-test")],
        title="Le budget expliqué en langage simple, affiché dans les treize arrondissements de la ville",
        contact_phone="+2290197000010",
        contact_email="communication.tres.longue.adresse@mairie-de-cotonou.bj",
    )
    sheet.documents.set([PublishedDocumentFactory(commune=commune, title="Budget primitif 2026")])
    citizen = UserFactory()
    paths = [
        ("/bonnes-pratiques/", "list"),
        (f"/bonnes-pratiques/themes/{theme.slug}/", "theme"),
        (f"/bonnes-pratiques/{sheet.pk}/", "detail"),
    ]
    with chromium() as browser:
        # when they read the library, the theme and the sheet on a 360-px screen, signed out and in,
        # then nothing scrolls sideways and axe finds nothing
        check_phone_pages(browser, hub_server.url, None, paths)
        check_phone_pages(browser, hub_server.url, citizen, [(p, f"{n}-signed-in") for p, n in paths])
        page = open_phone(browser, hub_server.url, citizen)
        # when they follow the theme (a plain form post, no JavaScript)
        page.goto(f"{hub_server.url}/bonnes-pratiques/themes/{theme.slug}/")
        page.locator("form.follow-form button[type=submit]").click()
        page.wait_for_url(f"{hub_server.url}/bonnes-pratiques/themes/{theme.slug}/")
        assert page.locator("form.follow-form button").get_attribute("aria-pressed") == "true"
        # and ask the commune a question, with an error first
        page.goto(f"{hub_server.url}/bonnes-pratiques/{sheet.pk}/")
        page.locator("#id_title").fill("Ab")
        page.locator("#id_body").fill("Combien a coûté l'impression ?")
        page.locator("form[action$='/question/'] button[type=submit]").click()
        assert page.locator(".error-summary").count() == 1
        assert page.locator("#id_title_error").count() == 1
        assert page.locator("#id_body").input_value() == "Combien a coûté l'impression ?"
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        page.locator("#id_title").fill("Le coût de l'impression")
        page.locator("form[action$='/question/'] button[type=submit]").click()
        page.wait_for_url(f"{hub_server.url}/forum/sujets/**")
    # then the theme is followed and the question is a thread of Cotonou's forum
    assert ThemeFollow.objects.filter(user=citizen, theme=theme).exists()
    question = PracticeQuestion.objects.select_related("thread").get()
    assert question.thread.commune == commune and question.thread.title == "Le coût de l'impression"


def test_an_officer_writes_and_publishes_a_sheet_on_a_phone_without_javascript(hub_server):
    from tests.browser import chromium

    # given a communication officer of Cotonou, a theme and a published document
    commune = CommuneFactory(slug="cotonou")
    officer = MembershipFactory(commune=commune, role=Role.COMMUNICATION_OFFICER).user
    theme = ThemeFactory(slug="etat-civil-test")
    document = PublishedDocumentFactory(commune=commune, title="Rapport d'activités 2025")
    with chromium() as browser:
        check_phone_pages(
            browser, hub_server.url, officer, [("/communes/cotonou/bonnes-pratiques/nouvelle/", "form")]
        )
        page = open_phone(browser, hub_server.url, officer)
        page.goto(f"{hub_server.url}/communes/cotonou/bonnes-pratiques/nouvelle/")
        # when they send it without a theme, the error is next to the themes
        page.locator("#id_title").fill("Des audiences foraines pour l'état civil")
        page.locator("#id_summary").fill("Des actes de naissance délivrés dans les villages.")
        page.locator("#id_problem").fill("Des enfants sans acte de naissance.")
        page.locator("#id_actions").fill("Des audiences foraines avec le tribunal.")
        page.locator("#id_results").fill("1 240 actes délivrés.")
        page.locator(f"input[name=documents][value='{document.pk}']").check()
        page.locator("#id_contact_name").fill("Bureau de l'état civil")
        page.locator("#id_contact_phone").fill("01 97 00 00 12")
        page.locator("form.practice-form button[type=submit]").click()
        assert page.locator("#id_themes_error").count() == 1
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        # then they tick it and save the draft, and publish it from its page, after saying yes on the
        # page that says who will be told
        page.locator(f"input[name=themes][value='{theme.slug}']").check()
        page.locator("form.practice-form button[type=submit]").click()
        page.wait_for_url(f"{hub_server.url}/bonnes-pratiques/*/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        draft_path = page.url.removeprefix(hub_server.url)
        check_phone_pages(browser, hub_server.url, officer, [(f"{draft_path}publier/", "publish")])
        page.locator("a[href$='/publier/']").click()
        page.wait_for_url(f"{hub_server.url}/bonnes-pratiques/*/publier/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        page.locator("form[action$='/publier/'] button[type=submit]").click()
        page.wait_for_url(f"{hub_server.url}/bonnes-pratiques/*/")
        assert page.locator("form[action$='/retirer/']").count() == 1
        sheet_path = page.url.removeprefix(hub_server.url)
        check_phone_pages(
            browser,
            hub_server.url,
            officer,
            [("/communes/cotonou/bonnes-pratiques/", "commune"), (sheet_path, "detail-staff")],
        )
    sheet = PracticeSheet.objects.get()
    assert sheet.status == SheetStatus.PUBLISHED and sheet.contact_phone == "+2290197000012"
    assert list(sheet.documents.all()) == [document]


def test_a_withdrawn_sheet_on_a_phone_for_its_staff_and_for_the_public(hub_server):
    from tests.browser import chromium

    # given a sheet of Cotonou withdrawn with a reason, and a question asked on it before
    commune = CommuneFactory(slug="cotonou")
    officer = MembershipFactory(commune=commune, role=Role.COMMUNICATION_OFFICER).user
    sheet = PracticeSheetFactory(commune=commune, title="Le budget expliqué en langage simple")
    question = services.question_ask(actor=UserFactory(), sheet=sheet, body="Combien de pages ?")
    services.sheet_withdraw(actor=officer, sheet=sheet, reason="Les chiffres sont à revoir")
    path = f"/bonnes-pratiques/{sheet.pk}/"
    with chromium() as browser:
        # then the staff's page (date and reason), the public's "no longer online" page and the
        # question's thread (with its link to the sheet) fit a phone and axe finds nothing
        check_phone_pages(browser, hub_server.url, officer, [(path, "withdrawn-staff")])
        check_phone_pages(
            browser,
            hub_server.url,
            None,
            [(path, "gone"), (f"/forum/sujets/{question.thread_id}/", "question-thread")],
        )
        page = open_phone(browser, hub_server.url)
        page.goto(f"{hub_server.url}/forum/sujets/{question.thread_id}/")
        page.locator(f".forum-practice a[href='{path}']").click()
        page.wait_for_url(f"{hub_server.url}{path}")
        assert page.locator("a[href='/communes/cotonou/bonnes-pratiques/']").count() >= 1
        assert "Le budget" not in page.locator("main").inner_text()
