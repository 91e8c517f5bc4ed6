"""Reads of the live sessions app. ``access_*`` fetch AND authorise; visibility is in the query.

Selectors never import services (the services import them): the sanctions in force and the recent
rate-limit hits are reads, so they live here.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import NotAuthenticated, NotFound, PermissionDenied
from sessions_live import audience
from sessions_live.errors import SessionNotFound, WrongStatus
from sessions_live.models import (
    PUBLIC_QUESTION_STATUSES,
    ChatFlag,
    ChatMessage,
    LiveSession,
    Poll,
    PollStatus,
    Question,
    QuestionStatus,
    SanctionKind,
    SessionEvent,
    SessionSanction,
    SessionStatus,
)
from sessions_live.permissions import can_manage, can_moderate, chat_open, is_signed_in, questions_open
from sessions_live.presence import viewer_count

MAX_EVENTS_PAGE = 500
CHAT_PAGE = 100


def session_list(*, commune: str = "", status: str = "") -> QuerySet[LiveSession]:
    sessions = LiveSession.objects.select_related("commune")
    if commune:
        sessions = sessions.filter(commune__slug=commune)
    if status:
        sessions = sessions.filter(status=status)
    return sessions


def _detail_queryset() -> QuerySet[LiveSession]:
    return LiveSession.objects.select_related("commune").prefetch_related(
        "agenda_items",
        "session_documents__document__commune",
        Prefetch(
            "polls",
            queryset=Poll.objects.filter(status=PollStatus.OPEN).prefetch_related("options"),
            to_attr="open_polls",
        ),
    )


def session_get(session_id: Any, *, detail: bool = False) -> LiveSession:
    if not isinstance(session_id, int):
        raise SessionNotFound()
    queryset = _detail_queryset() if detail else LiveSession.objects.select_related("commune")
    session = queryset.filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound()
    return session


def access_session(
    user: Any, session_id: Any, *, manage: bool = False, moderate: bool = False, detail: bool = False
) -> LiveSession:
    """The session, checking staff (``manage``) or moderator rights: 401 anonymous, 403 others."""
    session = session_get(session_id, detail=detail)
    if manage or moderate:
        if not is_signed_in(user):
            raise NotAuthenticated()
        allowed = can_manage(user, session) if manage else can_moderate(user, session)
        if not allowed:
            raise PermissionDenied(code="forbidden")
    return session


def active_sanctions(user_id: int, session: LiveSession) -> list[SessionSanction]:
    now = timezone.now()
    return list(
        SessionSanction.objects.filter(user_id=user_id, commune_id=session.commune_id, lifted_at__isnull=True)
        .filter(Q(session_id=session.pk) | Q(session__isnull=True))
        .filter(Q(until__isnull=True) | Q(until__gt=now))
    )


def sanction_state(user_id: int, session: LiveSession) -> tuple[datetime.datetime | None, bool]:
    """(muted until, banned) for the user in this session."""
    muted_until: datetime.datetime | None = None
    banned = False
    for sanction in active_sanctions(user_id, session):
        if sanction.kind == SanctionKind.BAN:
            banned = True
        elif sanction.until is not None and (muted_until is None or sanction.until > muted_until):
            muted_until = sanction.until
    return muted_until, banned


RECENT_HITS_KEPT = 50


def recent_hits_key(session_id: int) -> str:
    """The cache key of a session's recent chat rate-limit hits (written by ``services.chat``)."""
    return f"sessions:ratelimit-hits:{session_id}"


def recent_rate_limit_hits(session_id: int) -> list[dict[str, Any]]:
    return list(cache.get(recent_hits_key(session_id)) or [])


def session_me(user: Any, session: LiveSession) -> dict[str, Any]:
    if not is_signed_in(user):
        return {
            "authenticated": False,
            "can_chat": False,
            "can_ask": False,
            "can_moderate": False,
            "can_manage": False,
            "muted_until": None,
            "banned": False,
        }
    muted_until, banned = sanction_state(user.pk, session)
    free = not banned and muted_until is None
    return {
        "authenticated": True,
        "can_chat": chat_open(session) and free,
        "can_ask": questions_open(session) and free,
        "can_moderate": can_moderate(user, session),
        "can_manage": can_manage(user, session),
        "muted_until": muted_until.isoformat() if muted_until else None,
        "banned": banned,
    }


def session_stream_state(session_id: int) -> tuple[int, str]:
    """The session's ``(last_seq, updated_at)`` (``SessionNotFound`` if it is gone), ``updated_at`` as
    text: it only keys the shared snapshot. Plain SQL: a connect storm runs this for every round of
    anonymous viewers, and the ORM's query building cost more than the query."""
    table = LiveSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT last_seq, CAST(updated_at AS TEXT) FROM {table} WHERE id = %s",  # noqa: S608 - our table
            [session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise SessionNotFound()
    return int(row[0]), str(row[1])


def event_frames_between(session_id: int, after: int, upto: int, limit: int) -> list[tuple[int, str]]:
    """``(seq, encoded frame)`` of the logged events in (after, upto], in order, at most ``limit``."""
    rows = SessionEvent.objects.filter(session_id=session_id, seq__gt=after, seq__lte=upto).order_by("seq")
    return [(row.seq, json.dumps(row.frame())) for row in rows[:limit]]


def events_after(session: LiveSession, after: int, limit: int = MAX_EVENTS_PAGE) -> list[SessionEvent]:
    return list(SessionEvent.objects.filter(session=session, seq__gt=after).order_by("seq")[:limit])


def chat_history(
    session: LiveSession, *, before: int | None = None, limit: int = CHAT_PAGE
) -> list[ChatMessage]:
    """Newest ``limit`` visible messages before ``before`` (an id), returned oldest first."""
    messages = ChatMessage.objects.filter(session=session, removed_at__isnull=True).select_related("author")
    if before is not None:
        messages = messages.filter(pk__lt=before)
    return list(reversed(messages.order_by("-id")[:limit]))


def chat_transcript(session: LiveSession) -> QuerySet[ChatMessage]:
    return (
        ChatMessage.objects.filter(session=session, removed_at__isnull=True)
        .select_related("author")
        .order_by("id")
    )


def access_chat_message(session: LiveSession, message_id: int) -> ChatMessage:
    message = (
        ChatMessage.objects.select_related("author", "session", "session__commune")
        .filter(pk=message_id, session=session)
        .first()
    )
    if message is None:
        raise NotFound(_("This message does not exist."))
    return message


def poll_list(session: LiveSession, *, user: Any = None) -> QuerySet[Poll]:
    polls = Poll.objects.filter(session=session).prefetch_related("options").order_by("id")
    if not can_manage(user, session):
        polls = polls.exclude(status=PollStatus.DRAFT)
    return polls


def question_list(
    session: LiveSession, *, user: Any = None, order: str = "votes", status: str = ""
) -> QuerySet[Question]:
    questions = Question.objects.filter(session=session).select_related("author")
    if not can_moderate(user, session):
        questions = questions.filter(status__in=PUBLIC_QUESTION_STATUSES)
    if status:
        questions = questions.filter(status=status)
    return questions.order_by("-vote_count", "id") if order == "votes" else questions.order_by("id")


def session_audience(session: LiveSession, *, viewers: int | None = None) -> audience.Figures | None:
    """Peak and total viewers as staff see them: live, the row's figures raised by what is counted
    now (the row is saved every half minute) and by ``viewers`` connected now; ended, the row's.
    None before the start, and for a session that ended before audiences were counted (nothing
    kept: 0 would say nobody watched)."""
    stored = audience.Figures(session.peak_viewers, session.total_viewers)
    if session.status == SessionStatus.ENDED:
        return stored if stored.total else None
    if session.status != SessionStatus.LIVE:
        return None
    figures = audience.figures_combined(stored, audience.figures_read(session.pk))
    return audience.Figures(max(figures.peak, viewers or 0), figures.total)


def moderation_overview(session: LiveSession) -> dict[str, Any]:
    flagged = (
        ChatMessage.objects.filter(session=session, removed_at__isnull=True, flags__isnull=False)
        .select_related("author")
        .prefetch_related("flags")
        .distinct()
        .order_by("id")
    )
    return {
        "pending_questions": list(
            Question.objects.filter(session=session, status=QuestionStatus.PENDING)
            .select_related("author")
            .order_by("id")
        ),
        "flagged_messages": [
            {
                "message": m,
                "flags": len(m.flags.all()),
                "reasons": [f.reason for f in m.flags.all() if f.reason],
            }
            for m in flagged
        ],
        "rate_limit_hits": recent_rate_limit_hits(session.pk),
        "sanctions": list(SessionSanction.objects.filter(session=session).select_related("user")),
        "viewer_count": viewer_count(session.pk),
    }


def archive(session: LiveSession) -> dict[str, Any]:
    """An ended session's record. Its commitments are the commitments app's
    (``GET /api/v1/commitments/?session=<id>``)."""
    if session.status != SessionStatus.ENDED:
        raise WrongStatus(_("The archive is available once the session has ended."))
    return {
        "session": session,
        "transcript": list(chat_transcript(session)),
        "questions": list(
            Question.objects.filter(session=session, status__in=PUBLIC_QUESTION_STATUSES)
            .select_related("author")
            .order_by("-vote_count", "id")
        ),
        "polls": list(
            Poll.objects.filter(session=session).exclude(status=PollStatus.DRAFT).prefetch_related("options")
        ),
    }


def flag_count(message: ChatMessage) -> int:
    return ChatFlag.objects.filter(message=message).count()


def workspace_sessions(*, commune_id: int, limit: int = 20) -> list[LiveSession]:
    """The commune's scheduled and live sessions, live first then soonest, each annotated with the
    questions waiting for moderation (``pending_count``) and those approved but not answered yet
    (``unanswered_count``): what the staff must act on across sessions (one query)."""
    open_statuses = (SessionStatus.SCHEDULED, SessionStatus.LIVE)
    return list(
        LiveSession.objects.filter(commune_id=commune_id, status__in=open_statuses)
        .annotate(
            pending_count=Count("questions", filter=Q(questions__status=QuestionStatus.PENDING)),
            unanswered_count=Count(
                "questions",
                filter=Q(questions__status__in=(QuestionStatus.APPROVED, QuestionStatus.ANSWERING)),
            ),
        )
        .order_by(
            Case(When(status=SessionStatus.LIVE, then=0), default=1),
            "starts_at",
            "id",
        )[:limit]
    )
