"""Who is watching: a viewer count that is right across several server processes.

Each socket is a member of a Redis sorted set per session (score: when it expires). Every process
runs one small loop (``PresenceTracker``) that, every ``SESSIONS_PRESENCE_INTERVAL`` seconds, refreshes its
own sockets' expiry, drops members whose process died (their score is past), reads the count and
sends ``{"type": "presence", "viewer_count": n}`` to its local sockets when the count changed:
at most one frame per socket every 2 s, one Redis round trip per session per process.
Without Redis (embedded mode: one process) the set is a dictionary in memory.

The loop also watches Redis itself: when Redis comes back empty (restarted), the channel layer has
forgotten every group membership, so the local sockets are closed with 4503 ("reconnect now")
and clients reconnect with their ``last_seq``, catching up from the log.

The same round trips keep each session's audience (``sessions_live.audience``): the count also
raises the session's peak (one Lua script instead of two commands), a new connection that is not a
resumption adds one to its total in the pipeline that writes the connection, and every
``audience.save_interval()`` the loop saves both to the session's row (in a worker thread, off
the presence frames' way), and once more when this process's last viewer of a session leaves.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from hub.redis_client import sync_redis
from sessions_live import audience

logger = logging.getLogger(__name__)

# A member counts until its process last refreshed it plus the TTL, and each process refreshes its
# own sockets every REFRESH_EVERY (one ZADD per session): the sockets of a process that died without
# a word (SIGKILL, a lost machine) stop counting within the TTL, while a loop late by two refreshes
# drops nobody. (bench/cluster.py: a node killed under 2,000 viewers.)
MEMBER_TTL = 6.0
REFRESH_EVERY = 1.5
# Autobahn (daphne) only sends 1000 or 3000-4999: 4503 says "reconnect now with your last_seq".
CLOSE_SERVICE_RESTART = 4503

_memory: dict[int, dict[str, float]] = {}


def _key(session_id: int) -> str:
    return f"{settings.KEY_PREFIX}:sessions:viewers:{session_id}"


def _member_ttl() -> float:
    """MEMBER_TTL, or three rounds of the loop if those are longer."""
    return max(MEMBER_TTL, 3 * settings.SESSIONS_PRESENCE_INTERVAL)


class PresenceClient(Protocol):
    channel_name: str

    async def presence_send(self, count: int) -> None: ...

    async def presence_lost(self) -> None: ...


def viewer_count(session_id: int) -> int:
    """The current count, for REST (synchronous)."""
    now = time.time()
    if not settings.REDIS_URL:
        return sum(1 for expiry in _memory.get(session_id, {}).values() if expiry > now)
    try:
        return int(sync_redis().zcount(_key(session_id), now, "+inf"))
    except Exception:
        logger.warning("viewer count unavailable", exc_info=True)
        return 0


class PresenceTracker:
    """One per event loop (per server process)."""

    def __init__(self) -> None:
        self.local: dict[int, set[PresenceClient]] = {}
        self.sent: dict[int, int] = {}
        self.refreshed: dict[int, float] = {}
        self.task: asyncio.Task[None] | None = None
        self.redis: Any = None
        self.marker = f"{settings.KEY_PREFIX}:sessions:alive:{uuid.uuid4().hex}"
        self.redis_ok: bool | None = None
        # When each local socket joined, and when Redis last answered with our marker intact:
        # after a loss, only sockets that joined before that moment lost their groups.
        self.joined: dict[PresenceClient, float] = {}
        self.last_ok = 0.0
        self.pending_add: dict[int, set[str]] = {}
        self.pending_remove: dict[int, set[str]] = {}
        self.waiters: dict[int, list[asyncio.Future[int]]] = {}
        self.writer: asyncio.Task[None] | None = None
        # Audience: new connections not written yet, and when each session's figures are saved next
        # (0: at the next round, e.g. its last local viewer left).
        self.pending_new: dict[int, int] = {}
        self.save_at: dict[int, float] = {}
        self.saver: asyncio.Task[None] | None = None
        self.count_script: Any = None
        if settings.REDIS_URL:
            from hub.redis_client import new_async_redis

            self.redis = new_async_redis(socket_timeout=2, socket_connect_timeout=2)
            # EVALSHA, loaded again by redis-py when Redis answers NOSCRIPT (after a restart).
            self.count_script = self.redis.register_script(audience.COUNT_SCRIPT)

    # --- membership ---------------------------------------------------------------------------
    # With Redis, joins and leaves are written in batches: whatever queued while the previous
    # round trip was in flight goes in the next pipeline. A connect storm (or a server stopping
    # with thousands of sockets) is then a few round trips on one connection, not one connection
    # per socket. A leave is not awaited: if this process dies first, the member expires anyway.
    async def add(self, session_id: int, client: PresenceClient, *, counted: bool = True) -> int:
        """Count ``client`` among the session's viewers; ``counted``: a new connection for the
        session's total (False for a resumption). Returns the viewer count."""
        self.local.setdefault(session_id, set()).add(client)
        self.joined[client] = time.monotonic()
        self.save_at.setdefault(session_id, time.monotonic() + audience.save_interval())
        self._ensure_loop()
        try:
            if self.redis is None:
                if counted:
                    audience.memory_connected(session_id)
                await self._touch(session_id, [client.channel_name])
                count = await self._count(session_id)
            else:
                name = client.channel_name
                self.pending_remove.get(session_id, set()).discard(name)
                self.pending_add.setdefault(session_id, set()).add(name)
                if counted:
                    self.pending_new[session_id] = self.pending_new.get(session_id, 0) + 1
                waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                self.waiters.setdefault(session_id, []).append(waiter)
                self._schedule_write()
                count = await waiter
        except Exception:  # Redis is down (logged once per batch by _write): count what we hold
            logger.debug("presence unavailable", exc_info=True)
            count = len(self.local.get(session_id, ()))
        if self.sent.get(session_id) != count:
            # The new socket is told ``count`` (its hello), not what the others were last sent: the
            # next round tells every local socket the count again, or this one would keep its
            # count until the count changes (seen after a Redis failover, bench/cluster.py).
            self.sent.pop(session_id, None)
        return count

    async def remove(self, session_id: int, client: PresenceClient) -> None:
        self.joined.pop(client, None)
        clients = self.local.get(session_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self.local[session_id]
                self.sent.pop(session_id, None)
                self.save_at[session_id] = 0.0  # what it counted is saved at the next round
        name = client.channel_name
        if self.redis is None:
            _memory.get(session_id, {}).pop(name, None)
            return
        self.pending_add.get(session_id, set()).discard(name)
        self.pending_remove.setdefault(session_id, set()).add(name)
        self._schedule_write()

    def _schedule_write(self) -> None:
        if self.writer is None or self.writer.done():
            self.writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self.pending_add or self.pending_remove or self.waiters or self.pending_new:
            adds, self.pending_add = self.pending_add, {}
            removes, self.pending_remove = self.pending_remove, {}
            waiters, self.waiters = self.waiters, {}
            news, self.pending_new = self.pending_new, {}
            now = time.time()
            pipe = self.redis.pipeline(transaction=False)
            counted: list[tuple[int, int]] = []  # (session, index of its ZCARD in the results)
            size = 0
            for session_id in set(adds) | set(removes) | set(waiters) | set(news):
                key = _key(session_id)
                if adds.get(session_id):
                    pipe.zadd(key, dict.fromkeys(adds[session_id], now + _member_ttl()))
                    pipe.expire(key, int(_member_ttl() * 2))
                    size += 2
                if removes.get(session_id):
                    pipe.zrem(key, *removes[session_id])
                    size += 1
                if waiters.get(session_id):
                    pipe.zremrangebyscore(key, "-inf", now)
                    pipe.zcard(key)
                    counted.append((session_id, size + 1))
                    size += 2
                if news.get(session_id):
                    pipe.hincrby(audience.figures_key(session_id), "total", news[session_id])
                    pipe.expire(audience.figures_key(session_id), audience.FIGURES_TTL)
                    size += 2
            try:
                results = await pipe.execute()
            except Exception as exc:  # the batch's new connections go uncounted: Redis is away
                logger.warning("presence unavailable: %s", exc)
                for futures in waiters.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for session_id, index in counted:
                for future in waiters[session_id]:
                    if not future.done():
                        future.set_result(int(results[index]))

    # --- storage ------------------------------------------------------------------------------
    async def _touch(self, session_id: int, members: list[str]) -> None:
        if not members:
            return
        expiry = time.time() + _member_ttl()
        if self.redis is None:
            _memory.setdefault(session_id, {}).update(dict.fromkeys(members, expiry))
            return
        # One round trip for all of this process's sockets of the session (10,000 members: one ZADD).
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(_key(session_id), dict.fromkeys(members, expiry))
        pipe.expire(_key(session_id), int(_member_ttl() * 2))
        await pipe.execute()

    async def _count(self, session_id: int) -> int:
        """The session's viewer count; the session's peak rises to it (``audience``)."""
        now = time.time()
        if self.redis is None:
            members = _memory.get(session_id, {})
            for member in [m for m, expiry in members.items() if expiry <= now]:
                del members[member]
            audience.memory_seen(session_id, len(members))
            return len(members)
        keys = [_key(session_id), audience.figures_key(session_id)]
        return int(await self.count_script(keys=keys, args=[now, audience.FIGURES_TTL]))

    # --- the loop -----------------------------------------------------------------------------
    def _ensure_loop(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.local or self.save_at:
            await asyncio.sleep(settings.SESSIONS_PRESENCE_INTERVAL)
            try:
                await self._check_redis()
                await self.tick()
            except Exception:
                logger.warning("presence update failed", exc_info=True)

    async def _check_redis(self) -> None:
        """Close local sockets when Redis restarted (lost the channel layer's groups)."""
        if self.redis is None:
            return
        try:
            pipe = self.redis.pipeline()
            pipe.getset(self.marker, "1")
            pipe.expire(self.marker, 120)
            previous, _ = await pipe.execute()
        except Exception:
            self.redis_ok = False
            raise
        lost = self.redis_ok is False or (self.redis_ok is not None and previous is None)
        self.redis_ok = True
        last_ok, self.last_ok = self.last_ok, time.monotonic()
        if lost:
            logger.warning("Redis restarted or was unreachable: closing session sockets so they resume")
            for clients in list(self.local.values()):
                for client in list(clients):
                    if self.joined.get(client, 0.0) > last_ok:
                        continue  # joined since: its groups are in the Redis that answers now
                    try:
                        await client.presence_lost()
                    except Exception:
                        logger.warning("could not close a session socket", exc_info=True)

    async def tick(self) -> None:
        now = time.time()
        for session_id, clients in list(self.local.items()):
            if now - self.refreshed.get(session_id, 0) >= min(REFRESH_EVERY, _member_ttl() / 3):
                await self._touch(session_id, [c.channel_name for c in clients])
                self.refreshed[session_id] = now
            count = await self._count(session_id)
            if self.sent.get(session_id) != count:
                self.sent[session_id] = count
                for client in list(clients):
                    try:
                        await client.presence_send(count)
                    except Exception:  # a socket that died without saying so
                        logger.warning("presence frame not sent; dropping the socket", exc_info=True)
                        await self.remove(session_id, client)
        self._save_due()

    # --- the audience's saves -----------------------------------------------------------------
    def _save_due(self) -> None:
        """Start saving the sessions whose time has come, unless the last saves still run."""
        if self.saver is not None and not self.saver.done():
            return
        now = time.monotonic()
        due = [session_id for session_id, at in self.save_at.items() if at <= now]
        if not due:
            return
        for session_id in due:
            if session_id in self.local:
                self.save_at[session_id] = now + audience.save_interval()
            else:
                del self.save_at[session_id]
        self.saver = asyncio.get_running_loop().create_task(self._save(due))

    async def _save(self, session_ids: list[int]) -> None:
        for session_id in session_ids:
            try:
                await database_sync_to_async(audience.figures_save)(session_id)
            except Exception:  # the database is away: the next save (or the end) catches up
                logger.warning("audience of session %s not saved", session_id, exc_info=True)


_trackers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceTracker] = weakref.WeakKeyDictionary()


def tracker() -> PresenceTracker:
    loop = asyncio.get_running_loop()
    found = _trackers.get(loop)
    if found is None:
        found = _trackers[loop] = PresenceTracker()
    return found
