"""The live events of a session: appended to the replay log, then broadcast after commit.

Every public event gets the next ``seq`` of its session under the session's row lock, in the same
transaction as the write it announces, so the log has no gap and its order is the commit order.
Broadcasts go through ``hub.realtime.broadcast.broadcast_on_commit`` (the one delivery path).

Event names and payloads are listed in ``docs/sessions.md``. Moderators' frames and per-user
notices are not sequenced: they are not part of the public record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from django.db import transaction

from hub.realtime.broadcast import broadcast_on_commit
from sessions_live.models import LiveSession, SessionEvent

# Client-visible, sequenced event names.
SESSION_STATUS = "session.status"
SESSION_UPDATED = "session.updated"
AGENDA_CURRENT = "agenda.current"
AGENDA_ITEM = "agenda.item"
CHAT_MESSAGE = "chat.message"
CHAT_REMOVED = "chat.removed"
POLL_OPENED = "poll.opened"
POLL_TALLY = "poll.tally"
POLL_CLOSED = "poll.closed"
QUESTION_CREATED = "question.created"
QUESTION_UPDATED = "question.updated"
QUESTION_REMOVED = "question.removed"
COMMITMENT_CREATED = "commitment.created"
COMMITMENT_UPDATED = "commitment.updated"

# Moderators' console frames (unsequenced).
MOD_QUESTION_PENDING = "question.pending"
MOD_CHAT_FLAGGED = "chat.flagged"
MOD_RATELIMIT_HIT = "ratelimit.hit"
MOD_SANCTION_CHANGED = "sanction.changed"


class EventFrame(TypedDict):
    type: str
    event: str
    seq: int
    id: str
    data: dict[str, Any]


def session_group(session_id: int) -> str:
    return f"session.{session_id}"


def moderation_group(session_id: int) -> str:
    return f"session.{session_id}.moderation"


def event_append(
    session_id: int, name: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
) -> SessionEvent:
    """Append one event to the log and broadcast it after commit.

    ``data`` may be a callable, evaluated *after* the row lock is taken: a payload read under the
    lock (a poll's tally) can never be older than the payload of an earlier ``seq``.
    """
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().only("id", "last_seq").get(pk=session_id)
        seq = session.last_seq + 1
        LiveSession.objects.filter(pk=session_id).update(last_seq=seq)
        payload = data() if callable(data) else data
        event = SessionEvent.objects.create(session_id=session_id, seq=seq, name=name, data=payload)
        broadcast_on_commit(session_group(session_id), {"type": "live.event", "frame": event.frame()})
    return event


def moderation_send(session_id: int, event: str, data: dict[str, Any]) -> None:
    frame = {"type": "moderation", "event": event, "data": data}
    broadcast_on_commit(moderation_group(session_id), {"type": "moderation.frame", "frame": frame})


def session_user_group(user_id: int) -> str:
    """Every session socket of one user (not ``user.<id>``: /ws/me/ has no handler for these)."""
    return f"sessions.user.{user_id}"


def user_state_changed(user_id: int, session_id: int | None) -> None:
    """Tell every open session socket of the user to re-read its rights (a mute, a ban, a lift)."""
    broadcast_on_commit(session_user_group(user_id), {"type": "sessions.rights", "session": session_id})
