"""Per-process fan-out of sequenced live events: the one delivery path of session events.

Sending every event through the channel layer once per viewer costs a Redis message, a thread hop
and a JSON encoding per socket. Here the work is done once per *process*:

- ``publish(group, seq, text)`` (called by ``hub.realtime.broadcast`` after commit, from any thread)
  PUBLISHes the frame, already encoded, once on the Redis channel ``<KEY_PREFIX>:fan:<group>``.
  Without ``REDIS_URL`` (embedded mode, one process) an in-process bus hands it to every event
  loop of this process.
- Each server process holds ONE ``LocalFanout`` (per event loop) with ONE Redis pub/sub connection,
  subscribed to the groups that have local sockets. A socket registers its ``Feed``
  (``hub.realtime.feed``) with ``subscribe``, which returns once Redis confirmed the subscription,
  so a snapshot read afterwards misses nothing.
- Frames that arrive within ``LIVE_COALESCE_TICK`` seconds for a group form one ``Tick``, encoded
  once; each local feed is offered the tick and writes it to its socket (one websocket message
  ``{"type": "batch", "frames": [...]}`` for sockets that asked for batches, ``?batch=1``), notes it
  while its socket replays from the log, asks its socket to replay on a gap, or closes a socket
  whose unsent bytes are over ``LIVE_SEND_BUFFER_BYTES`` (4008; it resumes with ``last_seq``).
- The last ``LIVE_RECENT_FRAMES`` frames of each group are kept, so resumes (a reconnect storm after
  a restart) read them from memory instead of the database.
- Losing Redis loses the subscriptions: every local socket is closed with 4503 ("reconnect now"),
  as presence does, and clients catch up from the log.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import weakref
from typing import Any

from django.conf import settings

from hub.realtime.feed import DELIVERED, DROPPED, GAP, Feed, Tick
from hub.redis_client import sync_redis

logger = logging.getLogger(__name__)

CLOSE_SERVICE_RESTART = 4503
FANOUT_GROUP = re.compile(r"^session\.\d+$")


def uses_fanout(group: str) -> bool:
    return FANOUT_GROUP.fullmatch(group) is not None


def channel_name(group: str) -> str:
    return f"{settings.KEY_PREFIX}:fan:{group}"


# --- publishing (any thread) --------------------------------------------------------------------


def publish(group: str, seq: int, text: str) -> None:
    """Send one encoded frame to every process's local subscribers of ``group``."""
    payload = f"{seq} {text}"
    if settings.REDIS_URL:
        sync_redis().publish(channel_name(group), payload)
        return
    for fan in list(_fanouts.values()):
        try:
            # A fresh context: not the publishing thread's (asgiref marks it as inside a sync call).
            fan.loop.call_soon_threadsafe(fan.on_payload, group, payload, context=contextvars.Context())
        except RuntimeError:  # that loop is closed
            continue


# --- the per-process fan-out ------------------------------------------------------------------
class LocalFanout:
    """One per event loop (per server process)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.groups: dict[str, set[Feed]] = {}
        self.ready: dict[str, asyncio.Future[None]] = {}
        self.pending: dict[str, list[tuple[int, str]]] = {}
        self.redis: Any = None
        self.pubsub: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.prefix = f"{settings.KEY_PREFIX}:fan:"
        self.stats = {"frames": 0, "messages": 0, "dropped": 0, "gaps": 0}
        # The last frames of each group with local sockets, by seq: resumes (a reconnect storm
        # after a restart is thousands of them, all a few seconds behind) read them from here.
        self.recent: dict[str, dict[int, str]] = {}
        # Per group: the seq of the last frame delivered here, and which subscription (a number
        # that changes whenever the group's subscription is made again) delivered it. A snapshot
        # read while subscription g was up, plus the frames after it, is current while g lasts.
        self.latest: dict[str, int] = {}
        self.generation: dict[str, int] = {}
        self._generations = 0
        if settings.REDIS_URL:
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            from hub.redis_client import new_async_redis

            # No silent reconnect: a pub/sub that reconnects has lost what was published meanwhile.
            # (With Sentinel, the next subscription connects to the master of the moment.)
            self.redis = new_async_redis(
                socket_connect_timeout=2, health_check_interval=10, retry=Retry(NoBackoff(), 0)
            )

    # --- membership ---------------------------------------------------------------------------
    async def subscribe(self, group: str, feed: Feed) -> None:
        """Register a socket's feed; returns once this process receives the group's frames."""
        subscribers = self.groups.get(group)
        if subscribers is None:
            subscribers = self.groups[group] = set()
            self._generations += 1
            self.generation[group] = self._generations
            if self.redis is not None:
                self.ready[group] = self.loop.create_future()
                try:
                    await self._redis_subscribe(group)
                except BaseException as exc:
                    self._forget(group)
                    redis_failed = type(exc).__module__.startswith("redis")
                    if (redis_failed or isinstance(exc, OSError)) and self.pubsub is not None:
                        # Redis is gone: start again with a new pub/sub connection next time.
                        self._lost(self.pubsub)
                    raise
        ready = self.ready.get(group)
        if ready is not None and not ready.done():
            await asyncio.wait_for(asyncio.shield(ready), 5)
        self.groups.setdefault(group, subscribers).add(feed)

    def leave_now(self, group: str, feed: Feed) -> None:
        """Offer nothing more to ``feed`` (its socket is closing); ``unsubscribe`` ends the
        subscription later if it was the group's last feed."""
        feeds = self.groups.get(group)
        if feeds is not None:
            feeds.discard(feed)

    def latest_seq(self, group: str) -> int:
        """The seq of the last frame this process delivered for ``group`` (0: none yet)."""
        return self.latest.get(group, 0)

    async def unsubscribe(self, group: str, feed: Feed) -> None:
        subscribers = self.groups.get(group)
        if subscribers is None:
            return
        subscribers.discard(feed)
        if not subscribers and not (group in self.ready and not self.ready[group].done()):
            self._forget(group)
            if self.pubsub is not None:
                try:
                    await self.pubsub.unsubscribe(channel_name(group))
                except Exception:
                    logger.debug("unsubscribe failed", exc_info=True)

    def _forget(self, group: str) -> None:
        """The group has no subscription here any more (nothing local, or it was lost)."""
        for table in (self.groups, self.ready, self.recent, self.latest, self.generation):
            table.pop(group, None)  # type: ignore[attr-defined]

    async def _redis_subscribe(self, group: str) -> None:
        if self.pubsub is None:
            self.pubsub = self.redis.pubsub()
        await self.pubsub.subscribe(channel_name(group))
        if self.reader is None or self.reader.done():
            self.reader = self.loop.create_task(self._read(self.pubsub))
        await asyncio.wait_for(asyncio.shield(self.ready[group]), 5)

    async def _read(self, pubsub: Any) -> None:
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=1.0)
                if message is None:
                    continue
                kind, raw = message.get("type"), message.get("channel")
                if not isinstance(raw, bytes):
                    continue  # e.g. a pong
                channel = raw.decode()
                if not channel.startswith(self.prefix):
                    continue
                group = channel[len(self.prefix) :]
                if kind == b"message" or kind == "message":
                    self.on_payload(group, message["data"].decode())
                elif kind in (b"subscribe", "subscribe"):
                    ready = self.ready.get(group)
                    if ready is not None and not ready.done():
                        ready.set_result(None)
                    elif group in self.groups:  # re-subscribed after a reconnect: frames were lost
                        subscribers = self.groups[group]
                        self._forget(group)
                        for feed in list(subscribers):
                            feed.lost(CLOSE_SERVICE_RESTART)
        except asyncio.CancelledError:
            raise
        except Exception:
            if pubsub is self.pubsub:
                logger.warning("live fan-out lost Redis: closing local session sockets", exc_info=True)
                self._lost(pubsub)

    def _lost(self, pubsub: Any) -> None:
        if self.reader is not None and self.reader is not asyncio.current_task():
            self.reader.cancel()
        self.reader = None
        groups, self.groups = self.groups, {}
        for ready in self.ready.values():
            if not ready.done():
                ready.set_exception(ConnectionError("Redis pub/sub lost"))
                ready.exception()  # retrieved: no "never retrieved" warning
        self.ready = {}
        self.pending = {}
        self.recent, self.latest, self.generation = {}, {}, {}
        if self.pubsub is pubsub:
            self.pubsub = None
        self.loop.create_task(self._close_quietly(pubsub))
        for subscribers in groups.values():
            for feed in subscribers:
                feed.lost(CLOSE_SERVICE_RESTART)

    @staticmethod
    async def _close_quietly(pubsub: Any) -> None:
        try:
            await pubsub.aclose()
        except Exception:
            logger.debug("closing a lost pub/sub failed", exc_info=True)

    # --- delivery -----------------------------------------------------------------------------
    def on_payload(self, group: str, payload: str) -> None:
        if group not in self.groups:
            return
        head, _sep, text = payload.partition(" ")
        try:
            seq = int(head)
        except ValueError:
            return
        waiting = self.pending.get(group)
        if waiting is not None:
            waiting.append((seq, text))
            return
        self.pending[group] = [(seq, text)]
        tick = settings.LIVE_COALESCE_TICK
        if tick > 0:
            self.loop.call_later(tick, self._flush, group)
        else:
            self.loop.call_soon(self._flush, group)

    def remember(self, group: str, frames: list[tuple[int, str]]) -> None:
        """Keep these (seq, encoded frame) for resumes; only for groups with local sockets."""
        if group not in self.groups or not frames:
            return
        kept = self.recent.setdefault(group, {})
        for seq, text in frames:
            kept[seq] = text
        recent_kept = settings.LIVE_RECENT_FRAMES
        if len(kept) > recent_kept * 1.25:  # trim in steps, not per frame
            floor = sorted(kept)[-recent_kept]
            for seq in [seq for seq in kept if seq < floor]:
                del kept[seq]

    def between(self, group: str, after: int, upto: int) -> list[str] | None:
        """The encoded frames (after, upto] if every one of them is kept here, else None."""
        kept = self.recent.get(group)
        if not kept or upto <= after:
            return None
        try:
            return [kept[seq] for seq in range(after + 1, upto + 1)]
        except KeyError:
            return None

    def _flush(self, group: str) -> None:
        frames = self.pending.pop(group, None)
        feeds = self.groups.get(group)
        if not frames or not feeds:
            return
        if len(frames) > 1:
            frames.sort()
        tick = Tick(frames)
        self.stats["frames"] += len(frames)
        self.remember(group, frames)
        if tick.last > self.latest.get(group, 0):
            self.latest[group] = tick.last
        limit = settings.LIVE_SEND_BUFFER_BYTES
        stats = self.stats
        for feed in list(feeds):
            outcome = feed.offer(tick, limit)
            if outcome == DELIVERED:
                stats["messages"] += 1
            elif outcome == GAP:
                stats["gaps"] += 1
            elif outcome == DROPPED:
                stats["dropped"] += 1


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanout] = weakref.WeakKeyDictionary()


def fanout() -> LocalFanout:
    loop = asyncio.get_running_loop()
    found = _fanouts.get(loop)
    if found is None:
        found = _fanouts[loop] = LocalFanout(loop)
    return found
