"""The yearly evaluation report in Debian's Chromium: read on a 360-px phone without JavaScript
(nothing scrolls sideways, axe finds nothing), printed on A4 (no navigation, the figures kept), and
the staff editor's character counter."""

from __future__ import annotations

import os
from typing import Any

import pytest

from evaluation.services import reports
from hub.models import Role
from tests.factories_sessions import staff_of
from tests.test_evaluation_report import COMMENTARY, YEAR, build_world, page_url

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def axe_violations(page: Any) -> list[Any]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in found]


def screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        page.screenshot(path=f"{folder}/evaluation-report-{name}.png", full_page=True)


def test_the_report_reads_on_a_phone_and_prints_on_a4(hub_server: Any) -> None:
    from tests.browser import chromium
    from tests.test_sessions_browser import open_page

    # Given a published report
    world = build_world()
    draft = reports.report_for(world.commune, YEAR, by=world.mayor)
    reports.save_commentary(draft, COMMENTARY + "\n\nUn second paragraphe.", world.mayor)
    reports.publish(draft, world.mayor)
    url = f"{hub_server.url}{page_url(world.commune)}"

    with chromium() as browser:
        # When a citizen reads it on a 360-px phone without JavaScript
        page = open_page(browser, hub_server.url, viewport=PHONE, java_script_enabled=False)
        page.goto(url)

        # Then nothing scrolls sideways and the figures are there
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        assert page.locator('tr[data-figure="usage.views"] td[data-year="current"]').inner_text() != ""
        assert page.locator("svg.ev-svg").count() > 3
        screenshot(page, "phone")
        # And axe finds nothing (axe is a script: it runs where scripts do; the page has none of its own)
        checked = open_page(browser, hub_server.url, viewport=PHONE)
        checked.goto(url)
        assert axe_violations(checked) == []
        assert checked.js_errors == []

        # And printed, the navigation and the links to other pages are left out, the report is kept
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert not page.locator(".site-footer").is_visible()
        assert not page.locator(".eval-report-actions").is_visible()
        assert page.locator("h1").is_visible() and page.locator(".eval-key-table").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF-")


def test_the_editor_counts_the_characters_as_they_are_typed(hub_server: Any) -> None:
    from tests.browser import chromium
    from tests.test_sessions_browser import open_page

    world = build_world()
    officer = staff_of(world.commune, Role.COMMUNICATION_OFFICER)

    with chromium() as browser:
        page = open_page(browser, hub_server.url, officer, viewport=PHONE)
        page.goto(f"{hub_server.url}{page_url(world.commune, tail='/rediger/')}")
        counter = page.locator("[data-char-counter]")
        assert counter.is_visible() and counter.inner_text().startswith("0 ")
        page.locator("#id_commentary").fill("Ligne un\nLigne deux")
        assert counter.inner_text().startswith("19 ")
        assert "id_commentary_counter" in (
            page.locator("#id_commentary").get_attribute("aria-describedby") or ""
        )
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        assert axe_violations(page) == []
        page.locator("form.eval-commentary-form button[type=submit]").click()
        page.wait_for_url(f"{hub_server.url}{page_url(world.commune, tail='/rediger/')}")
        assert page.js_errors == []
