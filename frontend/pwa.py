"""The installable app: the service worker, the web app manifest and the offline page.

Communes+ stays a server-rendered site; these three make it a progressive web app that a citizen
can install on an Android phone and read offline (docs/offline.md). The service worker and the
manifest live at the site's root, so that the worker's scope and the app's scope are the whole site.
The worker's caches are named after a version computed from the site's static files, so a deploy
that changes any of them replaces the cached app shell.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOUR = "#00663a"  # --green of site.css: the header, links and buttons
BACKGROUND_COLOUR = "#ffffff"  # --bg of site.css
ICONS = [
    ("frontend/icons/icon-192.png", "192x192", "any"),
    ("frontend/icons/icon-512.png", "512x512", "any"),
    ("frontend/icons/icon-maskable-512.png", "512x512", "maskable"),
]
# What every page needs to show itself offline: the stylesheet and scripts of the base template.
SHELL_STATIC = [
    "frontend/css/site.css",
    "frontend/js/site.js",
    "frontend/js/pwa.js",
    "frontend/js/pwa-store.js",
    "frontend/js/offline-reading.js",
    "frontend/js/offline-queue.js",
    # The small icons only: the 512-pixel ones are for the installer, which fetches them itself;
    # precaching them would add 5 KB to every first visit (docs/offline.md, page weight).
    "frontend/icons/icon-192.png",
    "frontend/icons/apple-touch-icon.png",
]


@cache
def _static_version() -> str:
    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            if path.startswith("frontend/"):
                digest.update(f"{path}:{_file_digest(storage.path(path))}\n".encode())
    return digest.hexdigest()[:12]


def _file_digest(path: str) -> str:
    # The content, not the file's time: every server of a deployment gives the same version, and a
    # deploy that changes nothing keeps the phones' caches.
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def static_version() -> str:
    """A short digest of the site's static files (names and contents); read once per process,
    except in development, where files change under a running server."""
    if settings.DEBUG:
        _static_version.cache_clear()
    return _static_version()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: Web Push and offline reading, at the site's root so that its scope is
    the whole site."""
    # JSON literals, written as they are into the script (our own URLs and a hex digest).
    values = {
        "version": static_version(),
        "store_url": static("frontend/js/pwa-store.js"),
        "static_prefix": settings.STATIC_URL,
        "offline_url": reverse("frontend:offline"),
        "shell_urls": [reverse("frontend:offline"), *(static(path) for path in SHELL_STATIC)],
    }
    context = {name: mark_safe(json.dumps(value)) for name, value in values.items()}  # noqa: S308
    response = render(request, "frontend/sw.js", context, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (French first: the language of the request, French by default)."""
    data = {
        "name": "Communes+",
        "short_name": "Communes+",
        "description": _("Follow your commune: documents, sessions, forums, even without a connection."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["government", "news"],
        "icons": [
            {"src": static(path), "sizes": size, "type": "image/png", "purpose": purpose}
            for path, size, purpose in ICONS
        ],
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page never opened while the network is gone; lists the
    pages saved for offline reading (read from the browser's caches by offline-reading.js)."""
    return render(request, "frontend/offline.html")
