"""The installable app without a browser: the manifest, the service worker and the offline page
as the server answers them (frontend/pwa.py). The browser tests are in test_pwa_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from PIL import Image

from frontend.pwa import ICONS
from hub.models import Commune
from tests.factories_publications import DocumentFileFactory, PublishedDocumentFactory

pytestmark = pytest.mark.django_db


def test_the_manifest_is_french_first_and_has_what_chromium_needs_to_install():
    # when: a browser with no language preference fetches the manifest
    response = Client().get("/manifest.webmanifest")

    # then: it is a web app manifest, in French, with the app's colours, start URL and scope
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Communes+" and manifest["short_name"] == "Communes+"
    assert manifest["lang"] == "fr"
    assert manifest["description"].startswith("Suivez votre commune")
    assert manifest["start_url"] == "/?source=pwa" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#00663a" and manifest["background_color"] == "#ffffff"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_manifest_speaks_english_when_the_browser_asks():
    manifest = json.loads(Client().get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en").content)
    assert manifest["lang"] == "en"
    assert manifest["description"].startswith("Follow your commune")


def test_the_manifest_icons_are_real_pngs_of_the_sizes_announced():
    client = Client()
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    for icon in manifest["icons"]:
        # when: the icon is fetched where the manifest says
        response = client.get(icon["src"])
        # then: a PNG of the announced size
        assert response.status_code == 200, icon
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = (int(n) for n in icon["sizes"].split("x"))
        from io import BytesIO

        assert Image.open(BytesIO(body)).size == (width, height)
    assert len(manifest["icons"]) == len(ICONS)


def test_only_get_is_answered_for_the_manifest_and_the_offline_page():
    client = Client(enforce_csrf_checks=False)
    assert client.post("/manifest.webmanifest").status_code == 405
    assert client.post("/hors-ligne/").status_code == 405
    assert client.post("/sw.js").status_code == 405


def test_every_page_links_the_manifest_the_theme_colour_and_the_touch_icon(reference_data):
    page = Client().get("/communes/cotonou/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#00663a">' in page
    assert re.search(
        r'<link rel="apple-touch-icon" href="/static/frontend/icons/apple-touch-icon\.png">', page
    )
    # the banner is there, empty and hidden, for pwa.js to fill
    assert re.search(
        r'<div class="offline-banner" role="status" aria-live="polite" data-offline-banner hidden', page
    )
    # and every page knows where the offline write queue is, for pwa.js to load it when the page is
    # offline or writes wait (not on a first visit online: it stays off the page's weight)
    assert '<meta name="communes-offline-queue" content="/static/frontend/js/offline-queue.js">' in page
    assert "offline-queue.js" not in page.replace('content="/static/frontend/js/offline-queue.js"', "")
    assert '<script type="module" src="/static/frontend/js/pwa.js"></script>' in page


def test_the_offline_page_is_french_and_light(reference_data):
    response = Client().get("/hors-ligne/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Vous êtes hors ligne</h1>" in page
    assert "Pages enregistrées pour la lecture hors ligne" in page
    assert len(response.content) < 12 * 1024


def test_the_service_worker_precaches_the_shell_under_a_versioned_name_and_keeps_push():
    response = Client().get("/sw.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', script)
    shell = re.search(r"const SHELL_URLS = \[(.*)\];", script)
    assert shell is not None
    for url in (
        "/hors-ligne/",
        "/static/frontend/css/site.css",
        "/static/frontend/js/pwa.js",
        "/static/frontend/js/offline-queue.js",
        "/static/frontend/icons/icon-192.png",
    ):
        assert f'"{url}"' in shell.group(1)
    assert 'addEventListener("push"' in script and 'addEventListener("notificationclick"' in script
    assert 'if (request.method !== "GET") return;' in script  # posts are never intercepted


def test_a_published_document_offers_to_keep_it_with_its_files(reference_data):
    # given: a published document with one file
    commune = Commune.objects.get(slug="cotonou")
    document = PublishedDocumentFactory(commune=commune)
    file = DocumentFileFactory(document=document)

    # when: a citizen opens its page
    page = Client().get(f"/communes/cotonou/documents/{document.pk}/").content.decode()

    # then: the keep-for-offline section lists the page and the file, and is hidden until its script runs
    assert "data-keep-offline hidden" in page
    assert f'data-keep-page="/communes/cotonou/documents/{document.pk}/"' in page
    assert f"/communes/cotonou/documents/{document.pk}/fichiers/{file.pk}/" in page
    assert "Garder pour lecture hors ligne" in page
    assert "frontend/js/offline-reading.js" in page
