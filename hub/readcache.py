"""Public reads answered without the database: whole responses cached under content versions.

Most of what citizens do is read the same public pages and API lists. An anonymous read of a view
decorated with ``public_read(scope)`` costs one round trip to Redis (the read limiter's counter and
the scope's content versions, ``hub.versions``, in one pipeline) and, when this process has already
rendered that address at those versions, no database query and no template rendering at all. A
change is visible to the next read after its commit, in every process: the versions it bumped are in
the key.

**What is cached.** Only ``GET``/``HEAD`` from someone not signed in (no session user, no
``Authorization`` header, no flash messages waiting), answered 200, without cookies set by the view,
a session change or a ``Cache-Control`` of its own. The key is the path, the sorted query, the
language, the date in the commune time zone (pages that compare with today change at midnight) and
the versions. A view's own ``Cache-Control`` is kept (it speaks to browsers). Entries live in this
process's memory (``READ_CACHE_MAX_BYTES``, least recently used
first out, ``READ_CACHE_TTL`` seconds at most: viewer counts and other figures that change without a
version are never older than that). A page's CSRF token is rendered as a placeholder and each response
gets the visitor's own token, so cached pages keep working forms (and the language switch).

**Conditional requests.** Every response carries a weak ``ETag`` derived from the key (and, for a
page with a CSRF token, from the visitor's CSRF secret); ``If-None-Match`` with it answers 304 with
no body. ``Cache-Control: public, no-cache`` for the API (shared caches may keep it and must
revalidate), ``private, no-cache`` for pages that carry a CSRF token.

**Limiter.** The API's anonymous limit (``THROTTLE_ANON``) is a fixed-window counter per address,
counted in the same pipeline as the versions (``hub.api.throttles`` skips a request counted here).
Pages have no per-address limit, as before: many citizens share an address behind their operator.
If Redis does not answer, the read uses the versions this process read last, when it read them
shortly before Redis went away (writes are refused meanwhile, so they are still current:
``hub.versions``), and is served as if there were no cache otherwise (the view runs, nothing is
stored). The outage is logged once (``hub.overload``), not per request.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hub import versions
from hub.api.throttles import rate_of
from hub.versions import (
    ANY_COMMUNE,
    GLOBAL,
    VersionsUnavailable,
    commune_id_by_slug,
    commune_key,
    owner_commune,
    read_versions,
    session_key,
    window_key,
)

logger = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "cp-csrf-placeholder-6d1f0c2a9b7e4d13a8f5c0b2e9d7a4f1"
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
_SKIP_HEADERS = {"content-length", "etag", "last-modified", "set-cookie"}


# --- this process's entries ------------------------------------------------------------------------


@dataclass
class Entry:
    body: bytes
    headers: list[tuple[str, str]]
    csrf: bool
    stored: float


class LocalCache:
    """Least recently used first out, bounded in bytes; thread-safe."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry.stored > settings.READ_CACHE_TTL:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        size = len(entry.body)
        if size > settings.READ_CACHE_MAX_BYTES // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > settings.READ_CACHE_MAX_BYTES and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


LOCAL = LocalCache()
# Answers by path taken, since the process started (hits in the event loop are "async_hit").
STATS: Counter[str] = Counter()
versions.on_bump_failure.append(LOCAL.clear)


# --- scopes --------------------------------------------------------------------------------------


Scope = Callable[..., list[str] | None]


def all_communes(request: HttpRequest, *args: Any, **kwargs: Any) -> list[str]:
    return [ANY_COMMUNE]


def commune_in_path(request: HttpRequest, *args: Any, slug: str = "", **kwargs: Any) -> list[str] | None:
    commune_id = commune_id_by_slug(slug)
    return None if commune_id is None else [commune_key(commune_id)]


def commune_in_query(request: HttpRequest, *args: Any, **kwargs: Any) -> list[str] | None:
    """``?commune=<slug>`` narrows to one commune; without it, a list across communes."""
    slug = request.GET.get("commune", "")
    if not slug:
        return [ANY_COMMUNE]
    return commune_in_path(request, slug=slug)


def owned_by(model: type[Model], *, kwarg: str = "pk", session: bool = False) -> Scope:
    """The scope of a page or API detail about one row of ``model`` (its commune; a session's
    stream too with ``session``)."""

    def scope(request: HttpRequest, *args: Any, **kwargs: Any) -> list[str] | None:
        pk = kwargs.get(kwarg)
        commune_id = owner_commune(model, pk)
        if commune_id is None:
            return None
        keys = [commune_key(commune_id)]
        if session:
            keys.append(session_key(int(str(pk))))
        return keys

    return scope


# --- the decorator -------------------------------------------------------------------------------


def _eligible(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.READ_CACHE:
        return False
    if "HTTP_AUTHORIZATION" in request.META or "messages" in request.COOKIES:
        return False
    if getattr(request, "_force_auth_user", None) is not None:  # DRF's test client signed someone in
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _client_ident(request: HttpRequest) -> str:
    from hub.context import request_ip

    return request_ip(request) or "unknown"


def _throttled(request: HttpRequest, window: int) -> HttpResponse:
    from hub.api.errors import wants_json

    message = _("Too many requests. Try again in a minute.")
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse(
            {"error": {"code": "throttled", "message": message, "retry_after": window}}, status=429
        )
    else:
        response = HttpResponse(
            f'<!doctype html><html lang="{get_language()}"><meta charset="utf-8">'
            f"<title>429</title><p>{escape(message)}</p></html>",
            status=429,
        )
    response["Retry-After"] = str(window)
    return response


def _canonical_query(request: HttpRequest) -> str:
    return "&".join(sorted(f"{k}={v}" for k, values in request.GET.lists() for v in values))


def _cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    # A view's own Cache-Control (``never_cache`` on a fragment pages poll, a feed's max-age) is
    # about browsers and proxies and is kept; what is cached here is keyed by versions.
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _csrf_etag_part(request: HttpRequest) -> str:
    secret = request.META.get("CSRF_COOKIE", "")
    return hashlib.blake2b(secret.encode(), digest_size=6).hexdigest()


def _finish(request: HttpRequest, entry: Entry, digest: str) -> HttpResponse:
    body = entry.body
    etag_value = digest
    if entry.csrf:
        token = get_token(request)  # the visitor's own (and its cookie, for a new visitor)
        body = body.replace(_CSRF_PLACEHOLDER_BYTES, token.encode())
        etag_value += "." + _csrf_etag_part(request)
    etag = f'W/"{etag_value}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
        for name, value in entry.headers:
            if name.lower() == "cache-control":
                response[name] = value
    else:
        response = HttpResponse(body)
        for name, value in entry.headers:
            response[name] = value
    response["ETag"] = etag
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "private, no-cache" if entry.csrf else "public, no-cache"
    patch_vary_headers(response, ("Accept-Language", "Cookie", "Authorization"))
    return response


def _stream_base(request: HttpRequest, keys: list[str], versions: list[int]) -> str | None:
    """For a read that follows a live session's stream: its key with the stream's version left out."""
    if not any(key.startswith("s") for key in keys):
        return None
    return _digest(
        request, keys, [0 if key.startswith("s") else v for key, v in zip(keys, versions, strict=True)]
    )


class RenderingNow:
    """While one request renders a live session's page (or API answer) at the stream's new version,
    the others of this process get the last rendering instead of rendering it too.

    A live session's stream moves several times a second in a busy session, and each move makes the
    next read of its page a miss: without this, every request arriving during the ~20 ms render
    renders as well (each taking a database connection), and a crowd arriving at a big session runs
    the pool dry. The previous rendering is correct to serve: it carries the ``seq`` it is complete
    up to, and the page's socket resumes from there (without JavaScript, the reader sees the
    session as it was a moment earlier). Only the stream's version may lag: a change to the
    commune's content or to everything still makes every request wait for the new rendering.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed: set[str] = set()
        self._latest: dict[str, tuple[str, Entry]] = {}

    def claim(self, base: str) -> bool:
        with self._lock:
            if base in self._claimed:
                return False
            self._claimed.add(base)
            return True

    def release(self, base: str) -> None:
        with self._lock:
            self._claimed.discard(base)

    def rendering(self, base: str) -> bool:
        return base in self._claimed

    def done_with(self, base: str, digest: str, entry: Entry) -> None:
        with self._lock:
            if len(self._latest) > 10_000:
                self._latest.clear()
            self._latest[base] = (digest, entry)

    def latest(self, base: str) -> tuple[str, Entry] | None:
        found = self._latest.get(base)
        if found is None or time.monotonic() - found[1].stored > settings.READ_CACHE_TTL:
            return None
        return found

    def clear(self) -> None:
        with self._lock:
            self._claimed.clear()
            self._latest.clear()


RENDERING = RenderingNow()


def _digest(request: HttpRequest, keys: list[str], versions: list[int]) -> str:
    ident = "\n".join(
        [
            request.path,
            _canonical_query(request),
            get_language() or "",
            timezone.localdate().isoformat(),
            ",".join(f"{key}={value}" for key, value in zip(keys, versions, strict=True)),
        ]
    )
    return hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()


def public_read(scope: Scope) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Serve anonymous reads of the decorated view from the cache (see the module's docstring).

    ``scope(request, *args, **kwargs)`` names the versions the view's output depends on (``None``:
    do not cache this one, e.g. an unknown slug, which the view answers 404).
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not _eligible(request):
                return view(request, *args, **kwargs)
            scope_keys = scope(request, *args, **kwargs)
            if scope_keys is None:
                return view(request, *args, **kwargs)
            keys = [GLOBAL, *scope_keys]
            # The API's per-address limit is counted in the same round trip; pages have none (as
            # before): a whole mobile operator's customers may share one address.
            api = request.path.startswith("/api/")
            limit, window = rate_of("anon")
            known = getattr(request, "_read_versions", None)  # read (and counted) by the middleware
            if known is not None and known[0] == keys:
                versions = known[1]
            else:
                counter = window_key("anon", _client_ident(request), window) if api else None
                try:
                    versions, hits = read_versions(keys, counter, window)
                except VersionsUnavailable:  # Redis away, no recent versions here: logged once
                    STATS["unavailable"] += 1
                    return view(request, *args, **kwargs)
                except Exception:
                    logger.warning("public read cache: versions unreadable, serving uncached", exc_info=True)
                    STATS["unavailable"] += 1
                    return view(request, *args, **kwargs)
                if hits > limit:
                    return _throttled(request, window)
                request._read_limit_counted = api  # type: ignore[attr-defined]
            digest = _digest(request, keys, versions)
            entry = LOCAL.get(digest)
            STATS["hit" if entry is not None else "miss"] += 1
            if entry is not None:
                return _finish(request, entry, digest)
            stream = _stream_base(request, keys, versions)
            rendering = stream is not None and not RENDERING.claim(stream)
            if rendering and stream is not None:
                # Another request of this process is rendering this live session's newer state:
                # the previous one is served meanwhile (see ``RenderingNow``).
                stale = RENDERING.latest(stream)
                if stale is not None:
                    STATS["stale"] += 1
                    return _finish(request, stale[1], stale[0])
            try:
                request._read_cache_render = True  # type: ignore[attr-defined]
                response = view(request, *args, **kwargs)
                request._read_cache_render = False  # type: ignore[attr-defined]
                render = getattr(response, "render", None)
                if render is not None and not getattr(response, "is_rendered", True):
                    render()
                if not _cacheable(request, response):
                    if not response.streaming and _CSRF_PLACEHOLDER_BYTES in response.content:  # type: ignore[attr-defined]
                        token = get_token(request).encode()
                        response.content = response.content.replace(_CSRF_PLACEHOLDER_BYTES, token)  # type: ignore[attr-defined]
                    return response
                body = response.content  # type: ignore[attr-defined]
                entry = Entry(
                    body=body,
                    headers=[(k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS],
                    csrf=_CSRF_PLACEHOLDER_BYTES in body,
                    stored=time.monotonic(),
                )
                LOCAL.put(digest, entry)
                if stream is not None:
                    RENDERING.done_with(stream, digest, entry)
                return _finish(request, entry, digest)
            finally:
                if stream is not None and not rendering:
                    RENDERING.release(stream)

        wrapper.public_read_scope = scope  # type: ignore[attr-defined]
        return wrapper

    return decorator


# The decorators most routes use.
commune_read = public_read(commune_in_path)
all_read = public_read(all_communes)
query_read = public_read(commune_in_query)


def csrf_placeholder(request: HttpRequest) -> dict[str, Any]:
    """Context processor: while a cached page renders, ``{% csrf_token %}`` writes a placeholder that
    each response replaces with the visitor's own token."""
    if getattr(request, "_read_cache_render", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


class ReadCacheMiddleware:
    """Cache hits answered in the event loop, before any worker thread.

    Under ASGI every middleware of the site is async-capable, so a request reaches this one in the
    event loop. For an anonymous ``GET`` of a view decorated with ``public_read``, it resolves the
    address, reads the versions from Redis without blocking the loop and, when this process holds
    the entry, answers it here: no thread (Django runs each sync view in a new one), no database.
    Otherwise, and always under WSGI or without Redis, the request goes on unchanged and the view's
    wrapper does the work (reusing the versions read here). Visitors with a session cookie go on
    too: whether they are signed in takes the session store.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self._acall(request)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        response = await self._hit(request)
        if response is not None:
            return response
        return await self.get_response(request)  # type: ignore[no-any-return, misc]

    async def _hit(self, request: HttpRequest) -> HttpResponseBase | None:
        if not (settings.READ_CACHE and settings.REDIS_URL) or request.method not in ("GET", "HEAD"):
            return None
        cookies = request.COOKIES
        if "HTTP_AUTHORIZATION" in request.META or "messages" in cookies:
            return None
        if settings.SESSION_COOKIE_NAME in cookies:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        scope = getattr(match.func, "public_read_scope", None)
        if scope is None:
            return None
        memo_only = versions.MEMO_ONLY.set(True)
        try:
            scope_keys = scope(request, *match.args, **match.kwargs)
        except LookupError:  # a fact the database has and this process has not learnt yet
            return None
        finally:
            versions.MEMO_ONLY.reset(memo_only)
        if scope_keys is None:
            return None
        keys = [GLOBAL, *scope_keys]
        api = request.path.startswith("/api/")
        limit, window = rate_of("anon")
        counter = window_key("anon", _client_ident(request), window) if api else None
        try:
            found = await versions.aread_versions(keys, counter, window)
        except Exception:
            return None
        if found is None:
            return None
        values, hits = found
        if hits > limit:
            return _throttled(request, window)
        request._read_limit_counted = api  # type: ignore[attr-defined]
        request._read_versions = (keys, values)  # type: ignore[attr-defined]
        digest = _digest(request, keys, values)
        entry = LOCAL.get(digest)
        if entry is None:
            stream = _stream_base(request, keys, values)
            if stream is None or not RENDERING.rendering(stream):
                return None
            stale = RENDERING.latest(stream)
            if stale is None:
                return None
            STATS["async_stale"] += 1
            return _finish(request, stale[1], stale[0])
        STATS["async_hit"] += 1
        return _finish(request, entry, digest)
