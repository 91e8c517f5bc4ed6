"""The ASGI server's event loop, for synchronous code that runs in the server's worker threads.

Django runs synchronous views in threads (``sync_to_async``). A REST vote waits there for the
group commit of its server's event loop (``sessions_live.votebatch``), so it needs that loop. The
ASGI application (``hub.asgi``) calls ``remember()`` on every connection, from the loop itself; a
thread asks ``server_loop()``, which answers only for this process (not a forked child) and never
to the loop's own thread (waiting there would block the loop it waits for).
"""

from __future__ import annotations

import asyncio
import os
import threading

_loop: asyncio.AbstractEventLoop | None = None
_pid = 0
_thread = 0


def remember() -> None:
    """Called from the server's event loop (cheap enough for every connection)."""
    global _loop, _pid, _thread
    loop = asyncio.get_running_loop()
    if loop is not _loop or _pid != os.getpid():
        _loop, _pid, _thread = loop, os.getpid(), threading.get_ident()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The running server loop of this process, if the caller is one of its worker threads."""
    loop = _loop
    if loop is None or _pid != os.getpid() or threading.get_ident() == _thread:
        return None
    return loop if loop.is_running() else None
