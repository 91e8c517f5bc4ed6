"""The staff pages of a session in Debian's Chromium (Playwright), against a real daphne process, on
both backends (embedded: SQLite and one server process; PostgreSQL with Redis).

The mayor of Cotonou schedules a session through the form from the commune's page (two agenda items
entered in the script's rows, reordered once), finds it in the sessions list with the console link,
opens the console, starts the session and ends it: the console then drops the controls the services
refuse after the end and links to the archive, in place. Assertions use the pages' structure (data
attributes, roles, ids), not their wording."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import Commune, Membership, Role
from sessions_live.models import LiveSession
from tests.browser import chromium
from tests.conftest import HubServer
from tests.factories import UserFactory
from tests.test_sessions_browser import off_loop, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cotonou_mayor(hub_server: HubServer) -> Any:
    cotonou = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=cotonou.pk).update(is_enabled=True)
    mayor = UserFactory(display_name="Maire Programme")
    Membership.objects.create(user=mayor, commune=cotonou, role=Role.MAYOR)
    return mayor


def test_the_mayor_schedules_a_session_with_its_agenda_then_starts_and_ends_it_from_the_console(
    hub_server: HubServer, cotonou_mayor: Any
) -> None:
    with chromium() as browser:
        page = open_page(browser, hub_server.url, cotonou_mayor)

        # given the mayor on the commune's page, when they follow the link to schedule a session
        page.goto(f"{hub_server.url}/communes/cotonou/")
        page.locator("[data-schedule-link]").click()
        page.wait_for_url("**/communes/cotonou/seances/nouvelle/")

        # and fill the form: the agenda is a list of rows (the textarea behind it is hidden)
        page.select_option("#id_kind", "accountability")
        page.fill("#id_title", "Reddition de comptes de novembre")
        # a week ahead (a start in the past is refused)
        page.fill("#id_starts_on", (timezone.localdate() + datetime.timedelta(days=7)).isoformat())
        page.fill("#id_starts_time", "10:00")
        expect(page.locator("#id_agenda")).to_be_hidden()
        rows = page.locator("[data-agenda-rows] [data-agenda-title]")
        expect(rows).to_have_count(1)
        rows.nth(0).fill("Adduction d'eau")
        page.locator("[data-agenda-add]").click()
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_be_focused()
        rows.nth(1).fill("Budget 2027")
        # the second item moves up, and keeps the keyboard focus on its button
        move_up = page.locator("[data-agenda-rows] li").nth(1).locator("[data-move='-1']")
        move_up.click()
        expect(rows.nth(0)).to_have_value("Budget 2027")
        expect(page.locator("[data-agenda-rows] li").nth(0).locator("[data-move='-1']")).to_be_focused()
        page.fill("#id_audio_url", "https://radio.example.bj/live.mp3")
        page.locator("[data-session-form] button[type=submit]").click()

        # then the session's page shows it, with both items in order and the staff's links
        page.wait_for_url("**/seances/*/")
        session = off_loop(LiveSession.objects.get, title="Reddition de comptes de novembre")
        assert page.url.endswith(f"/seances/{session.pk}/")
        expect(page.locator("[data-agenda] [data-item-id]")).to_have_count(2)
        expect(page.locator("[data-agenda] [data-item-id]").nth(0)).to_contain_text("Budget 2027")
        expect(page.locator("[data-agenda] [data-item-id]").nth(1)).to_contain_text("Adduction d'eau")
        expect(page.locator("[data-console-link]")).to_be_visible()
        assert off_loop(lambda: [item.title for item in session.agenda_items.all()]) == [
            "Budget 2027",
            "Adduction d'eau",
        ]

        # when the mayor opens the sessions list, then the session is there with its console link
        page.goto(f"{hub_server.url}/seances/")
        item = page.locator(".session-list li").filter(has_text="Reddition de comptes de novembre")
        expect(item).to_have_count(1)
        item.locator("[data-console-link]").click()

        # when they open the console and start the session
        page.wait_for_url(f"**/seances/{session.pk}/console/")
        expect(page.locator("[data-connection]")).to_have_attribute("data-state", "open")
        page.evaluate("window.__sameDocument = true")
        page.locator('[data-action="start"]').click()

        # then it is live, in place (no page load), and the console offers to end it
        expect(page.locator('[data-action="end"]')).to_be_visible()
        expect(page.locator('[data-action="start"]')).to_be_hidden()
        assert off_loop(lambda: LiveSession.objects.get(pk=session.pk).status) == "live"

        # when they end it (the browser asks to confirm)
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator('[data-action="end"]').click()

        # then it has ended, and nothing reloaded the console or failed in its scripts
        expect(page.locator("[data-session]")).to_have_attribute("data-status", "ended")
        expect(page.locator('[data-action="end"]')).to_be_hidden()
        # the console says so with links to the archive and the edit page; what the services refuse
        # now (agenda, polls, live settings) is gone, commitments and the recording link stay
        expect(page.locator("[data-ended-notice]")).to_be_visible()
        expect(page.locator("[data-archive-link]")).to_have_attribute("href", f"/seances/{session.pk}/")
        expect(page.locator("[data-recording-link]")).to_have_attribute(
            "href", f"/seances/{session.pk}/modifier/"
        )
        expect(page.locator("[data-set-current]")).to_have_count(2)
        for refused in (
            "[data-agenda-form]",
            "[data-poll-create]",
            "[data-clear-current]",
            "[data-set-current]",
        ):
            for control in page.locator(refused).all():
                expect(control).to_be_hidden()
        expect(page.locator("#set-stream")).to_be_hidden()
        expect(page.locator("[data-commitment-form]")).to_be_visible()
        # the settings form now sends the recording link only, which an ended session takes
        page.fill("#set-recording", "https://www.youtube.com/watch?v=rec")
        with page.expect_response(lambda response: response.request.method == "PATCH") as patched:
            page.locator("[data-settings-form] button[type=submit]").click()
        assert patched.value.status == 200
        assert patched.value.request.post_data_json == {
            "recording_url": "https://www.youtube.com/watch?v=rec"
        }
        assert off_loop(lambda: LiveSession.objects.get(pk=session.pk).status) == "ended"
        assert page.evaluate("window.__sameDocument === true")
        assert page.js_errors == []  # type: ignore[attr-defined]
