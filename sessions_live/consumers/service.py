"""Tell this process's live session sockets when the database goes away, and when it is back.

While PostgreSQL is away an open session socket keeps what it needs to follow the session (the
fan-out brings events through Redis), but nothing can be written: chat, votes and questions are
answered with an ``unavailable`` error frame (``hub.realtime.consumers``) and the socket stays
open. Each socket is told once, with a frame the live page shows, and again when it is back::

    {"type": "service", "data": {"read_only": true, "reason": "database", "retry_after": 5,
                                 "message": "..."}}
    {"type": "service", "data": {"read_only": false}}

The process learns of the outage from anything that fails to reach the database
(``hub.overload.DATABASE``) and, while it holds session sockets, from a watch of its own: a
``SELECT 1`` every ``DB_WATCH_INTERVAL`` seconds, in a worker thread (not the consumers' database
thread), so that sockets are told even when nobody writes. The end of the outage comes from the
breaker's probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from hub import overload

logger = logging.getLogger(__name__)


class Told(Protocol):
    async def send_json(self, content: Any, close: bool = False) -> None: ...


_sockets: weakref.WeakSet[Any] = weakref.WeakSet()
_loop: asyncio.AbstractEventLoop | None = None
_watch: asyncio.Task[None] | None = None
_sending: set[asyncio.Future[None]] = set()


def service_frame(up: bool) -> dict[str, Any]:
    if up:
        return {"type": "service", "data": {"read_only": False}}
    message = _("The session is read-only for a moment: messages, questions and votes cannot be sent yet.")
    wait = overload.retry_after()
    return {
        "type": "service",
        "data": {"read_only": True, "reason": "database", "retry_after": wait, "message": message},
    }


def join(socket: Told) -> None:
    """A session socket that said hello (from the event loop)."""
    global _loop, _watch
    _loop = asyncio.get_running_loop()
    _sockets.add(socket)
    if not overload.DATABASE.up:
        _send_soon(socket, service_frame(False))
    if (_watch is None or _watch.done()) and connection.vendor == "postgresql":
        _watch = _loop.create_task(_watch_database())


def leave(socket: Told) -> None:
    _sockets.discard(socket)


def _send_soon(socket: Told, frame: dict[str, Any]) -> None:
    async def send() -> None:
        with contextlib.suppress(Exception):  # the socket closed meanwhile
            await socket.send_json(frame)

    task = asyncio.ensure_future(send())
    _sending.add(task)  # held until done: the loop keeps only weak references to tasks
    task.add_done_callback(_sending.discard)


def _tell_all(up: bool) -> None:
    frame = service_frame(up)
    for socket in list(_sockets):
        _send_soon(socket, frame)


def _database_changed(up: bool) -> None:
    """``hub.overload.DATABASE``'s listener, called from whichever thread saw the change."""
    loop = _loop
    if loop is not None and loop.is_running() and _sockets:
        loop.call_soon_threadsafe(_tell_all, up)


overload.DATABASE.listeners.append(_database_changed)


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        overload.cause(exc)  # marks the database down when it is lost
    finally:
        connection.close()


async def _watch_database() -> None:
    while _sockets:
        await asyncio.sleep(settings.DB_WATCH_INTERVAL)
        if overload.DATABASE.up and _sockets:
            try:
                await asyncio.to_thread(_check_database)
            except Exception:
                logger.exception("database watch failed")
