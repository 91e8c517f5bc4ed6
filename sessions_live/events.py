"""The live events of a session: appended to the replay log, then broadcast after commit.

Every public event gets the next ``seq`` of its session under the session's row lock, in the same
transaction as the write it announces, so the log has no gap and its order is the commit order.
Broadcasts go through ``hub.realtime.broadcast.broadcast_on_commit`` (the one delivery path).

Event names and payloads are listed in ``docs/sessions.md``. Moderators' frames and per-user
notices are not sequenced: they are not part of the public record.

The payloads are built here, by plain functions (``poll_data``, ``question_data`` ...): the services
and the consumer call them, and the REST output serializers (``sessions_live.serializers``) reuse
them, so a chat message or a poll has one shape whichever way it arrives. Datetimes are ISO 8601 in
the current time zone, ``Z`` for UTC, as DRF writes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone

from hub.models import User
from hub.realtime.broadcast import broadcast_on_commit
from sessions_live.models import (
    AgendaItem,
    ChatMessage,
    LiveSession,
    Poll,
    Question,
    SessionEvent,
    SessionSanction,
)

# Client-visible, sequenced event names.
SESSION_STATUS = "session.status"
SESSION_UPDATED = "session.updated"
AGENDA_CURRENT = "agenda.current"
AGENDA_ITEM = "agenda.item"
AGENDA_CHANGED = "agenda.changed"  # items edited, removed or reordered: the whole agenda
CHAT_MESSAGE = "chat.message"
CHAT_REMOVED = "chat.removed"
POLL_OPENED = "poll.opened"
POLL_TALLY = "poll.tally"
POLL_CLOSED = "poll.closed"
QUESTION_CREATED = "question.created"
QUESTION_UPDATED = "question.updated"
QUESTION_REMOVED = "question.removed"
# Sent by the commitments app for the commitments of a session (their payload is built there).
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
    session_id: int, name: str, data: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
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


def moderation_send(session_id: int, event: str, data: Mapping[str, Any]) -> None:
    frame = {"type": "moderation", "event": event, "data": data}
    broadcast_on_commit(moderation_group(session_id), {"type": "moderation.frame", "frame": frame})


def session_user_group(user_id: int) -> str:
    """Every session socket of one user (not ``user.<id>``: /ws/me/ has no handler for these)."""
    return f"sessions.user.{user_id}"


def user_state_changed(user_id: int, session_id: int | None) -> None:
    """Tell every open session socket of the user to re-read its rights (a mute, a ban, a lift)."""
    broadcast_on_commit(session_user_group(user_id), {"type": "sessions.rights", "session": session_id})


# --- Payloads ------------------------------------------------------------------------------------


def session_path(session: LiveSession | int) -> str:
    """The public page of a session (named in events, notifications and the API)."""
    pk = session if isinstance(session, int) else session.pk
    return f"/seances/{pk}/"


def datetime_text(value: datetime.datetime | None) -> str | None:
    """ISO 8601 in the current time zone (``Z`` for UTC): what DRF's ``DateTimeField`` writes."""
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date_text(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


class UserRef(TypedDict):
    id: int
    display_name: str


class AgendaItemData(TypedDict):
    id: int
    position: int
    title: str


class AgendaChangedData(TypedDict):
    agenda: list[AgendaItemData]
    current_item: int | None


class SessionStatusData(TypedDict):
    status: str
    started_at: str | None
    ended_at: str | None


class ChatMessageData(TypedDict):
    id: int
    author: UserRef
    text: str
    created_at: str | None


class PollOptionData(TypedDict):
    id: int
    label: str
    position: int
    vote_count: int


class PollData(TypedDict):
    id: int
    session: int
    question: str
    multiple: bool
    status: str
    options: list[PollOptionData]
    total: int
    channels: dict[str, int]
    results: Any
    opened_at: str | None
    closed_at: str | None


class QuestionData(TypedDict):
    id: int
    session: int
    text: str
    anonymous: bool
    author: UserRef | None
    status: str
    answer: str
    vote_count: int
    channel: str
    created_at: str | None
    answered_at: str | None


class SanctionData(TypedDict):
    id: int
    session: int | None
    user: UserRef
    kind: str
    until: str | None
    reason: str
    created_at: str | None
    lifted_at: str | None


class RateLimitHitData(TypedDict):
    user: UserRef
    at: str
    retry_after: int


def user_ref(user: User) -> UserRef:
    return {"id": user.pk, "display_name": user.display_name}


def agenda_item_data(item: AgendaItem) -> AgendaItemData:
    return {"id": item.pk, "position": item.position, "title": item.title}


def agenda_changed_data(items: list[AgendaItem], current_item: int | None) -> AgendaChangedData:
    """``agenda.changed``: the whole agenda in order, and the current item (null if it was removed)."""
    return {"agenda": [agenda_item_data(item) for item in items], "current_item": current_item}


def session_status_data(session: LiveSession) -> SessionStatusData:
    """``session.status``: the times in UTC (``+00:00``), not in local time as the API writes them."""
    return {
        "status": session.status,
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
    }


def chat_message_data(message: ChatMessage) -> ChatMessageData:
    return {
        "id": message.pk,
        "author": user_ref(message.author),
        "text": message.text,
        "created_at": datetime_text(message.created_at),
    }


def ballot_channels(total: int, sms: int) -> dict[str, int]:
    """The ballots of a poll by channel (``ParticipationChannel``), from its two counters."""
    return {"web": max(total - sms, 0), "sms": sms}


def poll_data(poll: Poll) -> PollData:
    """A poll with its options (prefetch ``options`` when building many)."""
    return {
        "id": poll.pk,
        "session": poll.session_id,
        "question": poll.question,
        "multiple": bool(poll.multiple),
        "status": str(poll.status),
        "options": [
            {"id": o.pk, "label": o.label, "position": o.position, "vote_count": o.vote_count}
            for o in poll.options.all()
        ],
        "total": poll.ballot_count,
        "channels": ballot_channels(poll.ballot_count, poll.sms_ballot_count),
        "results": poll.results,
        "opened_at": datetime_text(poll.opened_at),
        "closed_at": datetime_text(poll.closed_at),
    }


def question_data(question: Question, *, reveal_authors: bool = False) -> QuestionData:
    """``author`` is null for an anonymous question, unless ``reveal_authors`` (moderators)."""
    return {
        "id": question.pk,
        "session": question.session_id,
        "text": question.text,
        "anonymous": bool(question.anonymous),
        "author": None if question.anonymous and not reveal_authors else user_ref(question.author),
        "status": str(question.status),
        "answer": question.answer,
        "vote_count": question.vote_count,
        "channel": str(question.channel),
        "created_at": datetime_text(question.created_at),
        "answered_at": datetime_text(question.answered_at),
    }


def sanction_data(sanction: SessionSanction) -> SanctionData:
    return {
        "id": sanction.pk,
        "session": sanction.session_id,
        "user": user_ref(sanction.user),
        "kind": str(sanction.kind),
        "until": datetime_text(sanction.until),
        "reason": sanction.reason,
        "created_at": datetime_text(sanction.created_at),
        "lifted_at": datetime_text(sanction.lifted_at),
    }


def rate_limit_hit_data(user: User, retry_after: int) -> RateLimitHitData:
    return {"user": user_ref(user), "at": timezone.now().isoformat(), "retry_after": retry_after}
