"""How many watched a live session: its peak and total viewers, kept for the yearly evaluation.

- **Peak**: the most viewers connected at once that the presence loop saw (``sessions_live.presence``:
  the count across every server process, read every ``SESSIONS_PRESENCE_INTERVAL`` seconds). The
  loop reads that count with ``COUNT_SCRIPT``, which also raises the kept peak: the same single
  round trip per session per round as before, nothing more.
- **Total**: connections, not people. Every websocket connection to the session counts once,
  except a resumption (``?resumed=1``: a client coming back after a network drop or a server
  restart); a page opened twice, or reloaded, counts twice. No person is identified or stored: no
  account, address or socket id is kept, only two numbers per session. One ``HINCRBY`` per new
  connection, in the presence tracker's pipeline that already writes the connection.

The figures run from the start (``figures_restart``: the viewers connected at that moment are the
first total and peak; those who came and went while it was scheduled do not count) to the end.
Meanwhile they live in a Redis hash per session (``figures_key``; without Redis, in this process's
memory, with the same rules) and are saved to the session's row by every process that has viewers
of it, every ``SAVE_ROUNDS`` rounds of its presence loop (30 s by default), and by ``session_end``.
A save is one ``UPDATE`` with ``GREATEST``, only while the session is live: a stored figure never
goes down, and a crash loses at most one interval's connections.

A Redis that lost its data (restarted) or a process restarted without Redis counts from zero
again: its first save adds what the row kept, once (the hash's ``base`` field says it is done), so
the total goes on from the row's instead of hiding the new connections under it.

This module writes the row without an actor (no permission, event or audit entry): it is the
system's own bookkeeping, like ``sessions_live.tally``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import PositiveIntegerField, Q, Value
from django.db.models.functions import Greatest

from hub import versions
from hub.overload import REDIS
from hub.redis_client import sync_redis
from sessions_live.models import LiveSession, SessionStatus

logger = logging.getLogger(__name__)

# Saved every SAVE_ROUNDS rounds of the presence loop: 30 s at the default 2 s.
SAVE_ROUNDS = 15
# The hash outlives a day without any viewer; after that, the next save starts it again from the row.
FIGURES_TTL = 24 * 3600

# The presence loop's count (KEYS: the viewers' sorted set, the figures' hash; ARGV: now, TTL):
# expired members out, count, peak raised if the count is above it. Atomic, one round trip.
COUNT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count > tonumber(redis.call('HGET', KEYS[2], 'peak') or '0') then
  redis.call('HSET', KEYS[2], 'peak', count)
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return count
"""

# After a loss (KEYS: the figures' hash; ARGV: the row's peak and total, TTL): add the row's
# figures once, whoever saves first; answer the figures.
_SEED_SCRIPT = """
if redis.call('HSETNX', KEYS[1], 'base', 1) == 1 then
  redis.call('HINCRBY', KEYS[1], 'total', ARGV[2])
  if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'peak') or '0') then
    redis.call('HSET', KEYS[1], 'peak', ARGV[1])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HMGET', KEYS[1], 'peak', 'total')
"""


class Figures(NamedTuple):
    peak: int
    total: int


class Reading(NamedTuple):
    """What Redis (or memory) holds. ``based``: counted since the start, or on top of the row's
    figures; otherwise only since a loss (to be added to the row's total, not compared with it)."""

    peak: int
    total: int
    based: bool


@dataclass(slots=True)
class _Kept:
    peak: int = 0
    total: int = 0
    based: bool = False


# Without Redis (one process): the figures in memory. The presence loop writes them on the event
# loop, saves read them in a worker thread and a REST start or end in a request thread.
_memory: dict[int, _Kept] = {}
_lock = threading.Lock()


def figures_key(session_id: int) -> str:
    return f"{settings.KEY_PREFIX}:sessions:audience:{session_id}"


def save_interval() -> float:
    return SAVE_ROUNDS * settings.SESSIONS_PRESENCE_INTERVAL


# --- counting without Redis (the presence tracker's memory path) -------------------------------


def memory_connected(session_id: int) -> None:
    """A new connection (not a resumption)."""
    with _lock:
        _memory.setdefault(session_id, _Kept()).total += 1


def memory_seen(session_id: int, count: int) -> None:
    """The presence loop's count: the peak rises to it."""
    with _lock:
        kept = _memory.setdefault(session_id, _Kept())
        kept.peak = max(kept.peak, count)


# --- reading, starting, saving ------------------------------------------------------------------


def figures_read(session_id: int) -> Reading | None:
    """What is counted now; None when Redis does not answer (the row's figures then stand)."""
    if not settings.REDIS_URL:
        with _lock:
            kept = _memory.get(session_id) or _Kept()
            return Reading(kept.peak, kept.total, kept.based)
    if not REDIS.up:
        return None
    try:
        peak, total, base = sync_redis().hmget(figures_key(session_id), "peak", "total", "base")
    except Exception:
        logger.warning("audience figures unavailable for session %s", session_id, exc_info=True)
        return None
    return Reading(int(peak or 0), int(total or 0), base is not None)


def figures_combined(stored: Figures, reading: Reading | None) -> Figures:
    """The row's figures raised by a reading: never lower than what is stored."""
    if reading is None:
        return stored
    peak = max(stored.peak, reading.peak)
    if reading.based:
        return Figures(peak, max(stored.total, reading.total))
    return Figures(peak, stored.total + reading.total)


def figures_restart(session_id: int, viewers: int) -> None:
    """The session has just started: ``viewers`` are connected, the first total and peak. After
    commit (a network call); on failure the figures keep what was counted before the start."""
    if not settings.REDIS_URL:
        with _lock:
            _memory[session_id] = _Kept(peak=viewers, total=viewers, based=True)
        return
    try:
        pipe = sync_redis().pipeline(transaction=True)
        pipe.hset(figures_key(session_id), mapping={"peak": viewers, "total": viewers, "base": 1})
        pipe.expire(figures_key(session_id), FIGURES_TTL)
        pipe.execute()
    except Exception:
        logger.warning("audience figures not restarted for session %s", session_id, exc_info=True)


def _seed(session_id: int, stored: Figures) -> Reading | None:
    if not settings.REDIS_URL:
        with _lock:
            kept = _memory.setdefault(session_id, _Kept())
            if not kept.based:
                kept.total += stored.total
                kept.peak = max(kept.peak, stored.peak)
                kept.based = True
            return Reading(kept.peak, kept.total, True)
    client: Any = sync_redis()
    try:
        peak, total = client.register_script(_SEED_SCRIPT)(
            keys=[figures_key(session_id)], args=[stored.peak, stored.total, FIGURES_TTL]
        )
    except Exception:
        logger.warning("audience figures not seeded for session %s", session_id, exc_info=True)
        return None
    return Reading(int(peak or 0), int(total or 0), True)


def figures_store(session_id: int, figures: Figures) -> bool:
    """Raise the live session's row to ``figures`` (one UPDATE; never lower, never once ended)."""
    field: PositiveIntegerField[int, int] = PositiveIntegerField()
    raised = (
        LiveSession.objects.filter(pk=session_id, status=SessionStatus.LIVE)
        .filter(Q(peak_viewers__lt=figures.peak) | Q(total_viewers__lt=figures.total))
        .update(
            peak_viewers=Greatest("peak_viewers", Value(figures.peak), output_field=field),
            total_viewers=Greatest("total_viewers", Value(figures.total), output_field=field),
        )
    )
    if raised:
        versions.changed(session_id=session_id)  # the session's detail shows them
    return bool(raised)


def figures_save(session_id: int) -> bool:
    """Save what is counted now to the row while the session is live (the presence loop, in a
    worker thread). After a loss, the row's figures are first added to the count, once."""
    reading = figures_read(session_id)
    if reading is None:
        return False
    if not reading.based:
        row = (
            LiveSession.objects.filter(pk=session_id, status=SessionStatus.LIVE)
            .values_list("peak_viewers", "total_viewers")
            .first()
        )
        if row is None:  # not live (or gone): nothing is kept
            return False
        reading = _seed(session_id, Figures(*row))
        if reading is None:
            return False
    return figures_store(session_id, Figures(reading.peak, reading.total))
