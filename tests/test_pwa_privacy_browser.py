"""Offline reading on a shared phone, and writes queued offline, as a reviewer attacked them (issue 19):
a staff member's draft is never saved for offline reading; the pages of a person whose session ended
are dropped before the next person reads them; a reply queued by one person is never sent under
another's account; a saved page served while the server is out of reach (the browser still says
"online") queues a reply instead of losing it. Real daphne, Debian's Chromium, its service worker."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import pytest
from playwright.sync_api import expect

from forums.models import Post
from hub.models import Commune, Role
from tests.browser import chromium, wait_js
from tests.factories import MembershipFactory, UserFactory
from tests.factories_forums import veteran
from tests.factories_publications import DocumentFactory
from tests.test_e2e_publication import sign_in
from tests.test_offline_queue_browser import a_thread
from tests.test_sessions_browser import off_loop

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PHONE = {"locale": "fr-FR", "viewport": {"width": 360, "height": 740}}
QUEUE = "JSON.parse(localStorage.getItem('cp-offline-queue') || '[]')"


def test_staff_draft_is_shown_offline_to_the_next_person(hub_server: Any) -> None:
    cotonou = Commune.objects.get(slug="cotonou")
    staff_user = UserFactory(email="redac@example.bj")
    MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER, user=staff_user)
    draft = DocumentFactory(commune=cotonou, title="Projet confidentiel non publie")
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, hub_server.url, "redac@example.bj")
        page.goto(hub_server.url + "/communes/cotonou/")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        url = f"{hub_server.url}/communes/cotonou/documents/{draft.pk}/"
        page.goto(url)
        expect(page.get_by_role("heading", name=draft.title, level=1)).to_be_visible()
        # then the staff page (a draft, with its controls) is not saved, while the worker did save
        # the public commune page opened before it
        page.wait_for_timeout(1000)
        saved = page.evaluate(
            "async () => (await (await caches.open('communes-pages')).keys()).map((r) => r.url)"
        )
        assert url not in saved, saved
        # and the next person, offline, does not read it
        context.clear_cookies()
        context.set_offline(True)
        page.goto(url)
        expect(page.get_by_role("heading", name=draft.title, level=1)).to_have_count(0)
        context.close()


def test_a_signed_in_citizens_pages_are_dropped_when_their_session_ends(hub_server: Any) -> None:
    veteran(email="afi@example.bj", display_name="Afi")
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, hub_server.url, "afi@example.bj")
        page.goto(hub_server.url + "/communes/cotonou/")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        page.reload()
        wait_js(page, "async () => (await (await caches.open('communes-pages')).keys()).length > 0")
        # when the session ends without the sign-out button, and the next page shows nobody signed in
        context.clear_cookies()
        page.goto(hub_server.url + "/communes/abomey-calavi/")
        # then the worker dropped what was saved while she was signed in
        wait_js(
            page,
            "async () => !(await (await caches.open('communes-pages'))"
            ".match(location.origin + '/communes/cotonou/'))",
        )
        context.close()


def test_a_reply_queued_by_one_person_is_never_sent_as_the_next(hub_server: Any) -> None:
    thread = a_thread("Sujet partage")
    veteran(email="a@example.bj", display_name="Alice")
    b = veteran(email="b@example.bj", display_name="Bruno")
    url = f"{hub_server.url}/forum/sujets/{thread.pk}/"
    body = "Texte ecrit par Alice hors ligne"
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, hub_server.url, "a@example.bj")
        page.goto(url)
        context.set_offline(True)
        page.fill("#id_body", body)
        page.locator("[data-reply-form] button[type=submit]").click()
        page.wait_for_function(f"() => {QUEUE}.length === 1")
        page.close()
        # Alice's session ends (expiry / signed out elsewhere); the network returns
        context.clear_cookies()
        context.set_offline(False)
        page = context.new_page()
        page.goto(url)  # flush: redirected to sign-in, the entry stays
        page.wait_for_timeout(1500)
        assert page.evaluate(f"{QUEUE}.length") == 1
        # when Bruno signs in on the same phone and opens the thread
        sign_in(page, hub_server.url, "b@example.bj")
        page.goto(url)
        page.wait_for_timeout(2000)
        # then Alice's reply is not sent under his name: it waits for her
        assert off_loop(lambda: Post.objects.filter(thread=thread, body=body).count()) == 0
        assert page.evaluate(f"{QUEUE}.length") == 1
        assert b.pk  # Bruno exists and was signed in
        context.close()


class KillableRelay:
    def __init__(self, target: int) -> None:
        self.target = target
        self.socks: list[socket.socket] = []
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.dead = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            if self.dead:
                c.close()
                continue
            s = socket.create_connection(("127.0.0.1", self.target))
            self.socks += [c, s]
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while chunk := a.recv(65536):
                b.sendall(chunk)
        except OSError:
            pass
        finally:
            for x in (a, b):
                with contextlib.suppress(OSError):
                    x.shutdown(socket.SHUT_RDWR)

    def kill(self) -> None:
        self.dead = True
        for x in self.socks:
            try:
                x.shutdown(socket.SHUT_RDWR)
                x.close()
            except OSError:
                pass


def test_a_saved_page_served_while_the_server_is_unreachable_queues_the_reply(hub_server: Any) -> None:
    thread = a_thread("Sujet sans serveur")
    veteran(email="c@example.bj")
    relay = KillableRelay(hub_server.port)
    base = f"http://127.0.0.1:{relay.port}"
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, base, "c@example.bj")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        url = f"{base}/forum/sujets/{thread.pk}/"
        page.goto(url)
        wait_js(page, "async (u) => !!(await (await caches.open('communes-pages')).match(u))", url)
        relay.kill()  # wifi up, no internet / server down: navigator.onLine stays true
        page.reload()
        expect(page.locator("[data-offline-banner]")).to_contain_text("Hors ligne")
        assert page.evaluate("navigator.onLine") is True
        page.wait_for_function("() => !!window.offlineQueue")
        page.fill("#id_body", "Reponse gardee")
        page.locator("[data-reply-form] button[type=submit]").click()
        page.wait_for_timeout(1500)
        # then the reply waits in the queue, on the same page, instead of the browser's error page
        page.wait_for_function(f"() => {QUEUE}.length === 1")
        assert page.url.startswith("http")
        expect(page.locator("[data-reply-form] [data-offline-status]")).to_be_visible()
        context.close()
