"""One socket's ordered, bounded output: every message it sends goes through its ``Outbox``.

A consumer's own messages (hello, acks, replays, close) and the fan-out's frames share one order.
When nothing of the socket is queued or being sent, a fan-out frame (already encoded for every
socket) goes straight to the server's transport through the socket's writer
(``hub.realtime.transports``); otherwise, and for everything the writer cannot take now, messages
wait in a queue that one task drains through the ASGI ``send`` (uvicorn's send waits while the
socket is paused). ``pending_bytes`` is what the peer has not taken yet: the queue plus the
server's buffer, which the fan-out compares with ``LIVE_SEND_BUFFER_BYTES``.

The consumer gives its outbox to Channels as the ASGI ``send`` (``SessionConsumer.__call__``), so
everything the consumer sends is ordered with the fan-out's frames without touching Channels'
internals.

The task that drains the queue lives only while there is something to send: it ends when the
queue is empty, and the next message starts another. An idle socket holds no task, so a socket
whose owner never released it leaves no task waiting for work that never comes (such a task is
destroyed, pending, when the outbox is collected: "Task was destroyed but it is pending!"). A
draining task awaits the server's ``send``, which the server holds on to until the connection is
gone. ``release`` cancels it, ``aclose`` also waits for it to end.

Closing a socket that does not read (``abort``: too slow, 4008; subscription lost, 4503) cannot
wait for the server's ``send``: uvicorn's waits until the peer reads, which it does not. The
socket's writer closes it directly when it can (``Writer.close_now``: the close frame written
behind what is unsent, the connection reset if the peer has not read up to it within
``CLOSE_GRACE`` seconds); otherwise the close goes through ``send``, waited for at most as long.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from hub.realtime import transports
from hub.realtime.transports import CLOSE_GRACE, FULL, WROTE

logger = logging.getLogger(__name__)


class Outbox:
    __slots__ = ("busy", "closed", "queue", "queued_bytes", "released", "send", "task", "writer")

    def __init__(self, send: Any) -> None:
        self.send = send
        self.writer = transports.writer_for(send)
        self.queue: deque[tuple[dict[str, Any], int]] = deque()
        self.queued_bytes = 0
        self.task: asyncio.Task[None] | None = None  # draining the queue; None or done when idle
        self.closed = False
        self.busy = False  # the drain task (or a direct accept/close) is inside an awaited send
        self.released = False
        transports.socket_opened(self.writer.name)

    # --- the fan-out's side ----------------------------------------------------------------------
    def pending_bytes(self) -> int:
        return self.queued_bytes + self.writer.buffered()

    def deliver(self, frame: bytes, text: str, limit: int) -> bool:
        """A fan-out frame unless the socket is too slow: False (nothing written) when more than
        ``limit`` bytes already wait for it. ``frame`` is ``encode_frame(text)``, shared by every
        socket; the hot path (once per socket per tick) is one call to the writer."""
        if not self.queue and not self.busy and not self.closed:
            result = self.writer.write_within(frame, limit)
            if result == WROTE:
                return True
            if result == FULL:
                return False
        if self.pending_bytes() > limit:
            return False
        self.write_frame(frame, text)
        return True

    def write_frame(self, frame: bytes, text: str) -> None:
        """A fan-out frame, whatever the socket's backlog (the caller checked it)."""
        if self.closed:
            return
        if not self.queue and not self.busy and self.writer.write_within(frame, 1 << 62) == WROTE:
            return
        self.put({"type": "websocket.send", "text": text}, len(text))

    # --- ordered sends ---------------------------------------------------------------------------
    def put(self, message: dict[str, Any], size: int) -> None:
        if self.closed:
            return
        if (
            message["type"] == "websocket.send"
            and not self.queue
            and not self.busy
            and self.writer.send_now(message)
        ):
            return
        self.queue.append((message, size))
        self.queued_bytes += size
        if not self.busy:  # else whoever is sending (a drain, a direct accept/close) picks it up
            self._drain_soon()

    async def __call__(self, message: dict[str, Any]) -> None:
        """The ASGI ``send`` the consumer uses: ordered with the fan-out's frames. With nothing
        queued or in flight, accept and close go to the server now, so that its errors reach the
        consumer (e.g. daphne refusing close code 1009, which the consumer answers with 4009)."""
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
                self._drain_soon()

    def _drain_soon(self) -> None:
        if not self.closed and (self.task is None or self.task.done()):
            self.task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Send what is queued, in order, then end (a later ``put`` starts another drain)."""
        while self.queue and not self.closed:
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

    async def abort(self, code: int) -> None:
        """Forget what was queued and close now (a slow reader, a lost subscription)."""
        self.queue.clear()
        self.queued_bytes = 0
        self.closed = True
        await self._stopped()
        if self.writer.close_now(code, CLOSE_GRACE):
            return
        try:
            await asyncio.wait_for(self.send({"type": "websocket.close", "code": code}), CLOSE_GRACE)
        except Exception:  # gone already, or it still does not read: the server ends it
            logger.debug("closing a socket failed", exc_info=True)

    def release(self) -> None:
        """The socket is gone: stop writing, and stop counting it (idempotent)."""
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
        if not self.released:
            self.released = True
            transports.socket_closed(self.writer.name)

    async def aclose(self) -> None:
        """``release``, then wait until the drain task (if any) has ended."""
        self.release()
        await self._stopped()

    async def _stopped(self) -> None:
        task = self.task
        if task is None or task is asyncio.current_task():
            return
        if not task.done():
            task.cancel()
            # wait() neither raises the task's cancellation here nor hides this task's own.
            await asyncio.wait([task])
