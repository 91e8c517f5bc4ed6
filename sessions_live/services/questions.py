"""Accountability Q&A writes: ask, upvote, withdraw an upvote, pre-moderation, answering."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import NotFound
from hub.limits import is_id
from hub.services.audit import audit_record
from hub.services.outbox import outbox_record
from sessions_live import events
from sessions_live.errors import AlreadyVoted, NotVoted, SessionNotLive, WrongStatus
from sessions_live.events import question_data, session_path
from sessions_live.models import (
    MAX_QUESTION_CHARS,
    PUBLIC_QUESTION_STATUSES,
    LiveSession,
    ParticipationChannel,
    Question,
    QuestionStatus,
    QuestionVote,
    SessionStatus,
)
from sessions_live.permissions import questions_open
from sessions_live.services.common import (
    idempotency_clean,
    invalid,
    require_manager,
    require_moderator,
    require_not_sanctioned,
    require_user,
    text_clean,
)

UPVOTABLE = (QuestionStatus.APPROVED, QuestionStatus.ANSWERING)


def question_get(session_id: int, question_id: Any) -> Question:
    question = (
        Question.objects.select_related("author", "session", "session__commune")
        .filter(pk=question_id, session_id=session_id)
        .first()
        if is_id(question_id)
        else None
    )
    if question is None:
        raise NotFound(_("This question does not exist."))
    return question


def _moderation_pending(question: Question) -> None:
    data = question_data(question, reveal_authors=True)
    events.moderation_send(question.session_id, events.MOD_QUESTION_PENDING, {"question": data})


def question_ask(
    *,
    actor: Any,
    session: LiveSession,
    text: Any,
    anonymous: Any = False,
    idempotency_key: Any = "",
    channel: str = ParticipationChannel.WEB,
) -> tuple[Question, bool]:
    """Ask a question; pending first when the session pre-moderates. Returns ``(question, created)``.

    ``channel`` is set by our own callers (the SMS handler), never from a client's input."""
    user = require_user(actor)
    key = idempotency_clean(idempotency_key)
    if key:
        earlier = Question.objects.select_related("author").filter(author=user, idempotency_key=key).first()
        if earlier is not None:
            return earlier, False
    if not questions_open(session):
        raise SessionNotLive(_("Questions are not being collected for this session."))
    require_not_sanctioned(user, session)
    clean = text_clean(text, field="text", max_length=MAX_QUESTION_CHARS)
    if not isinstance(anonymous, bool):
        raise invalid("anonymous", _("true or false."))
    status = QuestionStatus.PENDING if session.questions_premoderated else QuestionStatus.APPROVED
    try:
        with transaction.atomic():
            question = Question.objects.create(
                session=session,
                author=user,
                text=clean,
                anonymous=anonymous,
                status=status,
                idempotency_key=key,
                channel=channel,
            )
            if status == QuestionStatus.APPROVED:
                events.event_append(
                    session.pk, events.QUESTION_CREATED, {"question": question_data(question)}
                )
            else:
                _moderation_pending(question)
    except IntegrityError:
        earlier = Question.objects.select_related("author").filter(author=user, idempotency_key=key).first()
        if earlier is None:
            raise
        return earlier, False
    return question, True


def _updated(question: Question) -> None:
    events.event_append(question.session_id, events.QUESTION_UPDATED, {"question": question_data(question)})


def question_upvote(*, actor: Any, question: Question) -> Question:
    user = require_user(actor)
    session = question.session
    if session.status == SessionStatus.ENDED:
        raise SessionNotLive(_("This session has ended."))
    if question.status not in UPVOTABLE:
        raise WrongStatus(_("This question cannot be upvoted."))
    require_not_sanctioned(user, session, mute_applies=False)
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=user)
            Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
            question.refresh_from_db(fields=["vote_count"])
            _updated(question)
    except IntegrityError:
        raise AlreadyVoted(_("You have already upvoted this question.")) from None
    return question


def question_unvote(*, actor: Any, question: Question) -> Question:
    user = require_user(actor)
    if question.session.status == SessionStatus.ENDED:
        raise SessionNotLive(_("This session has ended."))
    with transaction.atomic():
        deleted, _rows = QuestionVote.objects.filter(question=question, user=user).delete()
        if not deleted:
            raise NotVoted()
        Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
        question.refresh_from_db(fields=["vote_count"])
        _updated(question)
    return question


def question_moderate(*, actor: Any, question: Question, decision: Any) -> Question:
    """Pre-moderation: approve (it becomes public, ``question.created``) or reject."""
    session = question.session
    user = require_moderator(actor, session)
    if decision not in ("approve", "reject"):
        raise invalid("decision", _("approve or reject."))
    with transaction.atomic():
        locked = Question.objects.select_for_update().select_related("author").get(pk=question.pk)
        was_public = locked.status in PUBLIC_QUESTION_STATUSES
        if decision == "approve":
            if locked.status != QuestionStatus.PENDING and locked.status != QuestionStatus.REJECTED:
                return locked
            locked.status = QuestionStatus.APPROVED
        else:
            if locked.status == QuestionStatus.REJECTED:
                return locked
            locked.status = QuestionStatus.REJECTED
        locked.moderated_by = user
        locked.save(update_fields=["status", "moderated_by"])
        if decision == "approve":
            events.event_append(session.pk, events.QUESTION_CREATED, {"question": question_data(locked)})
        elif was_public:
            events.event_append(session.pk, events.QUESTION_REMOVED, {"id": locked.pk})
        audit_record(actor=user, action=f"session.question_{decision}", obj=locked, commune=session.commune)
    return locked


def question_answer(*, actor: Any, question: Question, status: Any, answer: Any = None) -> Question:
    """Staff mark a question "being answered" or "answered", with an optional written answer."""
    session = question.session
    user = require_manager(actor, session)
    if status not in (QuestionStatus.ANSWERING, QuestionStatus.ANSWERED):
        raise invalid("status", _("answering or answered."))
    if question.status not in PUBLIC_QUESTION_STATUSES:
        raise WrongStatus(_("Approve the question first."))
    clean = None if answer is None else text_clean(answer, field="answer", max_length=4000, required=False)
    with transaction.atomic():
        locked = Question.objects.select_for_update().select_related("author").get(pk=question.pk)
        locked.status = status
        fields = ["status"]
        if clean is not None:
            locked.answer = clean
            fields.append("answer")
        first_answer = status == QuestionStatus.ANSWERED and locked.answered_at is None
        if first_answer:
            locked.answered_at = timezone.now()
            fields.append("answered_at")
        if status == QuestionStatus.ANSWERED:
            locked.answered_by = user
            fields.append("answered_by")
        locked.save(update_fields=fields)
        _updated(locked)
        audit_record(actor=user, action=f"session.question_{status}", obj=locked, commune=session.commune)
        if status == QuestionStatus.ANSWERED:
            _answer_announce(session, locked)
    return locked


def _answer_announce(session: LiveSession, question: Question) -> None:
    """Tell the asker their question was answered (by SMS too when they asked by SMS): once when it
    is answered aloud (no written answer), once when the written answer is there (dedup keys)."""
    outbox_record(
        kind="session.question_answered",
        commune=session.commune,
        obj=question,
        payload={
            "title": session.title,
            "path": session_path(session),
            "question": question.text,
            "answer": question.answer,
            "audience": {
                "user_ids": [question.author_id],
                "sms": question.channel == ParticipationChannel.SMS,
            },
        },
        dedup_key=f"session.question_answered:{question.pk}" + ("" if question.answer else ":aloud"),
    )
