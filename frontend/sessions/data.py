"""What the session pages show, read once per request: the first paint of the live page, the
archive, and the consoles. Plain dicts and model rows for the templates; the live updates that
follow use the shapes built by ``sessions_live.events``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from commitments.models import Commitment
from commitments.selectors import session_commitments
from sessions_live.events import ballot_channels
from sessions_live.models import (
    PUBLIC_QUESTION_STATUSES,
    ChatMessage,
    LiveSession,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionVote,
    SessionDocument,
    SessionStatus,
)
from sessions_live.permissions import can_manage, can_moderate, is_signed_in
from sessions_live.selectors import session_me

CHAT_FIRST_PAINT = 50


def poll_status_labels() -> dict[str, str]:
    """The same words as the live page's script uses when a poll changes state."""
    return {
        "draft": _("Draft (not open yet)"),
        "open": _("Open: you can vote"),
        "closed": _("Closed: final results"),
    }


@dataclass
class PageState:
    session: LiveSession
    last_seq: int
    agenda: list[Any]
    messages: list[ChatMessage]
    questions: list[Question]
    polls: list[dict[str, Any]]
    commitments: list[Commitment] = field(default_factory=list)
    can_manage: bool = False
    can_moderate: bool = False
    can_ask: bool = False
    can_chat: bool = False
    banned: bool = False
    muted_until: str | None = None


def question_order(value: str | None) -> str:
    return "time" if value in ("recent", "time") else "votes"


def questions_for(session: LiveSession, user: Any, *, order: str, everything: bool = False) -> list[Question]:
    rows: QuerySet[Question] = Question.objects.filter(session=session).select_related("author")
    if not everything:
        visible = Q(status__in=PUBLIC_QUESTION_STATUSES)
        if is_signed_in(user):
            visible |= Q(author_id=user.pk, status="pending")  # the asker sees their question wait
        rows = rows.filter(visible)
    rows = rows.order_by("-vote_count", "id") if order == "votes" else rows.order_by("-created_at", "-id")
    questions = list(rows)
    voted: set[int] = set()
    if is_signed_in(user):
        voted = set(
            QuestionVote.objects.filter(question__session=session, user_id=user.pk).values_list(
                "question_id", flat=True
            )
        )
    labels = dict(Question._meta.get_field("status").choices or [])
    for question in questions:
        question.voted = question.pk in voted  # type: ignore[attr-defined]
        question.status_label = labels.get(question.status, question.status)  # type: ignore[attr-defined]
        # An anonymous asker stays anonymous on every page, the staff console included (read aloud,
        # projected); only the moderation console names them, to act on abuse.
        shown = not question.anonymous
        question.author_name = question.author.display_name if shown else ""  # type: ignore[attr-defined]
    return questions


def polls_for(session: LiveSession, user: Any, *, drafts: bool = False) -> list[dict[str, Any]]:
    rows = Poll.objects.filter(session=session).prefetch_related(
        Prefetch("options", queryset=PollOption.objects.order_by("position", "id"))
    )
    if not drafts:
        rows = rows.exclude(status="draft")
    mine: dict[int, set[int]] = {}
    if is_signed_in(user):
        for poll_id, option_id in PollVote.objects.filter(poll__session=session, user_id=user.pk).values_list(
            "poll_id", "option_id"
        ):
            mine.setdefault(poll_id, set()).add(option_id)
    status_labels = poll_status_labels()
    polls = []
    for poll in rows.order_by("-id"):
        total = poll.ballot_count
        chosen = mine.get(poll.pk, set())
        options = [
            {
                "id": option.pk,
                "label": option.label,
                "count": option.vote_count,
                "percent": f"{round(100 * option.vote_count / total) if total else 0} %",
                "mine": option.pk in chosen,
            }
            for option in poll.options.all()
        ]
        polls.append(
            {
                "id": poll.pk,
                "question": poll.question,
                "multiple": poll.multiple,
                "status": poll.status,
                "status_label": status_labels.get(poll.status, poll.status),
                "total": total,
                "channels": ballot_channels(total, poll.sms_ballot_count),
                "bar_max": max(total, 1),
                "options": options,
                "voted": bool(chosen),
            }
        )
    return polls


def page_state(
    session: LiveSession, user: Any, *, order: str = "votes", staff_view: bool = False
) -> PageState:
    # The sequence number first: whatever the rows below already include is replayed harmlessly
    # (the page applies events by id), and nothing committed after it can be missed.
    last_seq = LiveSession.objects.filter(pk=session.pk).values_list("last_seq", flat=True).get()
    messages = list(
        ChatMessage.objects.filter(session=session, removed_at__isnull=True)
        .select_related("author")
        .order_by("-id")[:CHAT_FIRST_PAINT]
    )
    messages.reverse()
    manage = can_manage(user, session)
    moderate = can_moderate(user, session)
    me = session_me(user, session)  # the same rights as the live connection's hello
    return PageState(
        session=session,
        last_seq=last_seq,
        agenda=list(session.agenda_items.all()),
        messages=messages,
        questions=questions_for(session, user, order=order, everything=staff_view and (manage or moderate)),
        polls=polls_for(session, user, drafts=staff_view and manage),
        commitments=session_commitments(session.pk),
        can_manage=manage,
        can_moderate=moderate,
        can_ask=me["can_ask"],
        can_chat=me["can_chat"],
        banned=me["banned"],
        muted_until=me["muted_until"],
    )


def session_documents(session: LiveSession) -> list[SessionDocument]:
    """The documents linked to the session, in their order, for the session's page before, during
    and after it. No query of its own: ``session_get`` (``selectors.session_get(detail=True)``)
    prefetches them with their document and its commune (for the document's address), as the API's
    detail does."""
    return list(session.session_documents.all())


def sessions_by_state(commune_slug: str = "") -> dict[str, QuerySet[LiveSession]]:
    rows = LiveSession.objects.select_related("commune")
    if commune_slug:
        rows = rows.filter(commune__slug=commune_slug)
    return {
        "live": rows.filter(status=SessionStatus.LIVE).order_by("-started_at", "-id"),
        "upcoming": rows.filter(status=SessionStatus.SCHEDULED).order_by("starts_at", "id"),
        "archived": rows.filter(status=SessionStatus.ENDED).order_by("-starts_at", "-id"),
    }
