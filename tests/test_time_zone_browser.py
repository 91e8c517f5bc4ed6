"""One time zone everywhere: times a script writes (chat messages added live, console notes) are in
the commune's time zone, as those rendered with the page, whatever the phone's clock says."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.conftest import HubServer

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_phone_set_to_another_time_zone_shows_benin_time(hub_server: HubServer) -> None:
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", timezone_id="Asia/Tokyo")
        page = context.new_page()
        page.goto(f"{hub_server.url}/")
        assert page.locator("html").get_attribute("data-time-zone") == "Africa/Porto-Novo"
        shown = page.evaluate(
            "import('/static/frontend/js/session-common.js').then(m => m.timeOf('2026-12-05T12:00:00Z'))"
        )
        # noon UTC is 13:00 in Porto-Novo (and 21:00 in Tokyo)
        assert shown == "13:00"
