"""The open evaluation page on a 360×740 phone, in Debian's Chromium against a real server (issue 20):
its SVG charts are drawn, fit the screen (no sideways scrolling), and their text is large enough to
read; with JavaScript off, the charts and their tables are all there, and "See the figures" opens a
chart's table. A screenshot of the whole page is saved (``var/screenshots/evaluation-360.png``, or
``SCREENSHOTS_DIR``).

The commune and its year are those of the dashboard's tests (``tests/test_evaluation_dashboard.py``):
page views, followers, two sessions, votes, a workshop, and groups with hidden cells."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser import chromium
from tests.conftest import HubServer
from tests.test_evaluation_dashboard import YEAR, World, world  # noqa: F401  (the fixture)
from tests.test_sessions_browser import open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots; a plain test run writes into var/.
SCREENSHOT = (
    Path(os.environ.get("SCREENSHOTS_DIR") or Path(__file__).resolve().parent.parent / "var" / "screenshots")
    / "evaluation-360.png"
)


def axe_violations(page: Page) -> list[str]:
    """axe-core's findings on the page, every chart's table opened first (any impact fails)."""
    page.evaluate("document.querySelectorAll('details.ev-data').forEach((d) => { d.open = true; })")
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes'][:3]]}" for v in found]


# Every chart's text: its rendered box and its font size as drawn (the SVG's scale applied).
CHART_TEXT = """() => [...document.querySelectorAll('svg.ev-svg text')].map((text) => {
  const box = text.getBoundingClientRect();
  const scale = text.ownerSVGElement.getScreenCTM().a;
  return {height: box.height, right: box.right, size: parseFloat(getComputedStyle(text).fontSize) * scale,
          text: text.textContent};
})"""


def test_the_charts_read_on_a_360_pixel_phone(hub_server: HubServer, world: World) -> None:  # noqa: F811
    url = f"{hub_server.url}/communes/{world.commune.slug}/evaluation/?annee={YEAR}"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, viewport=PHONE)
        page.goto(url)

        # the charts are drawn and visible
        charts = page.locator("svg.ev-svg")
        expect(charts.first).to_be_visible()
        count = charts.count()
        assert count >= 8
        # nothing is wider than the screen: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for index in range(count):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # every text of every chart is drawn at 14 px or more, inside the screen
        texts = page.evaluate(CHART_TEXT)
        assert texts
        assert min(t["size"] for t in texts) >= 14, min(texts, key=lambda t: t["size"])
        assert min(t["height"] for t in texts) >= 12, min(texts, key=lambda t: t["height"])
        assert max(t["right"] for t in texts) <= PHONE["width"], max(texts, key=lambda t: t["right"])
        # a hidden group is drawn as a hatched bar that says so
        expect(page.locator("#ev-groups-gender .ev-bar--hidden").first).to_be_visible()

        # "See the figures" opens the chart's table
        figure = page.locator("#ev-usage-months")
        table = figure.locator("table")
        expect(table).to_be_hidden()
        figure.locator("summary").click()
        expect(table).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        figure.locator("summary").click()

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert page.js_errors == []  # type: ignore[attr-defined]

        # and axe-core finds nothing, with every table open
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_without_javascript_the_charts_and_their_tables_are_all_there(
    hub_server: HubServer,
    world: World,  # noqa: F811
) -> None:
    url = f"{hub_server.url}/communes/{world.commune.slug}/evaluation/?annee={YEAR}"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, viewport=PHONE, java_script_enabled=False)
        page.goto(url)
        charts = page.locator("figure.ev-chart")
        count = charts.count()
        assert count >= 8
        expect(page.locator("svg.ev-svg").first).to_be_visible()
        # each chart has its table, which opens without a script
        for index in range(count):
            figure = charts.nth(index)
            expect(figure.locator("svg")).to_have_count(1)
            expect(figure.locator("table caption")).to_have_count(1)
        summary = page.locator("#ev-groups-gender summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        table = page.locator("#ev-groups-gender table")
        expect(table).to_be_visible()
        expect(table.locator("td[data-suppressed]")).to_have_count(2)
        # the workshops' tables are shown as they are
        expect(page.locator("#ev-workshops-gender-table")).to_be_visible()
        # the year can be chosen without a script: a plain form
        page.select_option("#id_annee", str(YEAR))
        page.locator(".ev-year-form button[type=submit]").click()
        page.wait_for_url(f"**/evaluation/?annee={YEAR}")
        expect(page.locator("figure.ev-chart").first).to_be_visible()


def test_the_staff_dashboard_with_its_comparisons_fits_a_phone(
    hub_server: HubServer,
    world: World,  # noqa: F811
) -> None:
    # this year's dashboard, compared with last year's figures
    url = f"{hub_server.url}/communes/{world.commune.slug}/evaluation/tableau-de-bord/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, world.councillor, viewport=PHONE)
        page.goto(url)
        expect(page.locator("[data-refresh-note]")).to_be_visible()
        expect(page.locator("[data-stat='usage.views'] .ev-compare")).to_be_visible()
        expect(page.locator("#ev-live-table")).to_have_count(0)  # no session this year
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.goto(f"{url}?annee={YEAR}")
        expect(page.locator("#ev-live-table tbody tr")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOT.with_name("evaluation-dashboard-360.png")), full_page=True)
        assert page.js_errors == []  # type: ignore[attr-defined]
        assert axe_violations(page) == []
