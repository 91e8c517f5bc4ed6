"""Static files answered by the ASGI application itself, before Django.

A citizen opening the live session page fetches the page and ten assets (stylesheets and modules).
Through Django each asset costs the whole request path (a hop to a worker thread, twelve middleware,
WhiteNoise's lookup); here it costs a dictionary lookup and one ``send``. When a crowd arrives at
once (10,000 people in a minute for a big session, docs/performance.md), the assets are most of the
requests.

What it serves: ``GET``/``HEAD`` under ``STATIC_URL`` for files of up to ``STATIC_FAST_MAX_BYTES``,
read once per process from ``STATIC_ROOT`` (what ``collectstatic`` wrote, with its ``.gz`` copies)
or, when ``STATIC_USE_FINDERS`` is on (development and tests), from the apps' static folders (then
compressed here, once). The headers are WhiteNoise's (``Content-Type`` by its table,
``Cache-Control: max-age=STATIC_MAX_AGE, public``, ``Last-Modified``, ``ETag``, ``Vary:
Accept-Encoding``) plus the security headers every response of the site carries; ``If-None-Match``
answers 304. Anything else (an unknown file, a ``Range`` request, a larger file, ``DEBUG`` on, where
files change under a running server) goes on to Django, where WhiteNoise serves it as before.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import threading
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoiseMiddleware

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    headers: list[tuple[bytes, bytes]]
    etag: bytes


class StaticFiles:
    """ASGI middleware: ``app`` gets every request this does not answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.prefix = settings.STATIC_URL
        self.enabled = settings.STATIC_FAST_PATH and not settings.DEBUG and self.prefix.startswith("/")
        self._files: dict[str, StaticFile | None] = {}
        self._lock = threading.Lock()
        from whitenoise.media_types import MediaTypes

        self._media_types = MediaTypes()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            self.enabled
            and scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and scope["path"].startswith(self.prefix)
        ):
            found = self.lookup(scope["path"][len(self.prefix) :])
            if found is not None and not _header(scope, b"range"):
                await self._respond(found, scope, send)
                return
        await self.app(scope, receive, send)

    def lookup(self, name: str) -> StaticFile | None:
        try:
            return self._files[name]
        except KeyError:
            pass
        found = self._load(name)
        with self._lock:  # the files found are as many as exist; names not found are bounded
            if found is not None or len(self._files) < 10_000:
                self._files[name] = found
        return found

    def _load(self, name: str) -> StaticFile | None:
        path = _safe_path(name)
        if path is None:
            return None
        size = path.stat().st_size
        if size > settings.STATIC_FAST_MAX_BYTES:
            return None
        body = path.read_bytes()
        media_type = self._media_types.get_type(str(path))
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        gzipped: bytes | None = None
        if media_type.startswith(COMPRESSIBLE) and len(body) > 200:
            stored = Path(str(path) + ".gz")
            gzipped = stored.read_bytes() if stored.is_file() else gzip.compress(body, 9, mtime=0)
            if len(gzipped) >= len(body):
                gzipped = None
        mtime = int(path.stat().st_mtime)
        etag = f'"{mtime:x}-{size:x}"'.encode()
        headers = [
            (b"content-type", media_type.encode()),
            (b"cache-control", f"max-age={settings.WHITENOISE_MAX_AGE}, public".encode()),
            (b"last-modified", formatdate(mtime, usegmt=True).encode()),
            (b"etag", etag),
            (b"vary", b"Accept-Encoding"),
            *SECURITY_HEADERS,
        ]
        return StaticFile(body=body, gzipped=gzipped, headers=headers, etag=etag)

    async def _respond(self, found: StaticFile, scope: dict[str, Any], send: Any) -> None:
        if_none_match = _header(scope, b"if-none-match")
        if if_none_match and found.etag in [tag.strip() for tag in if_none_match.split(b",")]:
            await send({"type": "http.response.start", "status": 304, "headers": found.headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body, headers = found.body, list(found.headers)
        if found.gzipped is not None and b"gzip" in _header(scope, b"accept-encoding"):
            body = found.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _header(scope: dict[str, Any], name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return b""


def _safe_path(name: str) -> Path | None:
    """The file ``name`` names under STATIC_ROOT (or the apps' static folders with the finders), or
    ``None``: no way out of those folders, no hidden files, no folders."""
    if not name or "\\" in name or "\x00" in name:
        return None
    normal = posixpath.normpath(name)
    if (
        normal != name
        or normal.startswith(("/", ".."))
        or any(part.startswith(".") for part in normal.split("/"))
    ):
        return None
    root = Path(settings.STATIC_ROOT).resolve()
    candidate = (root / normal).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    if settings.WHITENOISE_USE_FINDERS:
        from django.contrib.staticfiles import finders

        try:
            found = finders.find(normal)
        except Exception:
            return None
        if isinstance(found, str) and os.path.isfile(found):
            return Path(found)
    return None


class WhiteNoiseMiddleware(_WhiteNoiseMiddleware):
    """WhiteNoise's middleware, async-capable: under ASGI a request that is not for a static file
    goes on in the event loop (WhiteNoise's own class is sync-only, and every request would cross
    to a worker thread and back there). What it serves is served in a thread, as before."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: Any) -> Any:
        static_file = None if self.autorefresh else self.files.get(request.path_info)
        if static_file is None and self.autorefresh and request.path_info.startswith(self.static_prefix):
            static_file = await sync_to_async(self.find_file)(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
