"""Writes made offline (issue 19), in Debian's Chromium against a real daphne: a forum reply, a
question to a live accountability session and a consultation answer are submitted with the network
cut (Playwright's offline mode); the page says they wait to be sent and nothing reaches the
database; once the network is back they are sent, and exactly once, even with two tabs open, a
second ``online`` event and a reload. A reply the server refuses meanwhile (the thread was locked)
shows the server's reason and keeps the text.

Assertions use the pages' structure (data attributes, classes), not their wording.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from consultations.models import QuestionKind
from consultations.models import Response as ConsultationResponse
from forums import services
from forums.models import Category, Post, Thread
from hub.models import Commune
from sessions_live.models import LiveSession, Question
from tests.browser import chromium
from tests.conftest import HubServer
from tests.factories import UserFactory
from tests.factories_consultations import consultation_setup
from tests.factories_forums import moderator, phone_only_veteran, veteran
from tests.test_e2e_publication import sign_in
from tests.test_sessions_browser import cotonou_session, go_live, off_loop, open_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_outbox")
PHONE: ViewportSize = {"width": 360, "height": 740}
QUEUE = "JSON.parse(localStorage.getItem('cp-offline-queue') || '[]')"


def a_thread(title: str) -> Thread:
    cotonou = Commune.objects.get(slug="cotonou")
    services.categories_seed(commune=cotonou)
    return services.thread_create(
        actor=phone_only_veteran(),
        commune=cotonou,
        category=Category.objects.get(commune=cotonou, slug="assainissement"),
        title=title,
        body="Les caniveaux débordent à chaque pluie.",
        kind="concern",
    )


def replies(thread: Thread, body: str) -> int:
    return off_loop(lambda: Post.objects.filter(thread=thread, body=body).count())


def online_again(context: BrowserContext, *pages: Page) -> None:
    """The network returns; each page is told (Chromium fires `online`), and told once more."""
    context.set_offline(False)
    for page in pages:
        page.evaluate("window.dispatchEvent(new Event('online'))")


def queue_empty(page: Page) -> None:
    page.wait_for_function(f"{QUEUE}.length === 0")


@pytest.mark.parametrize("web_locks", [True, False], ids=["web-locks", "lease"])
def test_a_reply_written_offline_is_sent_once_when_the_network_returns(
    hub_server: HubServer, web_locks: bool
) -> None:
    # given a thread and a citizen who has it open in two tabs of a phone (without Web Locks: the
    # older browsers' localStorage lease keeps the tabs from both sending)
    body = "Réponse écrite sans réseau"
    thread = a_thread("Caniveaux bouchés")
    veteran(email="horsligne@example.bj")
    url = f"{hub_server.url}/forum/sujets/{thread.pk}/"
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport=PHONE)
        context.set_default_timeout(20_000)
        if not web_locks:
            context.add_init_script("delete Navigator.prototype.locks")
        page = context.new_page()
        sign_in(page, hub_server.url, "horsligne@example.bj")
        assert page.evaluate("Boolean(navigator.locks)") is web_locks
        page.goto(url)
        other = context.new_page()
        other.goto(url)
        expect(page.locator("[data-forum-live-state]")).to_have_attribute("data-state", "online")

        # when the network is cut and the reply is sent
        context.set_offline(True)
        page.fill("#id_body", body)
        page.locator("[data-reply-form] button[type=submit]").click()

        # then it waits, visibly, on this tab and the other one, and nothing reached the server
        status = page.locator("[data-reply-form] [data-offline-status]")
        expect(status).to_be_visible()
        expect(status).to_have_class("message message--warning")
        expect(status).to_have_attribute("role", "status")
        expect(page.locator("[data-offline-indicator]")).to_be_visible()
        expect(other.locator("[data-offline-indicator]")).to_be_visible()
        expect(page.locator("#id_body")).to_have_value("")
        entry = page.evaluate(f"{QUEUE}[0]")
        assert len(entry["id"]) >= 32 and ["idempotency_key", entry["id"]] in entry["fields"]
        SHOTS.mkdir(exist_ok=True)
        expect(status.locator("q")).to_have_text(body)  # what waits, since the form was emptied
        page.screenshot(path=str(SHOTS / f"forum-reply-waiting-360-{web_locks}.png"), full_page=True)
        assert replies(thread, body) == 0

        # when the network returns (both tabs hear `online`, and hear it twice)
        online_again(context, page, other)

        # then the reply is sent, shown, and stored once
        expect(status).to_have_class("message message--success")
        expect(page.locator(".forum-post", has_text=body)).to_be_visible()
        queue_empty(page)
        expect(page.locator("[data-offline-indicator]")).to_have_count(0)
        expect(other.locator("[data-offline-indicator]")).to_have_count(0)
        page.evaluate("window.offlineQueue.flush()")
        page.reload()
        other.reload()
        expect(page.locator(".forum-post", has_text=body)).to_have_count(1)
        assert replies(thread, body) == 1
        context.close()


def test_a_queued_reply_the_server_refuses_shows_why_and_keeps_the_text(hub_server: HubServer) -> None:
    # given a citizen with a thread open, and a reply queued offline
    body = "Réponse qui arrivera trop tard"
    thread = a_thread("Sujet bientôt verrouillé")
    veteran(email="refus@example.bj")
    mod_user = moderator(thread.commune, email="verrou@example.bj")
    url = f"{hub_server.url}/forum/sujets/{thread.pk}/"
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport=PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        sign_in(page, hub_server.url, "refus@example.bj")
        page.goto(url)
        context.set_offline(True)
        page.fill("#id_body", body)
        page.locator("[data-reply-form] button[type=submit]").click()
        expect(page.locator("[data-reply-form] [data-offline-status]")).to_have_class(
            "message message--warning"
        )

        # when a moderator locks the thread meanwhile, and the network returns
        off_loop(services.thread_lock_set, actor=mod_user, thread=thread, locked=True)
        online_again(context, page)

        # then the page says it was not sent, with the server's reason, and the text is back
        status = page.locator("[data-reply-form] [data-offline-status]")
        expect(status).to_have_class("message message--error")
        expect(status).not_to_be_empty()
        expect(page.locator("#id_body")).to_have_value(body)
        expect(status.locator("button")).to_have_count(2)  # try again, discard
        assert replies(thread, body) == 0
        entry = page.evaluate(f"{QUEUE}[0]")
        assert entry["refused"]

        # after a reload the locked page has no form: the kept text is still there to copy
        page.reload()
        indicator = page.locator("[data-offline-indicator]")
        expect(indicator).to_have_class("message message--error")
        expect(indicator.locator("textarea")).to_have_value(body)
        indicator.locator("button").click()  # discard
        expect(indicator).to_have_count(0)
        assert page.evaluate(f"{QUEUE}.length") == 0
        assert replies(thread, body) == 0
        context.close()


@pytest.mark.parametrize("state", ["live", "scheduled"])
def test_a_question_asked_offline_reaches_the_session_once(
    hub_server: HubServer,
    cotonou_session: dict[str, Any],  # noqa: F811
    state: str,
) -> None:
    # given a pre-moderated accountability session, live or upcoming, and a citizen on its page
    session = cotonou_session["session"]
    if state == "scheduled":
        LiveSession.objects.filter(pk=session.pk).update(
            status="scheduled", started_at=None, starts_at=timezone.now() + datetime.timedelta(days=2)
        )
    citizen = cotonou_session["citizens"][0]
    text = "Quand le marché de Dantokpa sera-t-il rénové ?"
    url = f"{hub_server.url}/seances/{session.pk}/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen, viewport=PHONE)
        go_live(page, url)
        context = page.context

        # when the network is cut and the question is asked
        page.locator("[data-tab='questions']").click()  # the phone shows one panel at a time
        context.set_offline(True)
        page.fill("#question-text", text)
        page.locator("[data-question-form] button[type=submit]").click()

        # then it waits, and the server has nothing
        status = page.locator("[data-question-form] [data-offline-status]")
        expect(status).to_have_class("message message--warning")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"session-question-waiting-360-{state}.png"), full_page=True)
        assert off_loop(lambda: Question.objects.filter(session=session, author=citizen).count()) == 0

        # when the network returns, twice
        online_again(context, page, page)

        # then it is sent once, waiting for the moderator
        expect(status).to_have_class("message message--success")
        queue_empty(page)
        page.evaluate("window.offlineQueue.flush()")
        page.reload()
        rows = off_loop(
            lambda: list(Question.objects.filter(session=session, author=citizen).values("text", "status"))
        )
        assert rows == [{"text": text, "status": "pending"}]
        assert page.js_errors == []  # type: ignore[attr-defined]
        context.close()


def test_a_consultation_answer_submitted_offline_is_recorded_once(hub_server: HubServer) -> None:
    # given an open consultation and a citizen on its answer page
    setup = consultation_setup(commune=Commune.objects.get(slug="cotonou"))
    consultation = setup.consultation
    question = setup.question(QuestionKind.SINGLE)
    option = setup.option_ids(QuestionKind.SINGLE)[1]
    citizen: Any = UserFactory(display_name="Répondante hors ligne")
    url = f"{hub_server.url}/communes/{setup.commune.slug}/consultations/{consultation.pk}/repondre/"
    with chromium() as browser:
        page = open_page(browser, hub_server.url, citizen, viewport=PHONE)
        page.goto(url)
        context = page.context

        # when the network is cut and the answers are submitted
        context.set_offline(True)
        page.check(f"input[name=q{question.pk}][value='{option}']")
        page.locator(".consult-form button[name=action][value=submit]").click()

        # then they wait, and nothing is recorded
        status = page.locator(".consult-form [data-offline-status]")
        expect(status).to_have_class("message message--warning")
        mine = ConsultationResponse.objects.filter(consultation=consultation, user=citizen)
        assert off_loop(mine.count) == 0

        # when the network returns, twice, then they are recorded once, submitted, with the choice
        online_again(context, page, page)
        expect(status).to_have_class("message message--success")
        queue_empty(page)
        page.reload()
        responses = off_loop(
            lambda: list(ConsultationResponse.objects.filter(consultation=consultation, user=citizen))
        )
        assert len(responses) == 1 and responses[0].is_submitted
        chosen = off_loop(lambda: list(responses[0].answers.values_list("selections__option", flat=True)))
        assert option in chosen
        context.close()
