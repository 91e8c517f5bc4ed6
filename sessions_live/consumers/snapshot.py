"""The ``hello`` a session socket starts with, and the reads connects share.

A connect storm (a server restart) is thousands of connects within seconds, most of them anonymous
viewers who see the same thing. So:

- a session's existence is remembered for ``KNOWN_SESSION_SECONDS`` per process;
- anonymous connects share one read of the session's ``(last_seq, updated_at)`` per round: every
  socket that arrived before a round started joins it, so the state a socket gets is never older
  than what its client saw;
- one serialized snapshot is built per ``(session, last_seq, updated_at, language)`` and reused
  (every public change appends an event, so ``last_seq`` moves with it).

Signed-in viewers get their own snapshot (their rights, their votes). Reads go through
``sessions_live.selectors``.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from django.utils import translation

from sessions_live import selectors
from sessions_live.serializers import SessionDetailOut

KNOWN_SESSION_SECONDS = 10.0
SNAPSHOTS_KEPT = 32
_known_sessions: dict[int, float] = {}
_snapshots: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()


async def session_check(session_id: int) -> None:
    """Raise ``SessionNotFound`` unless the session exists; a yes is remembered for a few seconds
    per process, so a storm of connects costs one query here, not one thread hop per socket."""
    now = time.monotonic()
    seen = _known_sessions.get(session_id)
    if seen is not None and now - seen < KNOWN_SESSION_SECONDS:
        return
    await database_sync_to_async(selectors.session_get)(session_id)
    if len(_known_sessions) > 1000:
        _known_sessions.clear()
    _known_sessions[session_id] = now


class _SharedReads:
    """One per event loop (per server process; tests run several loops)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[float, asyncio.Task[tuple[int, Any]]]] = {}
        self.builds: dict[tuple[Any, ...], asyncio.Task[tuple[dict[str, Any], int]]] = {}


_shared_reads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedReads] = (
    weakref.WeakKeyDictionary()
)


def _shared() -> _SharedReads:
    loop = asyncio.get_running_loop()
    found = _shared_reads.get(loop)
    if found is None:
        found = _shared_reads[loop] = _SharedReads()
    return found


async def _state_now(session_id: int) -> tuple[int, Any]:
    """The session's (last_seq, updated_at), read AFTER this call began (so never older than what
    the caller's client has seen), shared with every caller that arrived before the same read."""
    arrived = time.monotonic()
    reads = _shared().rows
    while True:
        entry = reads.get(session_id)
        if entry is None or (entry[1].done() and entry[0] < arrived):
            task = asyncio.get_running_loop().create_task(
                database_sync_to_async(selectors.session_stream_state)(session_id)
            )
            entry = reads[session_id] = (time.monotonic(), task)
            if len(reads) > 1000:
                for stale in [key for key, (_t, other) in reads.items() if other.done()]:
                    del reads[stale]
        started, task = entry
        if started >= arrived:
            return await asyncio.shield(task)
        await asyncio.wait([task])  # an older read: wait for it, then join (or start) the next one


def _snapshot_build(session_id: int) -> tuple[dict[str, Any], int]:
    session = selectors.session_get(session_id, detail=True)
    data = dict(SessionDetailOut(session, context={"user": None, "viewer_count": 0}).data)
    return data, session.last_seq


async def anonymous_snapshot(session_id: int) -> tuple[dict[str, Any], int]:
    """The session as an anonymous viewer sees it and the seq it is at (never behind what the
    caller's client saw): one small shared read, and the serialized snapshot is reused while the
    session's ``last_seq`` and ``updated_at`` hold."""
    last_seq, updated_at = await _state_now(session_id)
    key = (session_id, last_seq, updated_at, translation.get_language())
    found = _snapshots.get(key)
    if found is not None:
        return found, last_seq
    builds = _shared().builds
    build = builds.get(key)
    if build is None:
        build = builds[key] = asyncio.get_running_loop().create_task(
            database_sync_to_async(_snapshot_build)(session_id)
        )
        build.add_done_callback(lambda _task: builds.pop(key, None))
    data, built_seq = await asyncio.shield(build)
    if built_seq == last_seq:
        _snapshots[key] = data
        while len(_snapshots) > SNAPSHOTS_KEPT:
            _snapshots.popitem(last=False)
    return data, built_seq  # a later seq than read: still never behind the client


def signed_in_hello(session_id: int, actor: Any, viewer_count: int) -> dict[str, Any]:
    """The ``hello`` data of a signed-in viewer (synchronous: run it off the event loop)."""
    session = selectors.session_get(session_id, detail=True)
    data = dict(SessionDetailOut(session, context={"user": actor, "viewer_count": viewer_count}).data)
    return {
        "session": data,
        "last_seq": session.last_seq,
        "viewer_count": viewer_count,
        "me": selectors.session_me(actor, session),
    }


async def hello(session_id: int, actor: Any, viewer_count: int) -> dict[str, Any]:
    if actor is None:  # most viewers: shared reads
        data, last_seq = await anonymous_snapshot(session_id)
        data = {**data, "viewer_count": viewer_count}
        return {"session": data, "last_seq": last_seq, "viewer_count": viewer_count, "me": data["me"]}
    return await database_sync_to_async(signed_in_hello)(session_id, actor, viewer_count)
