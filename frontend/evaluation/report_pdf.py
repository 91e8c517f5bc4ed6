"""The yearly evaluation report as a PDF: WeasyPrint on the report's print template, offline.

**Nothing is fetched over the network.** The PDF is made on the server from HTML that carries text
staff and citizens wrote (the commentary, session titles); however well it is escaped, the renderer
must not be a way to make the server open an address (SSRF) or read a file. ``OfflineFetcher``
answers WeasyPrint's every request: our own static files (stylesheets, SVG, images) under
``STATIC_URL`` of the site's own address (``SITE_URL``, the template's base, so that the PDF's
links lead to the real pages) are read from disk, never requested; ``data:`` addresses are decoded
in memory; anything else (``http(s)://`` elsewhere, ``file://``, ``ftp://``...) is refused, and
WeasyPrint goes on without it. Fonts are the machine's (DejaVu, through fontconfig), never
downloaded.

**Quiet about the site's stylesheet.** The PDF uses the site's stylesheets, written for browsers:
WeasyPrint does not know media features (``forced-colors``, ``max-width``) nor a few properties,
and warns about each on every rendering. Those warnings (``CSS_NOISE``) say nothing about the
report, so a filter on WeasyPrint's logger drops them; everything else it logs (a refused address,
a broken image) is kept.

**Cost.** A report renders in about a second; a published report's figures never change, so its
PDF is kept in the cache (``cached_pdf``) under the report's id, its publication moment and the
language: publishing it again after a withdrawal makes a new key, and the old copy expires.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.utils.translation import get_language
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from evaluation.models import EvaluationReport

logger = logging.getLogger(__name__)

STATIC_TYPES = {".css", ".svg", ".png", ".jpg", ".jpeg", ".webp", ".woff", ".woff2", ".ttf"}
PDF_CACHE_SECONDS = 30 * 24 * 3600
# One rendering at a time per report and language: the others wait for its copy (``cached_pdf``).
RENDER_LOCK_SECONDS = 60
RENDER_WAIT_SECONDS = 20.0
RENDER_POLL_SECONDS = 0.1


# What WeasyPrint warns about the site's screen rules (see the module's docstring).
CSS_NOISE = (
    "Expected a media type",
    "Invalid media type",
    "unknown property",
    "Ignored `clip:",
)


class _CssNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        return not any(noise in message for noise in CSS_NOISE)


logging.getLogger("weasyprint").addFilter(_CssNoise())


class Refused(ValueError):
    """An address the renderer may not open (WeasyPrint logs it and renders without it)."""


def static_file(path: str) -> Path | None:
    """The file on disk behind ``path`` (a URL path under ``STATIC_URL``), or None. Only our static
    files of the kinds a page uses; never a path that climbs out (``..``) of the static folders."""
    prefix = settings.STATIC_URL
    if not path.startswith(prefix):
        return None
    relative = unquote(path[len(prefix) :])
    clean = posixpath.normpath(relative)
    if (
        not relative
        or clean != relative
        or clean.startswith(("/", "."))
        or "\\" in clean
        or "\x00" in clean
        or posixpath.splitext(clean)[1].lower() not in STATIC_TYPES
    ):
        return None
    collected = Path(settings.STATIC_ROOT) / clean
    if collected.is_file():
        return collected
    found = finders.find(clean)
    return Path(found) if isinstance(found, str) else None


class OfflineFetcher(URLFetcher):
    """WeasyPrint's fetcher, offline (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            # Decoded in memory by urllib's data handler (allowed_protocols keeps it to that).
            return super().fetch(url, headers)
        site = urlsplit(base_url())
        if scheme == site.scheme and parts.netloc == site.netloc and not parts.query:
            found = static_file(parts.path)
            if found is not None:
                kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": kind})
        logger.info("evaluation report PDF: refused to fetch %s", url[:200])
        raise Refused(f"not fetched: {url[:200]}")


def base_url() -> str:
    """What the print template's addresses are relative to: the site, so the PDF's links work."""
    return settings.SITE_URL.rstrip("/") + "/"


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` (the report's print template), rendered offline."""
    document = HTML(string=html, base_url=base_url(), url_fetcher=OfflineFetcher(), media_type="print")
    pdf = document.write_pdf()
    assert pdf is not None  # without a target, write_pdf returns the bytes
    return bytes(pdf)


def cache_key(report: EvaluationReport) -> str:
    moment = report.published_at.isoformat() if report.published_at else "draft"
    return f"evaluation:report-pdf:{report.pk}:{moment}:{get_language()}"


def cached_pdf(
    report: EvaluationReport, render: Callable[[], bytes], *, wait: float = RENDER_WAIT_SECONDS
) -> bytes:
    """The published report's PDF from the cache, or rendered by ``render()`` and kept.

    Single flight: when a report has just been published and many readers ask for its PDF at once,
    one request renders it (under a lock in the cache, ``cache.add``) while the others wait for its
    copy, instead of each spending a second of CPU on the same PDF. A waiter takes the lock over if
    the renderer gave up (its rendering failed: the lock is released), and renders its own copy
    after ``wait`` seconds in any case, so a stuck renderer delays readers but never blocks them."""
    key = cache_key(report)
    lock = f"{key}:rendering"
    deadline = time.monotonic() + wait
    while True:
        pdf = cache.get(key)
        if isinstance(pdf, bytes):
            return pdf
        owned = bool(cache.add(lock, 1, RENDER_LOCK_SECONDS))
        if owned or time.monotonic() >= deadline:
            break
        time.sleep(RENDER_POLL_SECONDS)
    try:
        pdf = render()
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    finally:
        if owned:
            cache.delete(lock)
    return pdf
