"""Per-process fan-out of sequenced live events (``LIVE_DELIVERY=fanout``; docs/performance-live.md).

The stock path sends every event through the channel layer once per viewer: a Redis message, a
thread hop (Channels closes old database connections before every handler) and a JSON encoding per
socket. This path does the work once per *process* instead:

- ``publish(group, seq, text)`` (called by ``hub.realtime.broadcast`` after commit, from any thread)
  PUBLISHes the frame, already encoded, once on the Redis channel ``<KEY_PREFIX>:fan:<group>``.
  Without ``REDIS_URL`` an in-process bus hands it to every event loop of this process.
- Each server process holds ONE ``LocalFanout`` (per event loop) with ONE Redis pub/sub connection,
  subscribed to the groups that have local sockets. A socket registers with ``subscribe`` (which
  returns once Redis confirmed the subscription, so a snapshot read afterwards misses nothing).
- Frames that arrive within ``LIVE_COALESCE_TICK`` seconds for a group are delivered together: to
  sockets that asked for batches (``?batch=1``) as ONE websocket message
  ``{"type": "batch", "frames": [...]}`` built by joining the encoded frames, to the others back to
  back. Delivery is a direct ASGI send through the socket's ``Outbox``: no channel layer, no thread
  hop, no JSON encoding, no database per viewer.
- Order and completeness: the fan-out compares each frame's ``seq`` with the socket's ``last_sent``
  (one int comparison). A socket that is catching up (replaying from the log) only records how far
  it must go; a gap asks the socket to replay from the log (a database read only then).
- Bounded buffers: a socket whose unsent bytes (our queue plus the server's transport buffer) are
  over ``LIVE_SEND_BUFFER_BYTES`` when a tick is delivered is closed with 4008 (its queue is
  dropped) and resumes with ``?last_seq`` on reconnect. So a socket holds at most the limit plus
  one tick's frames.
- Losing Redis loses the subscriptions: every local socket is closed with 4503 ("reconnect now"),
  as presence does, and clients catch up from the log.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
import weakref
from collections import deque
from typing import Any, Protocol

from django.conf import settings
from websockets.protocol import State as _WsState

from hub.realtime import transports
from hub.redis_client import sync_redis

logger = logging.getLogger(__name__)

# Autobahn (daphne) only sends 1000 or 3000-4999 from an application.
CLOSE_TOO_SLOW = 4008
CLOSE_SERVICE_RESTART = 4503
_WS_OPEN = _WsState.OPEN
FANOUT_GROUP = re.compile(r"^session\.\d+$")


def delivery() -> str:
    return getattr(settings, "LIVE_DELIVERY", "stock")


def uses_fanout(group: str) -> bool:
    return delivery() == "fanout" and FANOUT_GROUP.fullmatch(group) is not None


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


# --- one socket's ordered, bounded output -------------------------------------------------------
def encode_frame(text: str) -> bytes:
    """One unmasked, unfragmented, uncompressed websocket text frame (RFC 6455 §5.2), built once and
    written as is to every socket. Uncompressed is allowed even where permessage-deflate was
    negotiated (RFC 7692 §6: RSV1 clear); autobahn's ``PreparedMessage(doNotCompress=True)`` does
    the same."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 65536:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + payload


def _unwrap(send: Any) -> Any:
    # Channels' session middleware wraps ``send`` (``real_send``); it does nothing for websocket.send.
    while hasattr(getattr(send, "__self__", None), "real_send"):
        send = send.__self__.real_send
    return send


def _daphne_transport(send: Any) -> tuple[Any, Any]:
    """daphne's ``send`` is ``partial(server.handle_reply, protocol)``: its send never waits, so the
    only buffer is Twisted's transport. Return (server, protocol) to read it, else (None, None)."""
    send = _unwrap(send)
    if isinstance(send, functools.partial) and send.args:
        server = getattr(send.func, "__self__", None)
        protocol = send.args[0]
        if (
            server is not None
            and hasattr(server, "connections")
            and hasattr(protocol, "transport")
            and hasattr(protocol, "send_queue")
            and hasattr(protocol, "STATE_OPEN")
        ):
            return server, protocol
    return None, None


def _uvicorn_protocol(send: Any) -> Any:
    """uvicorn's ``send`` is the bound ``send`` of its sans-I/O websocket protocol (``--ws
    websockets-sansio``), which holds the asyncio transport. Other servers: None."""
    owner = getattr(_unwrap(send), "__self__", None)
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # pragma: no cover - uvicorn is a dependency
        return None
    return owner if isinstance(owner, WebSocketsSansIOProtocol) else None


class Outbox:
    """Every message of one socket goes through here, in order; one writer task awaits the server's
    send (uvicorn's waits while the socket is paused). ``pending_bytes`` is what the peer has not
    taken yet: our queue plus the transport's buffer.

    Under daphne and uvicorn (sans-I/O) the fan-out's frames take a shorter way when nothing of
    this socket is queued or being sent: ``write_frame`` writes the frame's bytes, encoded once for
    every socket, straight to the server's transport, after the server's own checks that the
    socket is open. No task switch, no per-socket framing. Anything else (hello, acks, replays,
    close) and any socket that is not writable right now goes through the ordered queue."""

    __slots__ = (
        "busy",
        "closed",
        "protocol",
        "queue",
        "queued_bytes",
        "released",
        "send",
        "server",
        "task",
        "uvicorn",
        "wake",
        "writer",
    )

    def __init__(self, send: Any) -> None:
        self.send = send
        self.queue: deque[tuple[dict[str, Any], int]] = deque()
        self.queued_bytes = 0
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.busy = False  # the writer task is inside an awaited send
        # The direct writers only where this process's start-up check allowed them (transports).
        found: tuple[Any, Any] = (None, None)
        if transports.direct_allowed(transports.DAPHNE_DIRECT):
            found = _daphne_transport(send)
        self.server, self.protocol = found
        self.uvicorn = (
            _uvicorn_protocol(send)
            if self.protocol is None and transports.direct_allowed(transports.UVICORN_DIRECT)
            else None
        )
        self.writer = (
            transports.DAPHNE_DIRECT
            if self.protocol is not None
            else transports.UVICORN_DIRECT
            if self.uvicorn is not None
            else transports.ASGI_SEND
        )
        self.released = False
        transports.socket_opened(self.writer)

    def release(self) -> None:
        """The socket is gone: stop writing, and stop counting it (idempotent)."""
        self.stop()
        if not self.released:
            self.released = True
            transports.socket_closed(self.writer)

    def pending_bytes(self) -> int:
        pending = self.queued_bytes
        protocol = self.protocol
        if protocol is not None:
            transport = protocol.transport
            if transport is not None:
                buffered = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
                pending += buffered + getattr(transport, "_tempDataLen", 0)
        elif self.uvicorn is not None:
            transport = self.uvicorn.transport
            if transport is not None and not transport.is_closing():
                pending += transport.get_write_buffer_size()
        return pending

    def deliver(self, frame: bytes, text: str, limit: int) -> bool:
        """``pending_bytes() > limit`` (False: too slow, nothing written) then ``write_frame``,
        with uvicorn's open socket written in one go (the hot path: once per socket per tick)."""
        ws = self.uvicorn
        if ws is not None and not self.queue and not self.busy and not self.closed:
            transport = ws.transport
            if (
                ws.writable.is_set()
                and not ws.close_sent
                and not ws.disconnected
                and ws.handshake_complete
                and ws.initial_response is None
                and not transport.is_closing()
                and ws.conn.state is _WS_OPEN
            ):
                if transport.get_write_buffer_size() > limit:
                    return False
                transport.write(frame)
                return True
        if self.pending_bytes() > limit:
            return False
        self.write_frame(frame, text)
        return True

    def write_frame(self, frame: bytes, text: str) -> None:
        """A fan-out frame: ``frame`` is ``encode_frame(text)``, shared by every socket."""
        if self.closed:
            return
        if not self.queue and not self.busy:
            protocol = self.protocol
            if protocol is not None:  # daphne (autobahn)
                conn = self.server.connections.get(protocol)
                if conn is None or conn.get("disconnected"):
                    return
                if protocol.state == protocol.STATE_OPEN and not protocol.send_queue:
                    protocol.transport.write(frame)
                    return
            else:
                ws = self.uvicorn
                if ws is not None:
                    if ws.disconnected:
                        return
                    if (
                        ws.handshake_complete
                        and not ws.close_sent
                        and ws.initial_response is None
                        and ws.writable.is_set()
                        and ws.conn.state is _WS_OPEN
                        and not ws.transport.is_closing()
                    ):
                        ws.transport.write(frame)
                        return
        self.put({"type": "websocket.send", "text": text}, len(text))

    def put(self, message: dict[str, Any], size: int) -> None:
        if self.closed:
            return
        direct = self.protocol is not None and not self.queue and not self.busy
        if direct and message["type"] == "websocket.send":
            # daphne: nothing queued or in flight, and its send never waits: hand the frame to the
            # protocol now, without a task switch (the server's own liveness check first).
            conn = self.server.connections.get(self.protocol)
            if conn is None or conn.get("disconnected"):
                return
            self.protocol.handle_reply(message)
            return
        self.queue.append((message, size))
        self.queued_bytes += size
        if self.busy:
            return  # whoever is sending (the writer, or a direct accept/close) picks it up after
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        else:
            self.wake.set()

    async def __call__(self, message: dict[str, Any]) -> None:
        """The consumer's ``base_send``: ordered with the fan-out's frames. With nothing queued or in
        flight, accept and close go to the server now, so that its errors reach the consumer (e.g.
        daphne refusing close code 1009, which the consumer answers with 4009)."""
        text = message.get("text")
        if message["type"] == "websocket.send" or self.queue or self.busy or self.closed:
            self.put(message, len(text) if isinstance(text, str) else 64)
            return
        self.busy = True
        try:
            await self.send(message)
        finally:
            self.busy = False
            if self.queue:  # frames the fan-out queued meanwhile
                if self.task is None or self.task.done():
                    self.task = asyncio.get_running_loop().create_task(self._run())
                else:
                    self.wake.set()

    async def _run(self) -> None:
        while not self.closed:
            while self.queue:
                message, size = self.queue.popleft()
                self.queued_bytes -= size
                self.busy = True
                try:
                    await self.send(message)
                except Exception:  # the socket is gone: drop what is left
                    self.queue.clear()
                    self.queued_bytes = 0
                    self.closed = True
                    return
                finally:
                    self.busy = False
            self.wake.clear()
            await self.wake.wait()

    async def abort(self, code: int) -> None:
        """Forget what was queued and close now (a slow reader)."""
        self.queue.clear()
        self.queued_bytes = 0
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
        try:
            await self.send({"type": "websocket.close", "code": code})
        except Exception:
            logger.debug("closing a slow socket failed", exc_info=True)

    def stop(self) -> None:
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()


# --- subscribers and the per-process fan-out -----------------------------------------------------
class Subscriber(Protocol):
    last_sent: int
    catching_up: bool
    pending_upto: int
    wants_batch: bool
    outbox: Outbox

    def fanout_gap(self, upto: int) -> None: ...

    def fanout_drop(self, code: int) -> None: ...


def batch_text(texts: list[str]) -> str:
    return '{"type":"batch","frames":[' + ",".join(texts) + "]}"


class LocalFanout:
    """One per event loop (per server process)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.groups: dict[str, set[Subscriber]] = {}
        self.ready: dict[str, asyncio.Future[None]] = {}
        self.pending: dict[str, list[tuple[int, str]]] = {}
        self.tick: float = getattr(settings, "LIVE_COALESCE_TICK", 0.02)
        self.limit: int = getattr(settings, "LIVE_SEND_BUFFER_BYTES", 256 * 1024)
        self.redis: Any = None
        self.pubsub: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.prefix = f"{settings.KEY_PREFIX}:fan:"
        self.stats = {"frames": 0, "messages": 0, "dropped": 0, "gaps": 0}
        # The last frames of each group with local sockets, by seq: resumes (a reconnect storm
        # after a restart is thousands of them, all a few seconds behind) read them from here.
        self.recent: dict[str, dict[int, str]] = {}
        self.recent_kept: int = getattr(settings, "LIVE_RECENT_FRAMES", 2000)
        # Per group: the seq of the last frame delivered here, and which subscription (a number
        # that changes whenever the group's subscription is made again) delivered it. A snapshot
        # read while subscription g was up, plus the frames after it, is current while g lasts.
        self.latest: dict[str, int] = {}
        self.generation: dict[str, int] = {}
        self._generations = 0
        if settings.REDIS_URL:
            import redis.asyncio
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # No silent reconnect: a pub/sub that reconnects has lost what was published meanwhile.
            self.redis = redis.asyncio.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=2,
                health_check_interval=10,
                retry=Retry(NoBackoff(), 0),
            )

    # --- membership ---------------------------------------------------------------------------
    async def subscribe(self, group: str, subscriber: Subscriber) -> None:
        """Register a socket; returns once this process receives the group's frames."""
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
        self.groups.setdefault(group, subscribers).add(subscriber)

    async def unsubscribe(self, group: str, subscriber: Subscriber) -> None:
        subscribers = self.groups.get(group)
        if subscribers is None:
            return
        subscribers.discard(subscriber)
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
                        for subscriber in list(subscribers):
                            subscriber.fanout_drop(CLOSE_SERVICE_RESTART)
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
            for subscriber in subscribers:
                subscriber.fanout_drop(CLOSE_SERVICE_RESTART)

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
        if self.tick > 0:
            self.loop.call_later(self.tick, self._flush, group)
        else:
            self.loop.call_soon(self._flush, group)

    def remember(self, group: str, frames: list[tuple[int, str]]) -> None:
        """Keep these (seq, encoded frame) for resumes; only for groups with local sockets."""
        if group not in self.groups or not frames:
            return
        kept = self.recent.setdefault(group, {})
        for seq, text in frames:
            kept[seq] = text
        if len(kept) > self.recent_kept * 1.25:  # trim in steps, not per frame
            floor = sorted(kept)[-self.recent_kept]
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
        subscribers = self.groups.get(group)
        if not frames or not subscribers:
            return
        if len(frames) > 1:
            frames.sort()
        first, last = frames[0][0], frames[-1][0]
        contiguous = last - first + 1 == len(frames)
        texts = [text for _seq, text in frames]
        self.stats["frames"] += len(frames)
        self.remember(group, frames)
        if last > self.latest.get(group, 0):
            self.latest[group] = last
        tick_text = texts[0] if len(texts) == 1 else batch_text(texts)
        batch_frame = encode_frame(tick_text)
        singles = [(encode_frame(text), text) for text in texts]
        limit = self.limit
        for subscriber in list(subscribers):
            sent = subscriber.last_sent
            if sent >= last:
                continue
            if subscriber.catching_up:
                if last > subscriber.pending_upto:
                    subscriber.pending_upto = last
                continue
            if not contiguous or sent < first - 1:
                self.stats["gaps"] += 1
                subscriber.fanout_gap(last)
                continue
            outbox = subscriber.outbox
            if sent == first - 1 and subscriber.wants_batch:
                # The common case (a page): one frame, the checks and the write in one call.
                if not outbox.deliver(batch_frame, tick_text, limit):
                    self.stats["dropped"] += 1
                    subscriber.fanout_drop(CLOSE_TOO_SLOW)
                    continue
                subscriber.last_sent = last
                self.stats["messages"] += 1
                continue
            if outbox.pending_bytes() > limit:  # what it has not taken yet, before this tick
                self.stats["dropped"] += 1
                subscriber.fanout_drop(CLOSE_TOO_SLOW)
                continue
            if sent == first - 1:
                if subscriber.wants_batch:
                    outbox.write_frame(batch_frame, tick_text)
                else:
                    for frame, text in singles:
                        outbox.write_frame(frame, text)
            else:  # it already has the head of this tick (replayed): send the rest
                rest = [text for seq, text in frames if seq > sent]
                if subscriber.wants_batch:
                    rest_text = batch_text(rest)
                    outbox.write_frame(encode_frame(rest_text), rest_text)
                else:
                    for text in rest:
                        outbox.write_frame(encode_frame(text), text)
            subscriber.last_sent = last
            self.stats["messages"] += 1


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanout] = weakref.WeakKeyDictionary()


def fanout() -> LocalFanout:
    loop = asyncio.get_running_loop()
    found = _fanouts.get(loop)
    if found is None:
        found = _fanouts[loop] = LocalFanout(loop)
    return found
