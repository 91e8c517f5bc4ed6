"""Live session pages in Debian's Chromium (Playwright), against real daphne processes.

They run on both backends: on the embedded defaults (SQLite, in-memory channel layer, one server
process) and on PostgreSQL with the Redis channel layer. A write that a page must show live goes
through the server the page is connected to (its REST API, or another browser), since with the
in-memory layer the test process cannot broadcast to the server's sockets; writes that only need
to be stored (set-up before a page loads, messages posted while the server is down and replayed
from the event log) are made in the test process.

1. Several browser contexts at once: a citizen asks a question, the moderator approves it in the
   moderator console, other citizens support it, the mayor marks it answered in the staff console;
   a poll is created and opened, citizens vote and change their vote, the poll is closed; a chat
   message is sent and deleted by the moderator. Each change is seen live in the other contexts.
2. Reconnection: the server process of a viewer is killed while chat messages are posted; the page
   says the connection is lost, reconnects by itself to a new server process, and shows every missed
   message exactly once and in order, then says it is reconnected.

Assertions use the pages' structure (data attributes, roles), not their wording, so they hold
whichever language the catalogues are in.
"""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from hub.management.commands.serve import web_command
from hub.models import Commune, Membership, Role
from hub.services.accounts import api_token_create
from sessions_live.models import ChatMessage, LiveSession, Poll, Question
from sessions_live.services.chat import chat_send
from tests.browser import chromium
from tests.conftest import HubServer, RunningProcess, free_port, service_env, start_process
from tests.factories import PASSWORD, UserFactory
from tests.test_pages_browser import HOME_PAGE_BUDGET

LIVE_PAGE_PARSE_BUDGET = 128 * 1024  # bytes of HTML + CSS + JS once uncompressed

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOCKET = "document.querySelector('[data-session]').sessionSocket"  # the page's SessionSocket
LIVE_TIMEOUT = 20_000  # ms: a live change must show within this (it normally takes well under 1 s)


def open_page(browser: Browser, base_url: str, user: Any = None, **options: Any) -> Page:
    options.setdefault("viewport", {"width": 1280, "height": 900})  # the phone: test_live_phone_browser
    context = browser.new_context(locale="fr-FR", **options)
    context.set_default_timeout(LIVE_TIMEOUT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.js_errors = errors  # type: ignore[attr-defined]
    if user is not None:
        page.goto(f"{base_url}/connexion/")
        page.fill("#id_identifier", user.email)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base_url}/")
    return page


def off_loop(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run database code from the test while Playwright's event loop runs in this thread."""
    from django.db import connection

    def call() -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(call).result()


def api_post(base_url: str, user: Any, path: str, data: dict[str, Any]) -> Any:
    """POST to ``/api/v1/<path>`` of the server at ``base_url`` as ``user``; the decoded answer.

    The write happens in that server's process, which broadcasts it to its own sockets: what the
    test process writes itself reaches no page live on the in-memory layer. (The token is stored
    directly: asking ``auth/token/`` for it would count against the server's sign-in throttle,
    which the test process cannot clear on the embedded defaults.)
    """
    token = off_loop(api_token_create, user=user, device_name="tests").key
    response = httpx.post(
        f"{base_url}/api/v1/{path}",
        json=data,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.is_success, f"POST {path}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def say(user: Any, session: LiveSession, text: str, key: str = "") -> None:
    """A chat message stored by the test process, through the service: seen by a page when it
    loads or resumes from the event log, not live."""
    off_loop(chat_send, actor=user, session=session, text=text, idempotency_key=key)


def say_live(base_url: str, user: Any, session: LiveSession, text: str) -> None:
    """A chat message posted through the server at ``base_url``, which sends it live to its pages."""
    api_post(base_url, user, f"sessions/{session.pk}/chat/", {"text": text})


def chat_item(page: Page, text: str) -> Any:
    return page.locator("[data-chat-list] [data-message-id]").filter(has_text=text)


def go_live(page: Page, url: str) -> None:
    """Open a session page and wait until its socket said hello."""
    page.goto(url)
    expect(page.locator("[data-connection]")).to_have_attribute("data-state", "open")


def question_in(page: Page, list_selector: str, text: str) -> Any:
    return page.locator(f"{list_selector} [data-question-id]").filter(has_text=text)


@pytest.fixture
def cotonou_session(hub_server: HubServer) -> dict[str, Any]:
    cotonou = Commune.objects.get(slug="cotonou")
    mayor = UserFactory(display_name="Maire Test")
    Membership.objects.create(user=mayor, commune=cotonou, role=Role.MAYOR)
    moderator = UserFactory(display_name="Modératrice Test")
    Membership.objects.create(user=moderator, commune=cotonou, role=Role.MODERATOR)
    session = LiveSession.objects.create(
        commune=cotonou,
        kind="accountability",
        title="Reddition de comptes (test)",
        starts_at="2026-11-29T10:00:00Z",
        status="live",
        started_at="2026-11-29T10:00:00Z",
        questions_premoderated=True,
        audio_url="https://radio.example.bj/live.mp3",
    )
    return {
        "session": session,
        "mayor": mayor,
        "moderator": moderator,
        "citizens": [UserFactory(display_name=f"Citoyen {n}") for n in range(3)],
    }


def test_question_moderation_support_answer_and_poll_are_seen_live_everywhere(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    url = f"{hub_server.url}/seances/{session.pk}/"
    asker, supporter, voter = cotonou_session["citizens"]
    question_text = "Quand la route de Fidjrossè sera-t-elle refaite ?"
    answer_text = "Les travaux commencent en mars 2027."

    with chromium() as browser:
        # given three citizens on the live page, the moderator and the mayor in their consoles
        pages = {
            name: open_page(browser, hub_server.url, user)
            for name, user in {
                "asker": asker,
                "supporter": supporter,
                "voter": voter,
                "moderator": cotonou_session["moderator"],
                "mayor": cotonou_session["mayor"],
            }.items()
        }
        anonymous = open_page(browser, hub_server.url)
        for name in ("asker", "supporter", "voter"):
            go_live(pages[name], url)
        go_live(anonymous, url)
        go_live(pages["moderator"], url + "moderation/")
        go_live(pages["mayor"], url + "console/")
        moderator, mayor = pages["moderator"], pages["mayor"]
        for page in pages.values():
            page.evaluate("window.__sameDocument = true")

        # when a citizen asks a question (pre-moderated session)
        asker = pages["asker"]
        asker.fill("#question-text", question_text)
        expect(asker.locator("[data-question-count]")).to_contain_text(str(len(question_text)))
        asker.locator("[data-question-form] button[type=submit]").click()

        # then the moderator sees it waiting, live, and the public does not
        pending = question_in(moderator, "[data-pending-list]", question_text)
        expect(pending).to_have_count(1)
        expect(question_in(anonymous, "[data-question-list]", question_text)).to_have_count(0)
        expect(asker.locator("[data-question-status]")).not_to_be_empty()

        # when the moderator approves it
        pending.locator('[data-moderate="approve"]').click()

        # then it leaves the queue and appears for everyone, and in the mayor's console
        expect(pending).to_have_count(0)
        for page in (pages["supporter"], pages["voter"], anonymous, asker):
            expect(question_in(page, "[data-question-list]", question_text)).to_have_count(1)
        expect(question_in(mayor, "[data-question-list]", question_text)).to_have_count(1)
        expect(anonymous.locator("[data-question-list] [data-upvote]")).to_have_count(0)  # read-only

        # when two other citizens support it
        for name in ("supporter", "voter"):
            button = question_in(pages[name], "[data-question-list]", question_text).locator("[data-upvote]")
            expect(button).to_have_attribute("aria-pressed", "false")
            button.click()
            expect(button).to_have_attribute("aria-pressed", "true")

        # then everyone sees two supports
        for page in (asker, anonymous, mayor):
            shown = question_in(page, "[data-question-list]", question_text)
            expect(shown).to_have_attribute("data-votes", "2")

        # when the mayor marks it as being answered, then answered with a written answer
        in_console = question_in(mayor, "[data-question-list]", question_text)
        in_console.locator("[data-answering]").click()
        for page in (asker, anonymous):
            expect(question_in(page, "[data-question-list]", question_text)).to_have_attribute(
                "data-status", "answering"
            )
        in_console.locator("[data-answer-text]").fill(answer_text)
        in_console.locator("[data-answered]").click()

        # then the citizens see the answer live
        for page in (asker, anonymous, pages["supporter"]):
            shown = question_in(page, "[data-question-list]", question_text)
            expect(shown).to_have_attribute("data-status", "answered")
            expect(shown.locator("[data-part='answer']")).to_have_text(answer_text)
            expect(shown.locator("[data-part='answer-box']")).to_be_visible()
        assert off_loop(lambda: Question.objects.get(text=question_text).status) == "answered"

        # when the mayor creates a poll and opens it
        mayor.fill("#poll-question", "Quelle priorité pour 2027 ?")
        mayor.locator("[data-poll-options] [data-option-add]").click()  # a third answer row
        for index, answer in enumerate(["Assainissement", "Voirie", "Éclairage"]):
            mayor.locator("[data-poll-options] [data-option-rows] input").nth(index).fill(answer)
        mayor.locator("[data-poll-create] button[type=submit]").click()
        draft = mayor.locator("[data-poll-list] [data-poll-id]").filter(has_text="Quelle priorité")
        expect(draft).to_have_attribute("data-status", "draft")
        expect(anonymous.locator("[data-poll-list] [data-poll-id]")).to_have_count(0)  # drafts stay private
        draft.locator("[data-poll-open]").click()

        # then it appears on every citizen's page, open for voting
        poll = off_loop(Poll.objects.get, question="Quelle priorité pour 2027 ?")
        options = off_loop(lambda: list(poll.options.order_by("position")))
        for page in (asker, pages["supporter"], pages["voter"], anonymous):
            expect(page.locator(f'[data-poll-id="{poll.pk}"]')).to_have_attribute("data-status", "open")
        # and the console no longer offers to open it, only to close it
        expect(draft.locator("[data-poll-open]")).to_be_hidden()
        expect(draft.locator("[data-poll-close]")).to_be_visible()
        for name in ("asker", "supporter", "voter"):
            expect(pages[name].locator(f'[data-poll-id="{poll.pk}"] [data-poll-form]')).to_be_visible()

        # when citizens vote (two for sanitation, one for roads)
        for name, option in (("asker", options[0]), ("supporter", options[0]), ("voter", options[1])):
            page = pages[name]
            page.locator(f"#poll-{poll.pk}-{option.pk}").check()
            page.locator(f'[data-poll-id="{poll.pk}"] [data-poll-form] button[type=submit]').click()
            expect(page.locator(f'[data-poll-id="{poll.pk}"] [data-part="form-status"]')).not_to_be_empty()

        # then the tallies update live everywhere, with accessible text and bars
        def bar(page: Page, option: Any) -> Any:
            return page.locator(f'[data-poll-id="{poll.pk}"] [data-option-id="{option.pk}"]')

        for page in (anonymous, mayor, asker):
            expect(bar(page, options[0]).locator("progress")).to_have_attribute("value", "2")
            expect(bar(page, options[1]).locator("progress")).to_have_attribute("value", "1")
            expect(bar(page, options[0]).locator("[data-part='count']")).to_contain_text("67")
            expect(page.locator(f'[data-poll-id="{poll.pk}"] [data-part="total"]')).to_contain_text("3")

        # when a citizen changes their vote
        voter_page = pages["voter"]
        voter_page.locator(f"#poll-{poll.pk}-{options[2].pk}").check()
        voter_page.locator(f'[data-poll-id="{poll.pk}"] [data-poll-form] button[type=submit]').click()

        # then the tallies move, the total stays
        for page in (anonymous, mayor):
            expect(bar(page, options[1]).locator("progress")).to_have_attribute("value", "0")
            expect(bar(page, options[2]).locator("progress")).to_have_attribute("value", "1")

        # when the mayor closes the poll, then citizens see it closed, with the final results
        mayor.locator(f'[data-poll-id="{poll.pk}"] [data-poll-close]').click()
        for page in (anonymous, asker):
            expect(page.locator(f'[data-poll-id="{poll.pk}"]')).to_have_attribute("data-status", "closed")
            expect(bar(page, options[0]).locator("progress")).to_have_attribute("value", "2")
        expect(asker.locator(f'[data-poll-id="{poll.pk}"] [data-poll-form]')).to_be_hidden()

        # when a citizen chats, everyone sees it; when the moderator deletes it, it goes for everyone
        asker.fill("#chat-text", "Merci pour cette réponse !")
        asker.locator("[data-chat-form] button[type=submit]").click()
        for page in (anonymous, moderator, pages["supporter"]):
            expect(chat_item(page, "Merci pour cette réponse")).to_have_count(1)
        expect(asker.locator("#chat-text")).to_have_value("")
        moderator.once("dialog", lambda dialog: dialog.accept())
        chat_item(moderator, "Merci pour cette réponse").locator("[data-chat-delete]").click()
        for page in (anonymous, pages["supporter"], asker):
            expect(chat_item(page, "Merci pour cette réponse")).to_have_count(0)

        # and nothing reloaded a page: all of it came over the live connections, without script errors
        for page in pages.values():
            assert page.evaluate("window.__sameDocument === true")
        for page in [*pages.values(), anonymous]:
            assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_mayor_runs_a_session_from_the_console_and_viewers_follow_live(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    off_loop(LiveSession.objects.filter(pk=session.pk).update, status="scheduled", started_at=None)
    url = f"{hub_server.url}/seances/{session.pk}/"
    with chromium() as browser:
        mayor = open_page(browser, hub_server.url, cotonou_session["mayor"])
        citizen = open_page(browser, hub_server.url, cotonou_session["citizens"][0])
        go_live(mayor, url + "console/")
        go_live(citizen, url)
        citizen.evaluate("window.__sameDocument = true")
        expect(citizen.locator("[data-chat-form]")).to_be_hidden()
        # the forms served hidden (no JavaScript, no GET with the text) are shown by the script
        expect(citizen.locator("[data-question-form]")).to_be_visible()
        for form in ("data-settings-form", "data-agenda-form", "data-poll-create", "data-commitment-form"):
            expect(mayor.locator(f"[{form}]")).to_be_visible()

        # when the mayor adds agenda items and starts the session
        for title in ("Budget 2027", "Marchés publics"):
            mayor.fill("#agenda-title", title)
            mayor.locator("[data-agenda-form] button[type=submit]").click()
            expect(mayor.locator("[data-agenda] [data-item-id]").filter(has_text=title)).to_have_count(1)
        mayor.locator('[data-action="start"]').click()

        # then the citizen sees the agenda, the status, and the chat opening, live
        expect(citizen.locator("[data-agenda] [data-item-id]")).to_have_count(2)
        expect(citizen.locator("[data-chat-form]")).to_be_visible()
        expect(citizen.locator("[data-status-label]")).to_have_class(re.compile("session-badge--live"))
        expect(mayor.locator('[data-action="end"]')).to_be_visible()
        expect(mayor.locator('[data-action="start"]')).to_be_hidden()  # not offered on a live session

        # when the mayor turns slow mode on from the settings, then the citizen is told, live
        expect(citizen.locator("[data-slow-mode]")).to_be_hidden()
        mayor.fill("#set-slow", "30")
        mayor.locator("[data-settings-form] button[type=submit]").click()
        expect(citizen.locator("[data-slow-mode]")).to_be_visible()
        expect(citizen.locator("[data-slow-mode]")).to_contain_text("30")

        # when the mayor sets the current item, then it is highlighted for the citizen
        mayor.locator("[data-agenda] [data-item-id]").filter(has_text="Marchés publics").locator(
            "[data-set-current]"
        ).click()
        current = citizen.locator('[data-agenda] [aria-current="step"]')
        expect(current).to_have_count(1)
        expect(current).to_contain_text("Marchés publics")

        # when the mayor records a commitment, then it is listed with a status to update later
        mayor.fill("#commitment-text", "Publier le rapport d'exécution du budget avant juin")
        mayor.fill("#commitment-due", "2027-06-30")
        mayor.locator("[data-commitment-form] button[type=submit]").click()
        row = mayor.locator("[data-commitment-list] [data-commitment-id]")
        expect(row).to_have_count(1)
        row.locator("[data-commitment-status]").select_option("in_progress")
        row.locator("[data-commitment-save]").click()
        # the outcome is said in the commitments' panel, beside the button
        commitments = mayor.locator("section[aria-labelledby='commitments-console-heading']")
        expect(commitments.locator("[data-panel-status]")).not_to_be_empty()

        # when the mayor ends the session, then the citizen is told, and the page becomes the archive
        mayor.once("dialog", lambda dialog: dialog.accept())
        mayor.locator('[data-action="end"]').click()
        expect(citizen.locator("[data-ended-note]")).to_be_visible()
        expect(citizen.locator("[data-chat-form]")).to_be_hidden()
        assert citizen.evaluate("window.__sameDocument === true")
        citizen.reload()
        expect(citizen.locator(".session-archive")).to_be_visible()
        expect(citizen.locator(".commitment-list")).to_contain_text("rapport d'exécution")
        assert mayor.js_errors == [] and citizen.js_errors == []  # type: ignore[attr-defined]


def test_a_muted_citizen_is_told_at_once_and_anonymous_chat_is_impossible(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    url = f"{hub_server.url}/seances/{session.pk}/"
    citizen = cotonou_session["citizens"][0]
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen)
        moderator = open_page(browser, hub_server.url, cotonou_session["moderator"])
        anonymous = open_page(browser, hub_server.url)
        go_live(page, url)
        go_live(moderator, url + "moderation/")
        go_live(anonymous, url)
        expect(anonymous.locator("[data-chat-form]")).to_have_count(0)
        expect(anonymous.locator("main a[href^='/connexion/']").first).to_be_visible()

        # given a message from the citizen in the moderator's console
        page.fill("#chat-text", "Premier message")
        page.locator("[data-chat-form] button[type=submit]").click()
        message = moderator.locator("[data-chat-list] [data-message-id]").filter(has_text="Premier message")
        expect(message).to_have_count(1)

        # when the moderator mutes its author for 5 minutes
        moderator.fill("[data-mute-minutes]", "5")
        message.locator("[data-mute]").click()

        # then the sanction is listed, and the citizen's chat form closes with an explanation, live
        expect(moderator.locator("[data-sanction-list] [data-sanction-id]")).to_have_count(1)
        expect(page.locator("[data-chat-form]")).to_be_hidden()
        expect(page.locator("[data-chat-closed]")).to_be_visible()
        expect(page.locator("[data-chat-closed]")).not_to_be_empty()
        muted_note = page.locator("[data-chat-closed]").inner_text()

        # when the moderator lifts the mute, then the citizen may write again, at once
        moderator.locator("[data-sanction-list] [data-lift]").click()
        expect(moderator.locator("[data-sanction-list] [data-sanction-id]")).to_have_count(0)
        expect(page.locator("[data-chat-form]")).to_be_visible()

        # when the moderator bans the citizen (after confirming), then the chat closes with another note
        moderator.once("dialog", lambda dialog: dialog.accept())
        message.locator("[data-ban]").click()
        expect(moderator.locator("[data-sanction-list] [data-sanction-id]")).to_have_count(1)
        expect(page.locator("[data-chat-form]")).to_be_hidden()
        expect(page.locator("[data-chat-closed]")).to_be_visible()
        expect(page.locator("[data-chat-closed]")).not_to_have_text(muted_note)
        assert page.js_errors == [] and moderator.js_errors == []  # type: ignore[attr-defined]


def test_reports_flood_errors_and_the_low_bandwidth_stream_choice(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    off_loop(
        LiveSession.objects.filter(pk=session.pk).update,
        stream_url="https://www.youtube-nocookie.com/embed/test",
    )
    url = f"{hub_server.url}/seances/{session.pk}/"
    writer, reporter, _ = cotonou_session["citizens"]
    with chromium() as browser:
        page = open_page(browser, hub_server.url, writer)
        other = open_page(browser, hub_server.url, reporter)
        moderator = open_page(browser, hub_server.url, cotonou_session["moderator"])
        for target, path in ((page, url), (other, url), (moderator, url + "moderation/")):
            go_live(target, path)

        # when a citizen reports another's message, then the moderators see it at once
        page.fill("#chat-text", "Message douteux")
        page.locator("[data-chat-form] button[type=submit]").click()
        chat_item(other, "Message douteux").locator("[data-chat-flag]").click()
        expect(other.locator("[data-chat-status]")).not_to_be_empty()
        expect(moderator.locator("[data-flagged-list] [data-message-id]")).to_have_count(1)

        # when the citizen floods the chat, then the message over the limit is refused with a
        # readable error (role=alert), kept in the field, not stored, and shown to the moderators
        sent = 1
        field = page.locator("#chat-text")
        error = page.locator("[data-chat-error]")
        # (the limit is 5 per fixed 10 s window: a burst straddling two windows passes 10 at most)
        while sent < 13 and not error.inner_text():
            field.fill(f"Message {sent}")
            page.locator("[data-chat-form] button[type=submit]").click()
            page.wait_for_function(
                "() => document.querySelector('#chat-text').value === ''"
                " || document.querySelector('[data-chat-error]').textContent !== ''"
            )
            sent += 1
        expect(error).to_have_attribute("role", "alert")
        expect(error).not_to_be_empty()
        expect(field).to_have_attribute("aria-invalid", "true")
        assert field.input_value().startswith("Message ")
        expect(moderator.locator("[data-hit-list] li")).not_to_have_count(0)
        stored = off_loop(ChatMessage.objects.filter(session=session, author=writer).count)
        assert stored == sent - 1 <= 11

        # and an anonymous viewer on a slow connection: nothing heavy until asked; sound only is
        # remembered on the next visit; the video comes in a titled frame only on request
        viewer = open_page(browser, hub_server.url)
        go_live(viewer, url)
        expect(viewer.locator("iframe")).to_have_count(0)
        expect(viewer.locator("[data-stream-player]")).to_be_hidden()
        viewer.locator("[data-stream-audio]").click()
        expect(viewer.locator("[data-stream-player] audio")).to_be_visible()
        go_live(viewer, url)
        expect(viewer.locator("[data-stream-player] audio")).to_be_visible()
        expect(viewer.locator("iframe")).to_have_count(0)
        viewer.locator("[data-stream-video]").focus()
        viewer.keyboard.press("Enter")
        frame = viewer.locator("[data-stream-frame] iframe")
        expect(frame).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/test")
        expect(frame).to_have_attribute("title", re.compile(".+"))
        expect(viewer.locator("[data-stream-player]")).to_be_hidden()


def test_the_page_applies_events_in_order_once_asks_to_resume_on_a_gap_and_reloads_on_reset(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    say(cotonou_session["citizens"][0], session, "Message réel")
    with chromium() as browser:
        viewer = open_page(browser, hub_server.url)
        sent: list[str] = []
        viewer.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
        go_live(viewer, f"{hub_server.url}/seances/{session.pk}/")
        texts = viewer.locator("[data-chat-list] [data-message-id] [data-part='text']")
        expect(texts).to_have_text(["Message réel"])
        last = viewer.evaluate(f"{SOCKET}.lastSeq")

        def deliver(seq: int, message_id: int, text: str) -> None:
            frame = {
                "type": "event",
                "event": "chat.message",
                "seq": seq,
                "id": f"test-{seq}",
                "data": {
                    "id": message_id,
                    "author": {"id": 1, "display_name": "Test"},
                    "text": text,
                    "created_at": "2026-11-29T10:00:00Z",
                },
            }
            viewer.evaluate(
                f"frame => {SOCKET}.receive(JSON.stringify(frame))",
                frame,
            )

        # when an event arrives after a gap, then it waits, and the page asks the server to resume
        deliver(last + 2, 900002, "Deuxième")
        expect(texts).to_have_text(["Message réel"])

        def resume_asked() -> bool:
            return any('"type":"resume"' in frame and f'"last_seq":{last}' in frame for frame in sent)

        for _ in range(50):  # frames are reported while Playwright waits
            if resume_asked():
                break
            viewer.wait_for_timeout(100)
        assert resume_asked(), sent

        # when the missing event arrives, then both are applied, in order; a duplicate changes nothing
        deliver(last + 1, 900001, "Premier")
        expect(texts).to_have_text(["Message réel", "Premier", "Deuxième"])
        deliver(last + 1, 900001, "Premier")
        deliver(last + 2, 900002, "Deuxième")
        expect(texts).to_have_text(["Message réel", "Premier", "Deuxième"])

        # when the server says too much was missed, then the page reloads its state from REST (the
        # made-up messages above are not in the database) without reloading the document
        viewer.evaluate("window.__sameDocument = true")
        viewer.evaluate(f"{SOCKET}.receive(JSON.stringify({{type: 'reset'}}))")
        expect(texts).to_have_text(["Message réel"])
        expect(viewer.locator("[data-connection]")).to_have_attribute(
            "data-state", re.compile("open|reconnected")
        )
        say_live(hub_server.url, cotonou_session["citizens"][1], session, "Après la remise à zéro")
        expect(texts).to_have_text(["Message réel", "Après la remise à zéro"])
        assert viewer.evaluate("window.__sameDocument === true")
        assert viewer.js_errors == []  # type: ignore[attr-defined]


def test_actions_cut_off_by_a_lost_connection_are_resent_and_counted_once(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    session = cotonou_session["session"]
    citizen = cotonou_session["citizens"][0]
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen)
        go_live(page, f"{hub_server.url}/seances/{session.pk}/")
        status = page.locator("[data-connection]")

        # when a message leaves just as the connection drops (its acknowledgement is lost)
        page.fill("#chat-text", "Envoyé pendant la coupure")
        page.evaluate(f"document.querySelector('[data-chat-form]').requestSubmit(); {SOCKET}.drop()")
        expect(status).to_have_attribute("data-state", "lost")

        # and a question is asked while the network is down (it cannot leave yet)
        page.context.set_offline(True)
        page.fill("#question-text", "Question posée hors ligne")
        page.locator("[data-question-form] button[type=submit]").click()
        page.wait_for_timeout(500)
        page.context.set_offline(False)

        # then, once reconnected, both are sent again with their idempotency keys: each shows once
        # and is stored once
        expect(status).to_have_attribute("data-state", "reconnected", timeout=45_000)
        expect(chat_item(page, "Envoyé pendant la coupure")).to_have_count(1)
        expect(page.locator("#chat-text")).to_have_value("")
        expect(page.locator("#question-text")).to_have_value("")
        expect(question_in(page, "[data-question-list]", "Question posée hors ligne")).to_have_count(1)
        page.wait_for_timeout(500)
        expect(chat_item(page, "Envoyé pendant la coupure")).to_have_count(1)
        assert off_loop(ChatMessage.objects.filter(text="Envoyé pendant la coupure").count) == 1
        assert off_loop(Question.objects.filter(text="Question posée hors ligne").count) == 1
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_moderator_console_reloads_its_queue_after_a_lost_connection(
    hub_server: HubServer, cotonou_session: dict[str, Any]
) -> None:
    from sessions_live.services.questions import question_ask

    session = cotonou_session["session"]
    with chromium() as browser:
        moderator = open_page(browser, hub_server.url, cotonou_session["moderator"])
        go_live(moderator, f"{hub_server.url}/seances/{session.pk}/moderation/")
        moderator.evaluate("window.__sameDocument = true")
        status = moderator.locator("[data-connection]")

        # given the moderator's connection is cut (the network is gone)
        moderator.context.set_offline(True)
        moderator.evaluate(f"{SOCKET}.drop()")
        expect(status).to_have_attribute("data-state", "lost")
        expect(status).to_be_visible()

        # when a question waits for moderation meanwhile (its live frame reaches nobody: moderators'
        # frames are not in the replay log)
        off_loop(
            question_ask,
            actor=cotonou_session["citizens"][0],
            session=session,
            text="Posée pendant la coupure",
        )
        moderator.wait_for_timeout(1500)
        expect(moderator.locator("[data-pending-list] [data-question-id]")).to_have_count(0)

        # then, once the network is back, the console reconnects and fetches its queue again
        moderator.context.set_offline(False)
        expect(status).to_have_attribute("data-state", "reconnected", timeout=45_000)
        expect(question_in(moderator, "[data-pending-list]", "Posée pendant la coupure")).to_have_count(1)
        assert moderator.evaluate("window.__sameDocument === true")
        assert moderator.js_errors == []  # type: ignore[attr-defined]


def test_the_demo_live_page_is_light_for_slow_3g_and_loads_nothing_from_elsewhere(
    hub_server: HubServer,
) -> None:
    from hub.demo_data import demo_data_load
    from sessions_live.demo import LIVE_TITLE, demo_load

    # given the demo's live session (stream, sound, poll, questions, chat)
    demo_data_load()
    demo_load()
    live = LiveSession.objects.get(title=LIVE_TITLE)
    with chromium() as browser:
        page = open_page(browser, hub_server.url)
        responses: list[Any] = []
        page.on("response", lambda response: responses.append(response))

        # when a visitor opens it and the live connection is up
        go_live(page, f"{hub_server.url}/seances/{live.pk}/")

        # then what crosses the network (HTML, CSS and JS, compressed as served) stays under the
        # home page's budget, all from our own server (the video player is not fetched before the
        # visitor asks for it); and what a low-end phone parses, uncompressed, stays under 128 KiB
        wire = {response.url: response.request.sizes()["responseBodySize"] for response in responses}
        parsed = {response.url: len(response.body()) for response in responses}
        assert all(url.startswith(hub_server.url) for url in wire), wire
        assert sum(wire.values()) < HOME_PAGE_BUDGET, wire
        assert sum(parsed.values()) < LIVE_PAGE_PARSE_BUDGET, parsed


# --- Reconnection ----------------------------------------------------------------------------------


def start_daphne_on(port: int, env: dict[str, str], log_dir: Path, name: str) -> RunningProcess:
    """A daphne process on a given port (to come back on the address a page reconnects to), returned
    once it accepts connections. (/healthz checks every service and can be slow under load.)"""
    runner = start_process(web_command("daphne", "127.0.0.1", port), env, log_dir / f"{name}.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if runner.process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{runner.log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return runner
        except OSError:
            time.sleep(0.2)
    runner.stop()
    raise RuntimeError(f"daphne did not start:\n{runner.log()}")


def test_a_viewer_whose_server_dies_catches_up_every_missed_message_once_and_in_order(
    hub_server: HubServer, cotonou_session: dict[str, Any], tmp_path: Path
) -> None:
    session = cotonou_session["session"]
    talkers = cotonou_session["citizens"]  # three, to stay under the per-user chat rate limit
    env = service_env(tmp_path)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    first = start_daphne_on(port, env, tmp_path, "first")
    second = None
    try:
        with chromium() as browser:
            # given a viewer on the live page, with two messages already shown
            viewer = open_page(browser, base_url)
            say(talkers[0], session, "Avant la coupure 1")
            go_live(viewer, f"{base_url}/seances/{session.pk}/")
            say_live(base_url, talkers[1], session, "Avant la coupure 2")
            messages = viewer.locator("[data-chat-list] [data-message-id] [data-part='text']")
            before = ["Avant la coupure 1", "Avant la coupure 2"]
            expect(messages).to_have_text(before)
            viewer.evaluate("window.__sameDocument = true")

            # when its server process is killed
            first.process.kill()
            first.process.wait()

            # then the page says the connection is lost (role=status), and keeps what it had
            status = viewer.get_by_role("status").and_(viewer.locator("[data-connection]"))
            expect(status).to_be_visible()
            expect(status).to_have_attribute("data-state", "lost")

            # when messages are posted meanwhile (through the services, as any other process would:
            # they reach the page only through the event log)
            missed = [f"Pendant la coupure {n}" for n in range(1, 7)]
            for n, text in enumerate(missed):
                say(talkers[n % 3], session, text, key=f"cut-{n}")
            expect(status).to_have_attribute("data-state", "lost")

            # and a new server process comes up on the same address
            second = start_daphne_on(port, env, tmp_path, "second")

            # then the page reconnects by itself, says so, and shows every missed message once, in order
            expect(status).to_have_attribute("data-state", "reconnected", timeout=45_000)
            expect(status).to_be_visible()
            expect(messages).to_have_text([*before, *missed])

            # and live messages follow, still exactly once
            say_live(base_url, talkers[0], session, "Après la coupure")
            expect(messages).to_have_text([*before, *missed, "Après la coupure"])
            ids = viewer.locator("[data-chat-list] [data-message-id]").evaluate_all(
                "nodes => nodes.map((node) => node.dataset.messageId)"
            )
            assert len(ids) == len(set(ids)) == off_loop(ChatMessage.objects.filter(session=session).count)
            assert viewer.evaluate("window.__sameDocument === true"), "the page reloaded instead of resuming"
            assert viewer.js_errors == []  # type: ignore[attr-defined]
    finally:
        first.stop()
        if second is not None:
            second.stop()
