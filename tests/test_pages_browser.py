"""Page tests: the server-rendered pages in Debian's Chromium, driven by Playwright, against daphne.

They cover what only a browser shows: the French-first pages, sign-up and sign-in, the follow
button's JavaScript path (and its no-JavaScript fallback), the language switcher, keyboard access
and the weight of the home page on a slow connection.

Chromium is Debian's (``apt-get install chromium``); never ``playwright install``. If it is
missing these tests skip locally with that command, and fail in CI (tests/browser.py).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser import chromium

PASSWORD = "Pirogue-Ganvie-2026"
HOME_PAGE_BUDGET = 100 * 1024  # bytes of HTML + CSS + JS, for slow 3G

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh Chromium context: a small phone screen, French unless the test asks.

    Parametrize indirectly with a locale ("en-GB") or a dict of ``new_context`` arguments.
    """
    options: dict[str, Any] = {"locale": "fr-FR", "viewport": {"width": 360, "height": 740}}
    param = getattr(request, "param", None)
    if isinstance(param, str):
        options["locale"] = param
    elif isinstance(param, dict):
        options.update(param)
    with chromium() as browser:
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()


def follower_count(page: Page) -> int:
    return int(page.locator("[data-follower-count]").inner_text().strip())


def is_follow_api_call(method: str, slug: str) -> Any:
    return lambda response: (
        response.url.endswith(f"/api/v1/communes/{slug}/follow/") and response.request.method == method
    )


def test_citizen_signs_up_follows_a_commune_and_switches_to_english(
    hub_server: Any, browser_page: Page
) -> None:
    page = browser_page
    email = f"citoyenne-{uuid.uuid4().hex[:8]}@exemple.bj"
    local_phone = f"01 97 {random.randint(10, 99)} {random.randint(10, 99)} {random.randint(10, 99)}"

    # given: a visitor whose browser speaks French opens the home page
    page.goto(hub_server.url + "/")

    # then: the page is in French, pilot communes first
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Communes pilotes")).to_be_visible()
    expect(page.get_by_role("heading", name="Autres communes")).to_be_visible()

    # when: they create an account with an e-mail address and a phone number
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="S'inscrire").click()
    expect(page.get_by_role("heading", name="Créer un compte", level=1)).to_be_visible()
    page.get_by_label("Votre nom").fill("Afiavi Test")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Numéro de téléphone").fill("+229 " + local_phone)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    # then: they land on the home page, signed in and welcomed
    expect(page.get_by_role("status")).to_contain_text("Bienvenue sur Communes+")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # when: they open Cotonou's page and press "Suivre"
    page.get_by_role("link", name="Cotonou", exact=True).click()
    expect(page.get_by_role("heading", name="Cotonou", level=1)).to_be_visible()
    follow = page.locator(".follow-form button")
    expect(follow).to_have_text("Suivre")
    expect(follow).to_have_attribute("aria-pressed", "false")
    before = follower_count(page)
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(is_follow_api_call("POST", "cotonou")) as api_call:
        follow.click()

    # then: the API answered, the button and the count changed in place (no page load)
    assert api_call.value.status == 201
    expect(follow).to_have_text("Ne plus suivre")
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-follower-count]")).to_have_text(str(before + 1))
    expect(page.locator("[data-follow-status]")).to_have_text("Vous suivez maintenant Cotonou.")
    assert page.evaluate("window.__sameDocument === true"), "the follow button reloaded the page"

    # when: they reload the page
    page.reload()

    # then: the follow was saved
    expect(page.locator(".follow-form button")).to_have_text("Ne plus suivre")
    expect(page.locator(".follow-form button")).to_have_attribute("aria-pressed", "true")
    assert follower_count(page) == before + 1

    # when: they sign out
    page.get_by_role("button", name="Se déconnecter").click()

    # then: they are told so, and a commune page invites them to sign in to follow it
    expect(page.get_by_role("status")).to_contain_text("Votre session est fermée")
    page.get_by_role("link", name="Cotonou", exact=True).click()
    expect(page.locator(".follow-form")).to_have_count(0)

    # when: they sign in again from there with their phone number, written the local way
    page.get_by_role("link", name="Connectez-vous pour suivre cette commune").click()
    page.get_by_label("Adresse e-mail ou numéro de téléphone").fill(local_phone)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()

    # then: they are back on Cotonou's page (the ``next`` field), still following it
    expect(page).to_have_url(re.compile(r"/communes/cotonou/$"))
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator(".follow-form button")).to_have_text("Ne plus suivre")

    # when: they switch the language to English with the switcher
    page.get_by_role("form", name="Langue").get_by_role("button", name="English").click()

    # then: the same page comes back in English, and so does the home page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/communes/cotonou/$"))
    expect(page.locator(".follow-form button")).to_have_text("Unfollow")
    # (on a phone the brand is the way home: the menu's "Home" is for wider screens)
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home")).to_be_hidden()
    page.get_by_role("link", name="Communes+", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Pilot communes")).to_be_visible()
    expect(page.get_by_role("heading", name="Other communes")).to_be_visible()


def test_unfollow_with_the_api_updates_the_count(hub_server: Any, browser_page: Page) -> None:
    page = browser_page
    email = f"citoyen-{uuid.uuid4().hex[:8]}@exemple.bj"

    # given: a signed-up citizen who follows Abomey-Calavi
    page.goto(hub_server.url + "/inscription/")
    page.get_by_label("Votre nom").fill("Koffi Test")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.goto(hub_server.url + "/communes/abomey-calavi/")
    follow = page.locator(".follow-form button")
    with page.expect_response(is_follow_api_call("POST", "abomey-calavi")):
        follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    following = follower_count(page)

    # when: they press "Ne plus suivre"
    with page.expect_response(is_follow_api_call("DELETE", "abomey-calavi")) as api_call:
        follow.click()

    # then: the API call succeeded and the page says so, with one follower less
    assert api_call.value.status == 200
    expect(follow).to_have_text("Suivre")
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-follower-count]")).to_have_text(str(following - 1))
    expect(page.locator("[data-follow-status]")).to_have_text("Vous ne suivez plus Abomey-Calavi.")

    # and: their profile no longer lists the commune
    page.get_by_role("link", name="Mon profil").click()
    expect(page.get_by_text("Vous ne suivez encore aucune commune.")).to_be_visible()


@pytest.mark.parametrize("browser_page", [{"java_script_enabled": False}], indirect=True)
def test_follow_button_works_without_javascript(hub_server: Any, browser_page: Page) -> None:
    page = browser_page
    email = f"sansjs-{uuid.uuid4().hex[:8]}@exemple.bj"

    # given: a signed-up citizen whose browser runs no JavaScript (Opera Mini, old phones)
    page.goto(hub_server.url + "/inscription/")
    page.get_by_label("Votre nom").fill("Sans Script")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.goto(hub_server.url + "/communes/cotonou/")
    before = follower_count(page)

    # when: they press "Suivre"
    page.get_by_role("button", name="Suivre", exact=True).click()

    # then: the form posted to the page view, which followed and redirected back
    expect(page).to_have_url(re.compile(r"/communes/cotonou/$"))
    expect(page.get_by_role("status")).to_contain_text("Vous suivez maintenant Cotonou.")
    expect(page.get_by_role("button", name="Ne plus suivre")).to_have_attribute("aria-pressed", "true")
    assert follower_count(page) == before + 1


def test_sign_up_errors_are_announced_and_linked_to_their_fields(hub_server: Any, browser_page: Page) -> None:
    page = browser_page

    # given: the sign-up page
    page.goto(hub_server.url + "/inscription/")

    # when: a visitor gives a name and a password but a wrong phone number
    page.get_by_label("Votre nom").fill("Erreur Test")
    page.get_by_label("Numéro de téléphone").fill("12345")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    # then: an alert at the top has the focus and lists the error, in French
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Saisissez un numéro de téléphone béninois valide")
    # and: the field is marked invalid and described by its error message
    phone = page.get_by_label("Numéro de téléphone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    described_by = phone.get_attribute("aria-describedby") or ""
    assert "id_phone_error" in described_by.split()
    expect(page.locator("#id_phone_error")).to_contain_text("béninois")


def test_keyboard_user_reaches_the_skip_link_first_and_jumps_to_main(
    hub_server: Any, browser_page: Page
) -> None:
    page = browser_page

    # given: the home page, just loaded
    page.goto(hub_server.url + "/")

    # when: a keyboard user presses Tab once
    page.keyboard.press("Tab")

    # then: the skip link has the focus and is shown
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_have_text("Passer au contenu principal")
    expect(skip_link).to_be_in_viewport()

    # when: they activate it
    page.keyboard.press("Enter")

    # then: the focus is on <main>, and the next Tab goes to the search field, past the header
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Rechercher une commune")).to_be_focused()


def test_home_page_is_light_enough_for_slow_3g(hub_server: Any, browser_page: Page) -> None:
    page = browser_page
    responses: list[Response] = []

    # given: a browser that records every response
    page.on("response", lambda response: responses.append(response))

    # when: it loads the home page (all 77 communes)
    page.goto(hub_server.url + "/", wait_until="load")

    sizes = {response.url: len(response.body()) for response in responses}
    # then: HTML, CSS and JS stay well under the budget, with no third-party request
    assert all(url.startswith(hub_server.url) for url in sizes), sizes
    assert sum(sizes.values()) < HOME_PAGE_BUDGET, sizes


def test_on_a_phone_the_header_is_two_short_rows_for_a_visitor(hub_server: Any, browser_page: Page) -> None:
    # a 740-px screen: the header (brand, language, menu) leaves the page most of it
    browser_page.goto(f"{hub_server.url}/communes/cotonou/")
    box = browser_page.locator(".site-header").bounding_box()
    assert box is not None and box["height"] <= 170, box
    brand = browser_page.locator(".brand").bounding_box()
    language = browser_page.get_by_role("form", name="Langue").bounding_box()
    assert brand and language and abs(brand["y"] - language["y"]) < 20  # on one line
