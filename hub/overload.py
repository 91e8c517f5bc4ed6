"""Overload and lost services answer 503 with ``Retry-After``, never 500, and fail fast.

When every connection of the database pool is taken for longer than ``DB_POOL_TIMEOUT`` seconds
(a crowd arriving faster than the pool serves it), or a service the request needs does not answer
(PostgreSQL, or Redis for a write), the request cannot be served now but can be soon: that is a 503
with a ``Retry-After``, which browsers, the mobile apps and proxies understand, not a 500 that says
the server is broken. The 500 handlers (pages: ``frontend.views.server_error``; API:
``hub.api.errors``) ask ``unavailable()`` about the exception being handled.

**Breakers.** Each process keeps what it knows of PostgreSQL and Redis in a ``Breaker``: the first
failure to reach a service marks it down (one warning per outage, not one per request) and starts
a probe thread that tries it every ``SERVICE_PROBE_INTERVAL`` seconds; the probe's success marks
it up again (one warning, with the outage's length). A request that needs the service meanwhile
may try it itself (``available()``), once per ``INLINE_PROBE_GAP`` and only while tries fail at
once (a refused connection), so the first request after a restart finds it back without waiting
for the probe thread. While a service is down nobody waits for it:
the database backend (``hub.postgres``) refuses a connection at once, reads that can do without
Redis use this process's own fallback (``local_counters``, the read cache's last versions), writes
that need it answer 503, and websocket handshakes are refused with 503 (``guard_websocket``).
Listeners hear both changes (the live session sockets are told they are read-only for now).
docs/resilience.md tells what each outage looks like and how it ends.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import OperationalError as DjangoOperationalError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


# --- Breakers ----------------------------------------------------------------------------------


# A request tries a lost service itself at most this often per process (seconds) ...
INLINE_PROBE_GAP = 0.05
# ... and only while the last try failed within this long (a refused connection, not a timeout).
INLINE_PROBE_FAST = 0.1


class Breaker:
    """What this process knows of one service it depends on: up, or down since when.

    ``failed(exc)`` marks it down and starts the probe (``prober``, a function that raises when the
    service still does not answer), in a thread of its own, every ``SERVICE_PROBE_INTERVAL``
    seconds until it answers; ``succeeded()`` marks it up. ``up`` is a plain attribute read:
    cheap enough for every request, and what the event loop asks; ``available()`` may try the
    service (blocking: for worker threads). Listeners are called with the new state, from the
    thread that saw the change, and must be quick.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.down_since: float | None = None
        self.reason = ""
        self.outages = 0
        self.prober: Callable[[], None] | None = None
        self.listeners: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()
        self._probing = False
        self._inline = threading.Lock()
        self._next_inline = 0.0
        self._last_try = 0.0  # how long the last failed try took

    @property
    def up(self) -> bool:
        return self.down_since is None

    def available(self) -> bool:
        """Up, or down but answering a try made now (see the module's docstring); blocking."""
        if self.down_since is None:
            return True
        now = time.monotonic()
        if self.prober is None or now < self._next_inline or self._last_try > INLINE_PROBE_FAST:
            return False
        if not self._inline.acquire(blocking=False):
            return False
        try:
            self._next_inline = now + INLINE_PROBE_GAP
            return self._try()
        finally:
            self._inline.release()

    def _try(self) -> bool:
        prober = self.prober
        if prober is None:
            return False
        started = time.monotonic()
        try:
            prober()
        except Exception as exc:
            self._last_try = time.monotonic() - started
            logger.debug("%s still unavailable: %s", self.name, exc)
            return False
        self.succeeded()
        return True

    def failed(self, exc: BaseException | None = None) -> None:
        if self.prober is None:  # nothing could mark it up again (e.g. SQLite: nothing to lose)
            return
        with self._lock:
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
            self.reason = type(exc).__name__ if exc is not None else "unknown"
            self.outages += 1
            self._last_try = 0.0
        logger.warning(
            "%s unavailable (%s: %s): answering without it or 503 until it is back",
            self.name,
            self.reason,
            str(exc)[:200] if exc is not None else "",
        )
        self._notify(False)
        self._start_probe()

    def succeeded(self) -> None:
        if self.down_since is None:  # the common case, without the lock
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            logger.warning("%s is back after %.1f s", self.name, time.monotonic() - since)
            self._notify(True)

    def state(self) -> dict[str, Any]:
        since = self.down_since
        if since is None:
            return {"status": "up", "outages": self.outages}
        return {
            "status": "down",
            "for_s": round(time.monotonic() - since, 1),
            "reason": self.reason,
            "outages": self.outages,
        }

    def _notify(self, up: bool) -> None:
        for listener in list(self.listeners):
            try:
                listener(up)
            except Exception:
                logger.exception("%s: a listener of its state failed", self.name)

    def _start_probe(self) -> None:
        with self._lock:
            if self._probing or self.prober is None:
                return
            self._probing = True
        threading.Thread(target=self._probe_until_up, name=f"probe-{self.name}", daemon=True).start()

    def _probe_until_up(self) -> None:
        try:
            while self.down_since is not None and self.prober is not None:
                time.sleep(settings.SERVICE_PROBE_INTERVAL)
                if self.down_since is not None:
                    self._try()
        finally:
            with self._lock:
                self._probing = False
            if self.down_since is not None:  # marked down again while this thread was ending
                self._start_probe()


DATABASE = Breaker("database")
REDIS = Breaker("redis")


def _redis_probe() -> None:
    from hub.redis_client import sync_redis

    sync_redis().ping()


REDIS.prober = _redis_probe


# --- What an exception says ----------------------------------------------------------------------

# SQLSTATEs of a server that is going away or cannot take connections now (class 08: connection
# exceptions; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now).
_DATABASE_LOST_STATES = ("08", "57P01", "57P02", "57P03")
# psycopg_pool's errors of its own, which say nothing of the server (PoolClosed: ours, see
# hub.backends.postgresql).
_POOL_STATES = ("PoolTimeout", "TooManyRequests", "PoolClosed")


def database_lost(exc: BaseException) -> bool:
    """Whether a psycopg error says the server could not be reached or dropped the connection (not
    a query's own failure such as a deadlock, nor a pool that is merely busy)."""
    import psycopg

    for link in _chain(exc):
        if not isinstance(link, psycopg.OperationalError) or type(link).__name__ in _POOL_STATES:
            continue
        state = getattr(link, "sqlstate", None)
        if state is None or state.startswith(_DATABASE_LOST_STATES):
            return True
    return False


def redis_lost(exc: BaseException) -> bool:
    """Whether an exception says Redis could not be reached (redis-py, the channel layer, Celery)."""
    import redis.exceptions

    for link in _chain(exc):
        if isinstance(link, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            return True
        if type(link).__module__.startswith("kombu") and type(link).__name__ == "OperationalError":
            return True
    return False


def cause(exc: BaseException | None = None) -> str | None:
    """Why ``exc`` (by default the exception being handled) means "cannot serve this request now":
    ``"busy"`` (the pool ran dry), ``"database"`` or ``"redis"`` (a service is away), or ``None``
    (a real error). A lost service marks its breaker down."""
    from hub.errors import ServiceUnavailable

    if exc is None:
        exc = sys.exc_info()[1]
    if exc is None:
        return None
    if database_lost(exc):
        DATABASE.failed(exc)
        return "database"
    if redis_lost(exc):
        REDIS.failed(exc)
        return "redis"
    for link in _chain(exc):
        if isinstance(link, ServiceUnavailable):
            return link.service
        if type(link).__name__ in ("PoolTimeout", "TooManyRequests"):  # psycopg_pool, with a pool
            return "busy"
        if isinstance(link, DjangoOperationalError):
            return "busy"
        module = type(link).__module__
        if module.startswith("psycopg") and type(link).__name__ == "OperationalError":
            return "busy"
    return None


def unavailable(exc: BaseException | None = None) -> bool:
    """Whether ``exc`` (by default the exception being handled) means "cannot serve this request
    now, try again soon": its pool ran dry, or the database or Redis is away."""
    return cause(exc) is not None


def retry_after() -> int:
    return settings.OVERLOAD_RETRY_AFTER


def message(why: str | None) -> str:
    """What a visitor is told: the service is busy, or temporarily unavailable."""
    if why in ("database", "redis"):
        return _("The service is temporarily unavailable. Try again in a moment.")
    return _("The service is busy. Try again in a moment.")


# --- Local fallbacks -----------------------------------------------------------------------------


class LocalCounters:
    """Fixed-window counters in this process's memory: what request limits count with while Redis
    is away (each process then counts on its own: a client may get up to one limit per process)."""

    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
                if len(self._counts) >= self.MAX_KEYS:
                    self._prune(now)
            self._counts[key] = (count + 1, expires)
            return count + 1

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.monotonic() else 0

    def delete(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        if len(self._counts) >= self.MAX_KEYS:
            self._counts.clear()

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


local_counters = LocalCounters()


# --- Websocket handshakes ------------------------------------------------------------------------

# A socket that lost a service after it opened: reconnect at once with its last_seq (the handshake
# then answers 503 while the service is still away, and the client backs off).
CLOSE_SERVICE_LOST = 4503


class HandshakeGuard:
    """One websocket's ASGI ``send``, noting whether the socket was accepted or closed.

    ``real_send`` is the server's ``send`` (``hub.realtime.transports.unwrap_send`` follows it, so
    the live fan-out still writes to the server's transport)."""

    def __init__(self, send: Callable[[dict[str, Any]], Any]) -> None:
        self.real_send = send
        self.accepted = False
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        if not self.accepted:
            kind = message.get("type")
            if kind == "websocket.accept":
                self.accepted = True
            elif kind in ("websocket.close", "websocket.http.response.start"):
                self.closed = True
        await self.real_send(message)

    async def refuse(self, scope: dict[str, Any], why: str) -> None:
        import json

        wait = retry_after()
        error = {"code": "unavailable", "message": message(why), "retry_after": wait}
        if not self.accepted and "websocket.http.response" in scope.get("extensions", {}):
            # A 503 at the handshake (uvicorn): browsers back off, other clients read Retry-After.
            body = json.dumps({"error": error}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"retry-after", str(wait).encode()),
                (b"content-length", str(len(body)).encode()),
            ]
            await self.send({"type": "websocket.http.response.start", "status": 503, "headers": headers})
            await self.send({"type": "websocket.http.response.body", "body": body})
            return
        # Servers without denial responses (daphne), or a socket already open: say why, then close.
        if not self.accepted:
            await self.send({"type": "websocket.accept"})
        await self.send({"type": "websocket.send", "text": json.dumps({"type": "error", "error": error})})
        await self.send({"type": "websocket.close", "code": CLOSE_SERVICE_LOST})


async def guard_websocket(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Run one websocket through ``app``; a lost service is a clean refusal, never the server's 500.

    While this process knows the database or Redis to be down, the handshake is refused at once
    (every consumer needs both to open). A lost service found while the socket opens, or later,
    is answered the same way; any other error is left to the server."""
    guard = HandshakeGuard(send)
    for breaker in (DATABASE, REDIS):
        if not breaker.up and not await asyncio.to_thread(breaker.available):
            await guard.refuse(scope, breaker.name)
            return
    try:
        await app(scope, receive, guard.send)
    except Exception as exc:
        why = cause(exc)
        if why is None or guard.closed:
            raise
        try:
            await guard.refuse(scope, why)
        except Exception:  # the connection went meanwhile: nothing left to tell
            logger.debug("websocket refusal not sent", exc_info=True)
