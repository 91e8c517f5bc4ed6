"""The staff console and the moderation console on a desk (1366×768) in Debian's Chromium, against a
real daphne process: panels side by side, each scrolling on its own; the chat opening on the newest
message and following new ones (posted through the server, so they arrive live), with a "new
messages" button once the reader has scrolled up; no Mute or Ban on the staff's messages, even live;
an action's outcome said in the panel of the button pressed; the poll form's answer rows.

Screenshots of both consoles go to ``var/screenshots/`` (``make screenshots``: ``docs/``).
Assertions use the pages' structure (data attributes, roles, boxes), not their wording."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hub.models import Commune
from sessions_live.models import AgendaItem, ChatMessage, LiveSession, Poll, PollOption, Question
from tests.browser import chromium
from tests.conftest import HubServer
from tests.test_sessions_browser import (  # noqa: F401 (cotonou_session is a fixture)
    api_post,
    chat_item,
    cotonou_session,
    go_live,
    off_loop,
    open_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots; a plain test run writes into var/.
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "var" / "screenshots")


@pytest.fixture
def desk_session(cotonou_session: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The live session of ``cotonou_session`` with what a real one has at mid-course: an agenda with
    a current item, questions pending and approved, a poll, and 30 chat messages."""
    session: LiveSession = cotonou_session["session"]
    Commune.objects.filter(pk=session.commune_id).update(is_enabled=True)
    items = [
        AgendaItem.objects.create(session=session, position=n, title=title)
        for n, title in enumerate(
            ["Ouverture", "Adduction d'eau à Akpakpa", "Budget 2027", "Divers"], start=1
        )
    ]
    LiveSession.objects.filter(pk=session.pk).update(current_item=items[1])
    citizens = cotonou_session["citizens"]
    for n, text in enumerate(
        ["Quand la borne-fontaine de Sènadé sera-t-elle réparée ?", "Où en est le marché ?"]
    ):
        Question.objects.create(
            session=session, author=citizens[n], text=text, status="approved", vote_count=3 - n
        )
    Question.objects.create(session=session, author=citizens[2], text="Pourquoi la route est-elle fermée ?")
    poll = Poll.objects.create(session=session, question="Faut-il un second marché ?")
    for position, label in enumerate(["Oui", "Non"], start=1):
        PollOption.objects.create(poll=poll, position=position, label=label)
    # stored directly (the service's rate limit is not what this is about)
    ChatMessage.objects.bulk_create(
        ChatMessage(session=session, author=citizens[n % 3], text=f"Message d'avant numéro {n} ")
        for n in range(30)
    )
    return {**cotonou_session, "items": items}


# Whether the chat message with the text given is wholly inside its list's visible box.
SHOWN_WHOLE = """(text) => {
    const node = [...document.querySelectorAll('[data-chat-list] [data-message-id]')]
      .find((item) => item.textContent.includes(text));
    if (!node) return false;
    const list = node.closest('[data-chat-list]').getBoundingClientRect();
    const box = node.getBoundingClientRect();
    return box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
}"""
# Whether the chat list is scrolled to its end.
AT_THE_END = """() => {
    const list = document.querySelector('[data-chat-list]');
    return list.scrollHeight - list.scrollTop - list.clientHeight < 2;
}"""


def newest_shown(page: Page, text: str) -> bool:
    """Whether the chat message with ``text`` is wholly inside its list's visible box."""
    return bool(page.evaluate(SHOWN_WHOLE, text))


def panel_boxes(page: Page) -> list[dict[str, float]]:
    return [
        page.locator(".desk-panel").nth(i).bounding_box() for i in range(page.locator(".desk-panel").count())
    ]


def assert_a_desk(page: Page) -> None:
    """Three columns of panels side by side within the screen's width, each panel scrolling on its own."""
    columns = page.locator(".desk-column")
    expect(columns).to_have_count(3)
    boxes = [columns.nth(i).bounding_box() for i in range(3)]
    # side by side: same top, left to right without overlap, all within 1366 px
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    for left, right in pairwise(boxes):
        assert left["x"] + left["width"] <= right["x"], boxes
    assert boxes[-1]["x"] + boxes[-1]["width"] <= DESK["width"], boxes
    # each column's panels fit the desk's height (they scroll inside, the page does not grow)
    for box in panel_boxes(page):
        assert box["height"] <= DESK["height"], box
    overflow = page.evaluate(
        "[...document.querySelectorAll('.desk-panel')].map((p) => getComputedStyle(p).overflowY)"
    )
    assert set(overflow) <= {"auto", "hidden"}, overflow
    # and the page is no longer one tall column: at most about one screen and a half
    assert page.evaluate("document.documentElement.scrollHeight") < DESK["height"] * 1.6


def test_both_consoles_are_desks_whose_chat_follows_new_messages(
    hub_server: HubServer, desk_session: Any
) -> None:
    session, mayor, moderator = desk_session["session"], desk_session["mayor"], desk_session["moderator"]
    citizens = desk_session["citizens"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        # given the moderator at the moderation console on a 1366×768 screen
        moderation = open_page(browser, hub_server.url, moderator, viewport=DESK)
        go_live(moderation, f"{hub_server.url}/seances/{session.pk}/moderation/")
        # then the panels are side by side, and the chat opens on the newest message
        assert_a_desk(moderation)
        assert newest_shown(moderation, "numéro 29")
        assert not newest_shown(moderation, "numéro 0 ")

        # when citizens write, one message after another, live
        for n in range(4):
            text = f"Message en direct {n}"
            api_post(hub_server.url, citizens[n % 3], f"sessions/{session.pk}/chat/", {"text": text})
            expect(chat_item(moderation, text)).to_have_count(1)
            # then each newest message is visible as it arrives, with no "new messages" button
            moderation.wait_for_function(SHOWN_WHOLE, arg=text)
            expect(moderation.locator("[data-chat-new]")).to_be_hidden()

        # when the moderator scrolls up to read older messages and two more arrive
        moderation.locator("[data-chat-list]").evaluate("(list) => { list.scrollTop = 0; }")
        for n in range(2):
            api_post(
                hub_server.url,
                citizens[n],
                f"sessions/{session.pk}/chat/",
                {"text": f"Pendant la lecture {n}"},
            )
        expect(chat_item(moderation, "Pendant la lecture 1")).to_have_count(1)
        # then the chat stays where they read, and a button counts the two new messages
        marker = moderation.locator("[data-chat-new]")
        expect(marker).to_be_visible()
        expect(marker).to_contain_text("2")
        assert not newest_shown(moderation, "Pendant la lecture 1")
        # when they press it, then the newest message shows and the button goes
        marker.click()
        expect(marker).to_be_hidden()
        assert newest_shown(moderation, "Pendant la lecture 1")

        # when the mayor writes live, then the moderation console offers no Mute or Ban on it
        api_post(hub_server.url, mayor, f"sessions/{session.pk}/chat/", {"text": "Le maire vous salue"})
        staff_line = chat_item(moderation, "Le maire vous salue")
        expect(staff_line).to_have_count(1)
        expect(staff_line.locator("[data-chat-delete]")).to_have_count(1)
        expect(staff_line.locator("[data-mute], [data-ban]")).to_have_count(0)
        expect(chat_item(moderation, "Pendant la lecture 1").locator("[data-mute]")).to_have_count(1)
        moderation.locator("[data-chat-list]").evaluate("(list) => { list.scrollTop = list.scrollHeight; }")
        moderation.evaluate("window.scrollTo(0, 0)")
        moderation.screenshot(path=str(SCREENSHOTS / "console-moderation.png"), full_page=True)

        # given the mayor at the staff console on the same screen
        console = open_page(browser, hub_server.url, mayor, viewport=DESK)
        go_live(console, f"{hub_server.url}/seances/{session.pk}/console/")
        assert_a_desk(console)
        # then its read-only chat opens on the newest message and follows a new one
        assert newest_shown(console, "Le maire vous salue")
        expect(
            console.locator("[data-chat-list] [data-mute], [data-chat-list] [data-chat-delete]")
        ).to_have_count(0)
        api_post(
            hub_server.url, citizens[2], f"sessions/{session.pk}/chat/", {"text": "Merci monsieur le maire"}
        )
        expect(chat_item(console, "Merci monsieur le maire")).to_have_count(1)
        console.wait_for_function(AT_THE_END)
        console.screenshot(path=str(SCREENSHOTS / "console-staff.png"), full_page=True)
        assert not moderation.js_errors and not console.js_errors, moderation.js_errors + console.js_errors  # type: ignore[attr-defined]


def test_the_staff_console_answers_beside_the_control_and_offers_only_what_fits(
    hub_server: HubServer, desk_session: Any
) -> None:
    session, mayor, items = desk_session["session"], desk_session["mayor"], desk_session["items"]
    with chromium() as browser:
        console = open_page(browser, hub_server.url, mayor, viewport=DESK)
        go_live(console, f"{hub_server.url}/seances/{session.pk}/console/")
        agenda = console.locator("section[aria-labelledby='agenda-console-heading']")
        current = agenda.locator(f"[data-item-id='{items[1].pk}']")
        following = agenda.locator(f"[data-item-id='{items[2].pk}']")
        # given the second item current: it offers no "Set as current item", the others do
        expect(current.locator("[data-set-current]")).to_be_hidden()
        expect(following.locator("[data-set-current]")).to_be_visible()

        # when the mayor makes the third item current
        following.locator("[data-set-current]").click()
        # then the outcome is said in the agenda's panel, not at the top of the page
        expect(agenda.locator("[data-panel-status]")).not_to_be_empty()
        expect(console.locator("[data-console-status]")).to_be_empty()
        # and the button moves: on the item that was current, not on the new one
        expect(following).to_have_attribute("aria-current", "step")
        expect(following.locator("[data-set-current]")).to_be_hidden()
        expect(current.locator("[data-set-current]")).to_be_visible()
        assert off_loop(lambda: LiveSession.objects.get(pk=session.pk).current_item_id) == items[2].pk

        # the poll form: two answer rows to begin with, added up to what the service takes, then no more
        polls = console.locator("section[aria-labelledby='polls-console-heading']")
        box = polls.locator("[data-poll-options]")
        most = int(box.get_attribute("data-max") or 0)
        rows = box.locator("[data-option-rows] input")
        expect(rows).to_have_count(2)
        add = box.locator("[data-option-add]")
        for _ in range(most - 2):
            add.click()
        expect(rows).to_have_count(most)
        expect(add).to_be_hidden()
        expect(box.locator("[data-option-full]")).to_be_visible()
        # removing one offers to add again
        box.locator("[data-option-remove]").last.click()
        expect(rows).to_have_count(most - 1)
        expect(add).to_be_visible()
        # a poll with the answers typed is created, and the outcome said in the polls' panel
        console.fill("#poll-question", "Faut-il paver la rue ?")
        for index in range(most - 1):
            rows.nth(index).fill(f"Choix {index + 1}")
        polls.locator("[data-poll-create] button[type=submit]").click()
        expect(
            polls.locator("[data-poll-list] [data-poll-id]").filter(has_text="Faut-il paver")
        ).to_have_count(1)
        expect(polls.locator("[data-panel-status]")).not_to_be_empty()
        expect(rows).to_have_count(2)
        options = off_loop(
            lambda: list(
                Poll.objects.get(question="Faut-il paver la rue ?").options.values_list("label", flat=True)
            )
        )
        assert len(options) == most - 1
        assert not console.js_errors, console.js_errors  # type: ignore[attr-defined]
