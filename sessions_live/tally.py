"""Coalesced live tallies: at most one ``poll.tally`` per poll every ``SESSIONS_TALLY_INTERVAL`` seconds,
however many votes arrive and on however many server processes.

After votes commit, ``tally_claim`` tries ``cache.add`` on the poll's "flush pending" key
(Redis when several processes run). Only the process that wins schedules a flush
``SESSIONS_TALLY_INTERVAL`` seconds later: on its event loop (the vote batches of ``sessions_live.votebatch``:
one cheap task, then ``tally_flush_logged`` in the batcher's thread, whose broadcast runs on
that same loop), or in a timer thread (``tally_schedule``: REST, the
demo, any synchronous caller). The flush *first* deletes the key, *then*
reads the counts under the session's row lock: a vote that committed before the delete is in the
counts read after it; a vote that commits after the delete finds no key and schedules the next
flush. So the tally after the last vote is always sent, unless the flushing process dies in those
few hundred milliseconds (the key then expires after ``PENDING_TTL``; ``poll.closed`` always
carries the exact results).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection

from sessions_live import events
from sessions_live.models import Poll, PollOption, PollStatus, SessionEvent

logger = logging.getLogger(__name__)

PENDING_TTL = 5


def _pending_key(poll_id: int) -> str:
    return f"sessions:tally-pending:{poll_id}"


def tally_data(poll_id: int) -> dict[str, Any]:
    counts = dict(PollOption.objects.filter(poll_id=poll_id).values_list("id", "vote_count"))
    total, sms = Poll.objects.filter(pk=poll_id).values_list("ballot_count", "sms_ballot_count").first() or (
        0,
        0,
    )
    return {
        "poll": poll_id,
        "counts": {str(k): v for k, v in counts.items()},
        "total": total,
        "channels": events.ballot_channels(total, sms),
    }


def tally_flush(poll_id: int) -> SessionEvent | None:
    """Append the poll's current tally to the log (and broadcast it), if the poll is still open."""
    cache.delete(_pending_key(poll_id))
    poll = Poll.objects.filter(pk=poll_id).values("session_id", "status").first()
    if poll is None or poll["status"] != PollStatus.OPEN:
        return None  # poll.closed carries the exact results
    return events.event_append(poll["session_id"], events.POLL_TALLY, lambda: tally_data(poll_id))


def tally_flush_logged(poll_id: int) -> None:
    try:
        tally_flush(poll_id)
    except Exception:
        logger.exception("tally flush of poll %s failed", poll_id)


def _flush_in_thread(poll_id: int) -> None:
    try:
        close_old_connections()
        tally_flush_logged(poll_id)
    finally:
        connection.close()


def tally_claim(poll_id: int) -> bool:
    """After votes commit: True when the caller must flush this poll's tally in ``SESSIONS_TALLY_INTERVAL``
    (no flush is pending in any process), False when a pending flush will include these votes."""
    try:
        return bool(cache.add(_pending_key(poll_id), 1, PENDING_TTL))
    except Exception:  # no cache: send at once rather than never
        logger.exception("tally pending flag unavailable for poll %s", poll_id)
        return True


def tally_schedule(poll_id: int, session_id: int) -> None:
    """Called after a vote commits: make sure a tally including it goes out soon (timer thread)."""
    if tally_claim(poll_id):
        timer = threading.Timer(settings.SESSIONS_TALLY_INTERVAL, _flush_in_thread, args=(poll_id,))
        timer.daemon = True
        timer.start()
