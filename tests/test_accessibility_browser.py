"""axe-core (the copy PyPI's ``axe-playwright-python`` ships) on every page of the live journeys and
of the commune's staff, in Debian's Chromium against a real daphne with the demo data, on both
backends: a citizen on a 360×740 phone (home, commune, sessions, the live session, an archive, the
commitments tracker and a commitment, the scorecard, sign-in and sign-up) and the mayor and the
moderator on a 1366×768 desk (workspace, journal, notifications, the session and contract forms,
the team, both consoles, a commitment's staff page). Any violation, whatever its impact, fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page

from commitments.models import Commitment
from sessions_live.models import LiveSession
from tests.browser import chromium
from tests.conftest import HubServer
from tests.test_sessions_browser import off_loop

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo-Communes+2026"
DOMAIN = "demo.communesplus.bj"
AXE = Axe()


def violations(page: Page, path: str) -> list[str]:
    # Leaving a live page (its socket open) on a loaded 2-core CI machine once took the new page
    # past 30 s to its "load" event: wait for the document, then for the network to settle.
    page.goto(path, wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    found = AXE.run(page).response["violations"]
    return [f"{path}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def signed_in(browser: Any, base: str, local: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(locale="fr-FR", viewport=viewport, base_url=base).new_page()
    page.goto("/connexion/")
    page.fill("#id_identifier", f"{local}@{DOMAIN}")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    return page


def test_every_page_of_the_live_and_staff_journeys_passes_axe(hub_server: HubServer) -> None:
    # given the demo: communes, accounts, publications, forums, sessions (live and ended), commitments
    off_loop(call_command, "load_demo_data", verbosity=0)
    live = off_loop(lambda: LiveSession.objects.filter(status="live", commune__slug="cotonou").first())
    ended = off_loop(lambda: LiveSession.objects.filter(status="ended").first())
    commitment = off_loop(lambda: Commitment.objects.filter(commune__slug="cotonou").first())
    assert live is not None and ended is not None and commitment is not None
    phone, desk = {"width": 360, "height": 740}, {"width": 1366, "height": 768}
    found: list[str] = []
    with chromium() as browser:
        citizen = browser.new_context(locale="fr-FR", viewport=phone, base_url=hub_server.url).new_page()
        for path in [
            "/",
            "/communes/cotonou/",
            "/seances/",
            f"/seances/{live.pk}/",
            f"/seances/{ended.pk}/",
            "/communes/cotonou/engagements/",
            f"/engagements/{commitment.pk}/",
            "/transparence/",
            "/connexion/",
            "/inscription/",
        ]:
            found += violations(citizen, path)
        follower = signed_in(browser, hub_server.url, "citoyenne", phone)
        for path in [f"/seances/{live.pk}/", "/notifications/"]:
            found += violations(follower, path)
        mayor = signed_in(browser, hub_server.url, "maire.cotonou", desk)
        for path in [
            "/communes/cotonou/espace/",
            "/communes/cotonou/journal/",
            "/communes/cotonou/seances/nouvelle/",
            f"/seances/{live.pk}/console/",
            f"/seances/{live.pk}/modifier/",
            "/communes/cotonou/marches/nouveau/",
            "/communes/cotonou/agenda/nouveau/",
            "/communes/cotonou/equipe/",
            f"/engagements/{commitment.pk}/",
        ]:
            found += violations(mayor, path)
        moderator = signed_in(browser, hub_server.url, "moderateur.cotonou", desk)
        for path in ["/communes/cotonou/espace/", f"/seances/{live.pk}/moderation/"]:
            found += violations(moderator, path)
    assert found == []
