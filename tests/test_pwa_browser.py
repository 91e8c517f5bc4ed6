"""The installable app in Debian's Chromium (docs/offline.md): Chromium's own installability check,
offline reading with the network cut (Playwright's offline mode), the offline page, the storage
budget and its eviction, "keep for offline reading", and the page-weight budget.

The weights are the bytes the server sends on the wire, counted by a small TCP relay between
Chromium and daphne: every response (headers included), the service worker's own fetches and the
websocket, which the page's own network events do not all show.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect, sync_playwright

from hub.models import Commune
from tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium, require_chromium, wait_js
from tests.factories_publications import DocumentFileFactory, PublishedDocumentFactory
from tests.factories_sessions import LiveSessionLiveFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_LOAD_BUDGET = 60 * 1024
REPEAT_VISIT_BUDGET = 10 * 1024
SCREENSHOTS = Path("/tmp/pwa-screenshots")
PHONE = {"locale": "fr-FR", "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    """A fresh Chromium context on a small phone screen, in French."""
    with chromium() as browser:
        browser_context = browser.new_context(**PHONE)
        browser_context.set_default_timeout(15_000)
        try:
            yield browser_context
        finally:
            browser_context.close()


def wait_for_service_worker(page: Page) -> None:
    """Until the service worker is active and controls the page (it claims open pages)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def cache_urls(page: Page, name: str) -> list[str]:
    return list(
        page.evaluate("async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)", name)
    )


@pytest.fixture
def document(hub_server: Any) -> Any:
    """A published document of Cotonou with one PDF (made before the browser starts: Playwright's
    sync API runs an event loop in this thread, where the ORM refuses to run)."""
    commune = Commune.objects.get(slug="cotonou")
    published = PublishedDocumentFactory(commune=commune, title="Budget primitif 2026 de Cotonou")
    published.pdf = DocumentFileFactory(document=published, file__data=b"%PDF-1.4 le budget " * 50)
    return published


def test_chromium_finds_the_app_installable(hub_server: Any, tmp_path: Path) -> None:
    # A profile on disk: Chromium never offers to install from an incognito-like context.
    require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            **PHONE,
        )
        try:
            installability_check(hub_server, context)
        finally:
            context.close()


def installability_check(hub_server: Any, context: BrowserContext) -> None:
    page = context.new_page()

    # given: a citizen opens the home page and the service worker takes control
    page.goto(hub_server.url + "/")
    wait_for_service_worker(page)

    # when: Chromium is asked what stops it from offering "Install the app"
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    manifest = cdp.send("Page.getAppManifest")

    # then: nothing stops it, and the manifest it read has no error
    assert errors == [], errors
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert '"start_url": "/?source=pwa"' in manifest["data"]


def test_an_opened_document_reads_offline_with_the_day_it_was_saved(
    hub_server: Any, document: Any, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(hub_server.url + "/communes/cotonou/")
    wait_for_service_worker(page)

    # given: a citizen opened a document page while connected
    document_url = f"{hub_server.url}/communes/cotonou/documents/{document.pk}/"
    page.goto(document_url)
    expect(page.get_by_role("heading", name=document.title, level=1)).to_be_visible()
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_hidden()
    wait_js(page, "async (url) => !!(await (await caches.open('communes-pages')).match(url))", document_url)

    # when: the network is gone
    context.set_offline(True)

    # then: the open page says so at once, politely (role=status)
    expect(banner).to_have_text("Vous êtes hors ligne. Les pages déjà ouvertes restent lisibles.")
    expect(banner).to_have_attribute("role", "status")
    expect(banner).to_have_attribute("aria-live", "polite")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "offline-banner-360.png"), full_page=True)

    # when: they reload the document
    page.reload()

    # then: it reads from the saved copy, which says when it was saved
    expect(page.get_by_role("heading", name=document.title, level=1)).to_be_visible()
    expect(banner).to_contain_text("Hors ligne — page enregistrée le ")
    assert page.locator('meta[name="communes-saved-at"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "saved-page-360.png"), full_page=True)

    # when: they open a page they never opened
    page.goto(hub_server.url + "/communes/porto-novo/")

    # then: the offline page answers, lists what can be read, and the banner is there
    expect(page.get_by_role("heading", name="Vous êtes hors ligne", level=1)).to_be_visible()
    saved = page.locator("[data-saved-list]")
    expect(saved.get_by_role("link", name=f"{document.title} · Cotonou")).to_be_visible()
    expect(banner).to_have_text("Vous êtes hors ligne. Les pages déjà ouvertes restent lisibles.")
    page.screenshot(path=str(SCREENSHOTS / "offline-page-360.png"), full_page=True)

    # when: the network comes back
    context.set_offline(False)

    # then: the banner says so
    expect(banner).to_have_text("La connexion est revenue.")


def test_keep_for_offline_reading_survives_the_eviction_of_old_pages(
    hub_server: Any, document: Any, context: BrowserContext
) -> None:
    file = document.pdf
    page = context.new_page()
    page.goto(hub_server.url + "/communes/cotonou/")
    wait_for_service_worker(page)
    document_url = f"{hub_server.url}/communes/cotonou/documents/{document.pk}/"
    file_url = f"{hub_server.url}/communes/cotonou/documents/{document.pk}/fichiers/{file.pk}/"

    # given: a citizen keeps a document for offline reading
    page.goto(document_url)
    keep = page.get_by_role("button", name="Garder pour lecture hors ligne")
    keep.click()
    expect(page.get_by_role("button", name="Retirer de la lecture hors ligne")).to_be_visible()
    expect(page.locator("[data-keep-status]")).to_contain_text("Gardé sur ce téléphone depuis le ")
    assert set(cache_urls(page, "communes-kept")) == {document_url, file_url}

    # and: the pages cache is full of 70 older pages (saved a day ago and before)
    page.evaluate(
        """async () => {
            const pages = await caches.open("communes-pages");
            for (let i = 0; i < 70; i += 1) {
              const saved = new Date(Date.now() - 86400000 - (70 - i) * 1000).toISOString();
              await pages.put(`/communes/cotonou/ancienne-${i}/`, new Response("<title>p</title>", {
                headers: {
                  "Content-Type": "text/html", "X-Communes-Saved-At": saved, "X-Communes-Size": "16",
                },
              }));
            }
        }"""
    )

    # when: they open one more page, which the service worker saves
    page.goto(hub_server.url + "/communes/abomey-calavi/")
    # (the keys are read once per check, so what is asserted below is the state the check saw)
    pages = list(
        wait_js(
            page,
            """async () => {
                const keys = (await (await caches.open('communes-pages')).keys()).map((r) => r.url);
                return keys.length === 60 && keys.includes(location.href) ? keys : null;
            }""",
        )
    )

    # then: the pages cache holds 60 entries, the oldest went first, the new page stayed
    assert len(pages) == 60
    assert f"{hub_server.url}/communes/cotonou/ancienne-0/" not in pages
    assert f"{hub_server.url}/communes/cotonou/ancienne-69/" in pages
    assert f"{hub_server.url}/communes/abomey-calavi/" in pages
    # and: the kept document and its file were not touched
    assert set(cache_urls(page, "communes-kept")) == {document_url, file_url}

    # when: a script of the page fetches a readable page (as forum.js fetches new posts)
    page.evaluate("() => fetch('/communes/cotonou/?fragment=1').then((response) => response.text())")

    # then: it is not saved: only the pages a citizen navigates to fill the budget
    assert f"{hub_server.url}/communes/cotonou/?fragment=1" not in cache_urls(page, "communes-pages")

    # when: offline, they open the kept document and its file
    context.set_offline(True)
    page.goto(document_url)
    expect(page.get_by_role("heading", name=document.title, level=1)).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_contain_text("Hors ligne — page enregistrée le ")
    pdf = page.evaluate("async (url) => (await (await fetch(url)).text()).slice(0, 8)", file_url)
    assert pdf == "%PDF-1.4"

    # when: back online, they remove it from offline reading
    context.set_offline(False)
    page.goto(document_url)
    page.get_by_role("button", name="Retirer de la lecture hors ligne").click()

    # then: the kept cache is empty and the button offers to keep it again
    expect(page.get_by_role("button", name="Garder pour lecture hors ligne")).to_be_visible()
    expect(page.locator("[data-keep-status]")).to_have_text("Retiré de la lecture hors ligne.")
    assert cache_urls(page, "communes-kept") == []


def test_the_budget_evicts_the_oldest_by_count_and_by_size(hub_server: Any, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(hub_server.url + "/hors-ligne/")

    # given: the budget logic the service worker uses, loaded in the page
    page.evaluate("() => import('/static/frontend/js/pwa-store.js')")

    # when/then: it evicts what exceeds the count, then what exceeds the bytes, oldest first
    result = page.evaluate(
        """() => {
            const store = self.CommunesStore;
            const entry = (url, savedAt, size) => ({ url, savedAt, size });
            const byCount = store.overBudget([entry("c", 3, 1), entry("a", 1, 1), entry("b", 2, 1)],
                                             { maxEntries: 2, maxBytes: 100 });
            const bySize = store.overBudget([entry("new", 9, 40), entry("old", 1, 50), entry("mid", 5, 30)],
                                            { maxEntries: 10, maxBytes: 60 });
            const within = store.overBudget([entry("a", 1, 10)], { maxEntries: 1, maxBytes: 10 });
            return { byCount: byCount.map((e) => e.url), bySize: bySize.map((e) => e.url), within };
        }"""
    )
    assert result == {"byCount": ["a"], "bySize": ["old", "mid"], "within": []}
    assert page.evaluate("() => self.CommunesStore.BUDGET") == {
        "maxEntries": 60,
        "maxBytes": 25 * 1024 * 1024,
        "maxItemBytes": 8 * 1024 * 1024,
    }

    # and: what the service worker must never store
    readable = page.evaluate(
        """() => Object.fromEntries([
            "/", "/communes/cotonou/", "/communes/cotonou/documents/4/",
            "/communes/cotonou/documents/4/fichiers/9/", "/seances/3/", "/forum/sujets/8/",
            "/communes/cotonou/espace/", "/communes/cotonou/publier/", "/seances/3/console/",
            "/connexion/", "/api/v1/communes/", "/forum/sujets/8/repondre/", "/profil/",
            "/seances/3/conseil/", "/communes/cotonou/sms/", "/communes/cotonou/consultations/2/gerer/",
        ].map((path) => [path, self.CommunesStore.isReadable(path)]))"""
    )
    assert [path for path, ok in readable.items() if ok] == [
        "/",
        "/communes/cotonou/",
        "/communes/cotonou/documents/4/",
        "/communes/cotonou/documents/4/fichiers/9/",
        "/seances/3/",
        "/forum/sujets/8/",
    ]


# --- Page weight ----------------------------------------------------------------------------------


@dataclass
class CountingRelay:
    """A TCP relay in front of the server that counts the bytes the server sends to the browser."""

    target_port: int
    port: int = 0
    received: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()

    def reset(self) -> None:
        with self.lock:
            self.received = 0

    def settled(self, quiet: float = 0.8, timeout: float = 20.0) -> int:
        """The count once no byte has moved for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            with self.lock:
                now = self.received
            if now == last:
                return now
            last = now
            time.sleep(quiet)
        return last

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, count: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if count:
                    with self.lock:
                        self.received += len(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relay(hub_server: Any) -> Iterator[CountingRelay]:
    counting = CountingRelay(target_port=hub_server.port)
    counting.start()
    yield counting
    counting.stop()


def weigh(context: BrowserContext, relay: CountingRelay, path: str) -> tuple[int, int]:
    """Bytes of a first load (empty caches, until the service worker is installed) and of a
    repeat visit (a new navigation with the HTTP cache and the service worker warm)."""
    page = context.new_page()
    url = f"http://127.0.0.1:{relay.port}{path}"
    seen: list[Request] = []
    page.on("requestfinished", lambda request: seen.append(request))
    relay.reset()
    page.goto(url, wait_until="load")
    wait_for_service_worker(page)
    first = relay.settled()
    for request in seen:  # what the page itself fetched (the service worker's fetches are not here)
        sizes = request.sizes()
        print(f"  {path} {request.url.split(str(relay.port))[-1]}: {sizes['responseBodySize']} B body")
    seen.clear()
    relay.reset()
    page.goto(url, wait_until="load")
    repeat = relay.settled()
    page.close()
    return first, repeat


def test_the_commune_page_and_the_live_session_page_fit_the_weight_budget(
    hub_server: Any, relay: CountingRelay
) -> None:
    session = LiveSessionLiveFactory(
        commune=Commune.objects.get(slug="cotonou"), title="Reddition de comptes"
    )
    figures = {}
    with chromium() as browser:
        for name, path in (("commune", "/communes/cotonou/"), ("live session", f"/seances/{session.pk}/")):
            context = browser.new_context(**PHONE)
            context.set_default_timeout(15_000)
            try:
                figures[name] = weigh(context, relay, path)
            finally:
                context.close()
    for name, (first, repeat) in figures.items():
        print(f"page weight, {name}: first load {first / 1024:.1f} KB, repeat visit {repeat / 1024:.1f} KB")
    for name, (first, repeat) in figures.items():
        assert first < FIRST_LOAD_BUDGET, (name, first)
        assert repeat < REPEAT_VISIT_BUDGET, (name, repeat)
