"""The live page of a session on a 360×740 phone, in Debian's Chromium against a real daphne server
(issue 14): the chat box, the open poll and the question form are each within one screen's scroll or
one tap from the top; a keyboard user reaches the chat box in at most 5 Tabs from the skip link,
Enter sends and Shift+Enter starts a new line; a message typed offline is visibly queued and sent
on reconnect. Assertions use the page's structure, not its wording."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sessions_live.models import ChatMessage, Poll, PollOption
from tests import test_sessions_browser as sessions_browser
from tests.browser import chromium
from tests.conftest import HubServer
from tests.test_sessions_browser import chat_item, go_live, off_loop, open_page

cotonou_session = sessions_browser.cotonou_session  # the same session and people as the other page tests

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots; a plain test run writes into var/.
SCREENSHOT = (
    Path(os.environ.get("SCREENSHOTS_DIR") or Path(__file__).resolve().parent.parent / "var" / "screenshots")
    / "live-phone.png"
)


def busy(session: Any, citizens: list[Any]) -> None:
    """A session as the demo showed it: many messages and an open poll."""

    def poll() -> None:
        for n in range(30):  # stored directly: the service's rate limit is not what is tested here
            ChatMessage.objects.create(session=session, author=citizens[n % 2], text=f"Message numéro {n}")
        made = Poll.objects.create(session=session, question="Quelle priorité pour 2027 ?", status="open")
        for i, label in enumerate(["Assainissement", "Voirie", "Écoles"]):
            PollOption.objects.create(poll=made, label=label, position=i)

    off_loop(poll)


def within_reach(page: Any, selector: str) -> bool:
    """In the first screen, after at most one screen of scrolling."""
    top = page.evaluate(f"document.querySelector({selector!r}).getBoundingClientRect().top + window.scrollY")
    return top < 2 * PHONE["height"]


def test_on_a_phone_chat_poll_and_question_form_are_one_tap_or_one_screen_away(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    citizen = cotonou_session["citizens"][0]
    busy(session, cotonou_session["citizens"][1:])
    url = f"{hub_server.url}/seances/{session.pk}/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen, viewport=PHONE)
        go_live(page, url)

        # then the chat box is within the first screen's scroll, with the tab bar above it
        expect(page.locator("#chat-text")).to_be_visible()
        assert within_reach(page, "#chat-text")
        tabs = page.get_by_role("tab")
        expect(tabs).to_have_count(4)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

        # when the Polls tab is tapped, then the open poll's form is in view
        page.locator("[data-tab='polls']").click()
        form = page.locator("[data-poll-form]").first
        expect(form).to_be_visible()
        assert within_reach(page, "[data-poll-form]")

        # when the Questions tab is tapped, then the question form is in view
        page.locator("[data-tab='questions']").click()
        expect(page.locator("#question-text")).to_be_visible()
        assert within_reach(page, "#question-text")

        # the tab bar stays at the top while the page scrolls
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(200)
        assert page.evaluate("document.querySelector('[data-live-tabs]').getBoundingClientRect().top") <= 1
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_keyboard_user_reaches_the_chat_box_in_five_tabs_and_enter_sends(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    citizen = cotonou_session["citizens"][0]
    busy(session, cotonou_session["citizens"][1:])
    url = f"{hub_server.url}/seances/{session.pk}/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen, viewport=PHONE)
        go_live(page, url)

        # given the skip link, followed
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        page.keyboard.press("Enter")

        # when Tab is pressed at most 5 times, then the chat box has the focus
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "chat-text":
                break
        expect(page.locator("#chat-text")).to_be_focused()

        # the message list was a single stop, and its arrows move between messages
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate("document.activeElement.dataset.messageId")
        assert focused
        page.keyboard.press("ArrowUp")
        assert page.evaluate("document.activeElement.dataset.messageId") != focused
        page.keyboard.press("Tab")
        expect(page.locator("#chat-text")).to_be_focused()

        # when a line is typed with Shift+Enter, then it is a new line, not a send
        page.keyboard.type("Première ligne")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("seconde ligne")
        assert page.input_value("#chat-text") == "Première ligne\nseconde ligne"

        # when Enter is pressed, then the message is sent and the box emptied
        page.keyboard.press("Enter")
        expect(chat_item(page, "seconde ligne")).to_have_count(1)
        expect(page.locator("#chat-text")).to_have_value("")
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_message_typed_offline_is_shown_queued_and_sent_on_reconnect(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    citizen = cotonou_session["citizens"][0]
    url = f"{hub_server.url}/seances/{session.pk}/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen, viewport=PHONE)
        go_live(page, url)

        # given the browser goes offline (the page hears it from the browser, not from the socket,
        # which can look open for minutes on a dead network)
        page.context.set_offline(True)
        expect(page.locator("[data-chat-connection]")).to_be_visible()

        # when a message is sent, then it shows at once, marked as waiting
        page.fill("#chat-text", "Envoyé hors ligne")
        page.locator("#chat-text").press("Enter")
        queued = page.locator("[data-chat-list] [data-queued]")
        expect(queued).to_have_count(1)
        expect(queued).to_have_class("chat-message chat-message--queued is-offline")

        # when the connection is back, then it is sent once and the queued copy goes
        page.context.set_offline(False)
        expect(chat_item(page, "Envoyé hors ligne")).to_have_count(1)
        expect(queued).to_have_count(0)
        assert page.js_errors == []  # type: ignore[attr-defined]
