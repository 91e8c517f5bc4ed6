"""The participation profile page in Debian's Chromium (Playwright), against a real server, on a
360×740 phone: reached from the profile page, no sideways scrolling, every answer a target at least
44 px high, axe-core finds nothing; saving without consent shows the error, then the person answers
with the keyboard and the mouse, saves, and deletes after the confirmation step. Without JavaScript
too: the page's forms are plain posts.

Assertions use the page's structure (ids, names, form actions), not its wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from evaluation.models import ParticipantProfile
from hub.models import Arrondissement
from tests.browser import chromium
from tests.conftest import HubServer
from tests.factories import UserFactory
from tests.test_sessions_browser import off_loop, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PAGE = "/profil/participation/"
SHOTS = Path("/tmp/shots_profile")  # screenshots to look at (not committed)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def profile_row(user_id: int) -> Any:
    return ParticipantProfile.objects.filter(user_id=user_id).select_related("arrondissement").first()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_person_answers_changes_nothing_without_consent_and_deletes_on_a_phone(
    hub_server: HubServer, javascript: bool
) -> None:
    # given a signed-in person on a phone, and an enabled commune's arrondissement
    user = off_loop(UserFactory)
    place = off_loop(
        lambda: Arrondissement.objects.filter(commune__is_enabled=True).select_related("commune").first()
    )
    assert place is not None
    SHOTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = open_page(browser, hub_server.url, user, viewport=PHONE, java_script_enabled=javascript)
        # when they follow the link from their profile page
        page.goto(f"{hub_server.url}/profil/")
        page.locator(f'main a[href="{PAGE}"]').first.click()
        page.wait_for_url(f"{hub_server.url}{PAGE}")
        # then the page fits the phone, each answer is a large target, and axe finds nothing
        no_sideways_scroll(page)
        for label in page.locator("main fieldset label").all():
            box = label.bounding_box()
            assert box is not None and box["height"] >= 44, box
        if javascript:  # axe-core runs in the page
            found = Axe().run(page).response["violations"]
            assert not found, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in found]
        page.screenshot(path=str(SHOTS / f"participation-{javascript}.png"), full_page=True)

        # when they answer without ticking the consent box
        page.locator('label[for="id_gender_0"]').click()
        page.locator(f'main form[action="{PAGE}"] button[type=submit]').click()
        # then the error is shown, linked to the box, and nothing is saved
        expect(page.locator('.error-summary a[href="#id_consent"]')).to_be_visible()
        if javascript:  # the summary takes the focus, so a phone shows it and a screen reader reads it
            expect(page.locator(".error-summary")).to_be_focused()
            expect(page.locator(".error-summary")).to_be_in_viewport()
        no_sideways_scroll(page)
        assert off_loop(profile_row, user.pk) is None
        # what they chose is kept
        expect(page.locator("#id_gender_0")).to_be_checked()

        # when they choose with the keyboard, pick their arrondissement and consent
        page.locator("#id_age_band_3").focus()
        page.keyboard.press("Space")
        page.select_option("#id_arrondissement", str(place.pk))
        page.locator("#id_consent").focus()
        page.keyboard.press("Space")
        page.locator(f'main form[action="{PAGE}"] button[type=submit]').click()
        # then they come back to the page with a message and their answers filled in
        expect(page.locator(".messages .message--success")).to_be_visible()
        expect(page.locator("#id_age_band_3")).to_be_checked()
        expect(page.locator("#id_consent")).to_be_checked()  # the consent on record
        saved = off_loop(profile_row, user.pk)
        assert saved is not None and (saved.gender, saved.age_band) == ("woman", "60_plus")
        assert saved.arrondissement_id == place.pk

        # when they ask to delete: a confirmation first, then deleted
        page.locator('main form[action="/profil/participation/supprimer/"] button').click()
        expect(page.locator('input[name="confirmed"]')).to_have_count(1)
        # the confirmation's two choices sit side by side, each at least 44 px high
        confirm = page.locator('main form[action="/profil/participation/supprimer/"]')
        yes, back = confirm.locator("button[type=submit]").bounding_box(), confirm.locator("a").bounding_box()
        assert yes is not None and back is not None
        assert yes["height"] >= 44 and back["height"] >= 44, (yes, back)
        page.screenshot(path=str(SHOTS / f"participation-delete-{javascript}.png"), full_page=True)
        assert off_loop(profile_row, user.pk) is not None
        no_sideways_scroll(page)
        page.locator('main form[action="/profil/participation/supprimer/"] button[type=submit]').click()
        expect(page.locator(".messages .message--success")).to_be_visible()
        assert off_loop(profile_row, user.pk) is None
        assert not page.js_errors  # type: ignore[attr-defined]
