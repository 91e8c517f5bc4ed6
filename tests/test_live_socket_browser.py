"""The site's one websocket client (``frontend/static/frontend/js/live-socket.js``) in Chromium,
against real daphne processes, on both backends (the embedded defaults: SQLite, the in-memory
layer, one server process; and PostgreSQL with Redis).

1. A forum thread page whose server process dies: it says so, comes back by itself when a new
   process listens, and catches up over HTTP with every post written, edited or hidden meanwhile,
   once and in order, and the thread's supports; live posts follow, once.
2. The notification badge (``/ws/me/``) whose server dies: the hello after the reconnect gives the
   exact unread count; a live notification adds one.
3. A page brought back to the foreground, or back online, reconnects at once instead of waiting out
   its backoff (the page's clock is paused: only the page's own signal can bring it back).
4. The backoff doubles from 0.5-1 s to 15-30 s; close codes 4503 and 4008 reconnect at once, other
   closes wait their backoff, 4401 and 4404 stop (the test stands between page and server with
   Playwright's websocket routing, and moves the page's paused clock itself).

Writes that a page must show live go through the server (its REST API); writes made while a server
is down go through the services in the test process and reach the page only by its catch-up.
Headless Chromium keeps every page "visible", so the test plays the browser's part there: it sets
``document.visibilityState`` and sends ``visibilitychange`` as a browser does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from forums import services
from forums.models import Category, Thread
from hub.models import Commune
from notifications.selectors import unread_count
from tests.browser import chromium
from tests.conftest import free_port, service_env, wait_for
from tests.factories_forums import moderator, phone_only_veteran, veteran
from tests.test_e2e_publication import sign_in
from tests.test_sessions_browser import api_post, off_loop, open_page, start_daphne_on

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREAD = "document.querySelector('[data-thread-id]').liveSocket"  # the forum page's LiveSocket
BADGE = "document.querySelector('[data-unread-count]').liveSocket"  # the badge's LiveSocket
RECONNECT_TIMEOUT = 45_000  # ms: a new server process starts, then the backoff of a few failed tries


def a_thread(title: str = "Caniveaux bouchés") -> Thread:
    cotonou = Commune.objects.get(slug="cotonou")
    services.categories_seed(commune=cotonou)
    return services.thread_create(
        actor=phone_only_veteran(),
        commune=cotonou,
        category=Category.objects.get(commune=cotonou, slug="assainissement"),
        title=title,
        body="Les caniveaux débordent à chaque pluie.",
        kind="proposal",
    )


def shown_post_ids(page: Page) -> list[str]:
    return page.locator("[data-posts] [data-post-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.postId)"
    )


def set_visibility(page: Page, state: str) -> None:
    """What the browser does when the page goes to the background or comes back."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
            Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_a_forum_page_whose_server_dies_catches_up_every_missed_post_once_and_in_order(
    reference_data: None, tmp_path: Path
) -> None:
    # given a thread with one reply, on a server process of its own
    thread = a_thread()
    before = services.post_create(actor=phone_only_veteran(), thread=thread, body="Avant la coupure")
    mod_user = moderator(thread.commune, email="moderation.coupure@example.bj")
    writers = [phone_only_veteran() for _ in range(3)]  # to stay under the per-user reply limit
    env = service_env(tmp_path)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    first = start_daphne_on(port, env, tmp_path, "first")
    second = None
    try:
        with chromium() as browser:
            # and a visitor on the thread page, live
            viewer = open_page(browser, base_url)
            viewer.goto(f"{base_url}/forum/sujets/{thread.pk}/")
            live = viewer.locator("[data-forum-live-state]")
            expect(live).to_have_attribute("data-state", "online")
            viewer.evaluate("window.__sameDocument = true")

            # when its server process is killed
            first.process.kill()
            first.process.wait()

            # then the page says live updates are interrupted, and keeps what it shows
            expect(live).to_have_attribute("data-state", "offline")
            expect(live).not_to_be_empty()
            assert shown_post_ids(viewer) == [str(before.pk)]

            # when, meanwhile, replies are written, one edited, one hidden, and the thread supported
            missed = [
                off_loop(
                    services.post_create, actor=writers[n % 3], thread=thread, body=f"Pendant la coupure {n}"
                )
                for n in range(1, 6)
            ]
            off_loop(services.post_edit, actor=before.author, post=before, body="Avant la coupure, corrigé")
            off_loop(
                services.content_hide, actor=mod_user, thread=thread, post=missed[1], reason="Hors sujet"
            )
            off_loop(services.support_set, actor=writers[0], thread=thread, supported=True)

            # and a new server process comes up on the same address
            second = start_daphne_on(port, env, tmp_path, "second")

            # then the page reconnects by itself and shows every change once, in order
            expect(live).to_have_attribute("data-state", "online", timeout=RECONNECT_TIMEOUT)
            expected = [before, *(post for post in missed if post.pk != missed[1].pk)]
            expect(viewer.locator("[data-posts] [data-post-id]")).to_have_count(len(expected))
            assert shown_post_ids(viewer) == [str(post.pk) for post in expected]
            expect(viewer.locator(f"#message-{before.pk} .forum-body")).to_have_text(
                "Avant la coupure, corrigé"
            )
            expect(
                viewer.locator(f"#message-{before.pk} .meta")
            ).to_be_visible()  # "(modifié)", as the server writes it
            expect(viewer.locator("[data-support-count]")).to_have_text("1 soutien")

            # and live replies follow, still once each
            later = api_post(
                base_url, writers[1], f"forum/threads/{thread.pk}/posts/", {"body": "Après la coupure"}
            )
            expect(viewer.locator(f"[data-post-id='{later['id']}']")).to_have_count(1)
            assert shown_post_ids(viewer) == [*(str(post.pk) for post in expected), str(later["id"])]
            assert viewer.evaluate("window.__sameDocument === true"), (
                "the page reloaded instead of catching up"
            )
            assert viewer.js_errors == []  # type: ignore[attr-defined]
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_the_badge_whose_server_dies_shows_the_exact_count_after_reconnecting(
    request: pytest.FixtureRequest, reference_data: None, tmp_path: Path
) -> None:
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("celery_worker")  # with a broker, a worker fans notifications out
    # given a citizen who follows a thread, signed in on a server process of its own
    thread = a_thread("Éclairage public")
    citizen = veteran(email="suit.le.sujet@example.bj")
    services.follow_set(actor=citizen, thread=thread, following=True)
    writers = [phone_only_veteran() for _ in range(3)]
    env = service_env(tmp_path)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    first = start_daphne_on(port, env, tmp_path, "first")
    second = None
    try:
        with chromium() as browser:
            page = open_page(browser, base_url)
            sign_in(page, base_url, citizen.email)
            badge = page.locator("[data-unread-count]")
            value = page.locator("[data-unread-value]")
            expect(badge).to_have_attribute("data-state", "open")
            expect(badge).to_be_hidden()
            page.evaluate("window.__sameDocument = true")

            # when its server process is killed
            first.process.kill()
            first.process.wait()
            expect(badge).to_have_attribute("data-state", "lost")

            # and two replies to the thread notify the citizen meanwhile (nobody hears them live)
            for n in range(2):
                off_loop(services.post_create, actor=writers[n], thread=thread, body=f"Réponse {n}")
            assert wait_for(lambda: off_loop(unread_count, user=citizen) == 2, timeout=30)

            # then, once a new process listens, the badge says 2 without a reload
            second = start_daphne_on(port, env, tmp_path, "second")
            expect(badge).to_have_attribute("data-state", "reconnected", timeout=RECONNECT_TIMEOUT)
            expect(value).to_have_text("2")
            expect(badge).to_be_visible()

            # and a live notification adds exactly one
            api_post(base_url, writers[2], f"forum/threads/{thread.pk}/posts/", {"body": "Réponse en direct"})
            expect(value).to_have_text("3", timeout=30_000)
            assert off_loop(unread_count, user=citizen) == 3
            assert page.evaluate("window.__sameDocument === true")
            assert page.js_errors == []  # type: ignore[attr-defined]
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_a_page_back_in_the_foreground_or_back_online_reconnects_without_waiting(hub_server: Any) -> None:
    # given a signed-in citizen on a thread page: two live connections (the thread, the badge)
    thread = a_thread("Marché de Dantokpa")
    citizen = veteran(email="premier.plan@example.bj")
    writer = phone_only_veteran()
    with chromium() as browser:
        page = open_page(browser, hub_server.url)
        page.clock.install()
        sign_in(page, hub_server.url, citizen.email)
        page.goto(f"{hub_server.url}/forum/sujets/{thread.pk}/")
        live = page.locator("[data-forum-live-state]")
        badge = page.locator("[data-unread-count]")
        expect(live).to_have_attribute("data-state", "online")
        expect(badge).to_have_attribute("data-state", "open")
        # and the page's clock stands still: no backoff can end by itself from here on
        page.clock.pause_at(page.evaluate("Date.now()") + 1000)

        # when the page goes to the background and its connections are cut
        set_visibility(page, "hidden")
        page.evaluate(f"{THREAD}.drop(); {BADGE}.drop()")
        expect(live).to_have_attribute("data-state", "offline")
        expect(badge).to_have_attribute("data-state", "lost")
        # and a reply comes meanwhile
        reply = api_post(
            hub_server.url, writer, f"forum/threads/{thread.pk}/posts/", {"body": "Pendant l'absence"}
        )
        assert page.evaluate(
            f"{THREAD}.socket === null && {BADGE}.socket === null"
        )  # waiting out the backoff

        # then coming back to the foreground reconnects both at once, and the reply is caught up
        set_visibility(page, "visible")
        expect(live).to_have_attribute("data-state", "online")
        expect(badge).to_have_attribute("data-state", "reconnected")
        expect(page.locator(f"[data-posts] [data-post-id='{reply['id']}']")).to_have_count(1)

        # when the network goes away and its connections with it
        page.context.set_offline(True)
        page.evaluate(f"{THREAD}.drop(); {BADGE}.drop()")
        expect(live).to_have_attribute("data-state", "offline")

        # then the network coming back brings them back at once
        page.context.set_offline(False)
        expect(live).to_have_attribute("data-state", "online")
        expect(badge).to_have_attribute("data-state", "reconnected")
        assert page.js_errors == []  # type: ignore[attr-defined]


class SocketRoutes:
    """The test between the page and the server: every websocket the page opens goes through here
    to the real server, so the test can close one with the code a server would send."""

    def __init__(self, page: Page) -> None:
        self.routes: list[tuple[WebSocketRoute, Any]] = []
        page.route_web_socket(re.compile(r"/ws/"), self.route)

    def route(self, socket: WebSocketRoute) -> None:
        self.routes.append((socket, socket.connect_to_server()))

    def opened(self, path: str) -> int:
        return sum(path in socket.url for socket, _server in self.routes)

    def close(self, path: str, code: int) -> None:
        socket, server = next(route for route in reversed(self.routes) if path in route[0].url)
        server.close()
        socket.close(code=code, reason="test")


# The waits of eight failed attempts in a row, with the random share at its least and at its most.
BACKOFF_STEPS = """async () => {
    const src = document.querySelector("script[src*='forum.js']").src.replace("forum.js", "live-socket.js");
    const { LiveSocket } = await import(src);
    const random = Math.random;
    const steps = {};
    for (const [name, share] of [["least", 0], ["most", 1 - 1e-9]]) {
        Math.random = () => share;
        const socket = new LiveSocket({ url: () => "/ws/none/" });
        socket.stopped = true;
        steps[name] = Array.from({ length: 8 }, () => Math.round(socket.backoff()));
    }
    Math.random = random;
    return steps;
}"""


def test_the_backoff_and_the_close_codes_decide_when_to_reconnect(hub_server: Any) -> None:
    thread = a_thread("Voirie de Fidjrossè")
    citizen = veteran(email="codes.de.fermeture@example.bj")
    with chromium() as browser:
        page = open_page(browser, hub_server.url)
        routes = SocketRoutes(page)
        page.clock.install()
        sign_in(page, hub_server.url, citizen.email)
        page.goto(f"{hub_server.url}/forum/sujets/{thread.pk}/")
        live = page.locator("[data-forum-live-state]")
        badge = page.locator("[data-unread-count]")
        expect(live).to_have_attribute("data-state", "online")
        expect(badge).to_have_attribute("data-state", "open")
        page.clock.pause_at(page.evaluate("Date.now()") + 1000)
        threads = f"/ws/forums/threads/{thread.pk}/"

        # the backoff doubles from 0.5-1 s up to 15-30 s, each wait at least half its step
        steps = page.evaluate(BACKOFF_STEPS)
        assert steps["least"] == [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]
        assert steps["most"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]

        for code in (4503, 4008):
            # when the server closes with 4503 (it lost Redis) or 4008 (the page read too slowly)
            opened = routes.opened(threads)
            routes.close(threads, code)
            expect(live).to_have_attribute("data-state", "offline")
            # then the page is back within a quarter of a second of its clock, before any backoff
            page.clock.run_for(250)
            assert page.evaluate(f"{THREAD}.socket !== null")
            expect(live).to_have_attribute("data-state", "online")
            assert routes.opened(threads) == opened + 1

        # when a connection ends any other way, then the page waits its backoff (0.5 to 1 s) first
        routes.close(threads, 1001)
        expect(live).to_have_attribute("data-state", "offline")
        page.clock.run_for(400)
        assert page.evaluate(f"{THREAD}.socket === null")
        page.clock.run_for(700)
        expect(live).to_have_attribute("data-state", "online")

        # when the badge's channel is closed with 4401 (signed out), then it stops for good
        routes.close("/ws/me/", 4401)
        expect(badge).to_have_attribute("data-state", "closed")
        # and when the thread is closed with 4404 (hidden meanwhile), the page says it is gone
        routes.close(threads, 4404)
        expect(page.locator("[data-thread-id] [role=alert]")).to_be_visible()
        opened = len(routes.routes)
        page.clock.run_for(120_000)
        set_visibility(page, "visible")
        assert page.evaluate(f"{THREAD}.socket === null && {BADGE}.socket === null")
        assert len(routes.routes) == opened, "a stopped connection came back"
        assert page.js_errors == []  # type: ignore[attr-defined]
