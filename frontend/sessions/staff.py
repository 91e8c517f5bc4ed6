"""The staff console (agenda, polls, answering, commitments) and the moderator console (pending
questions, chat, flags, rate-limit hits, sanctions) of a session. Both are server-rendered, then
act through the REST API and follow the session live over its websocket."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from commitments.models import CommitmentStatus
from frontend.sessions.common import forbidden, handles_domain_errors, session_get
from frontend.sessions.data import page_state
from sessions_live.models import QuestionStatus, SessionStatus
from sessions_live.permissions import can_manage, can_moderate
from sessions_live.presence import viewer_count
from sessions_live.selectors import moderation_overview

ANSWERABLE = (QuestionStatus.APPROVED, QuestionStatus.ANSWERING, QuestionStatus.ANSWERED)


def sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('frontend:login')}?{urlencode({'next': request.path})}")


@require_GET
@handles_domain_errors
def console(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get(pk)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, session):
        return forbidden(request, session)
    state = page_state(session, request.user, order="votes", staff_view=True)
    context = {
        "session": session,
        "state": state,
        "console": True,
        "last_seq": state.last_seq,
        "agenda": state.agenda,
        "current_item_id": session.current_item_id,
        "polls": state.polls,
        "questions": [q for q in state.questions if q.status in ANSWERABLE],
        "answered_questions": [q for q in state.questions if q.status == QuestionStatus.ANSWERED],
        "commitments": state.commitments,
        "commitment_statuses": CommitmentStatus.choices,
        "viewer_count": viewer_count(session.pk),
        # After the end the services refuse the agenda, polls and most settings: no control for them.
        "session_ended": session.status == SessionStatus.ENDED,
    }
    return render(request, "frontend/sessions/console.html", context)


@require_GET
@handles_domain_errors
def moderation(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get(pk)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_moderate(request.user, session):
        return forbidden(request, session, moderation=True)
    state = page_state(session, request.user, order="time", staff_view=True)
    overview = moderation_overview(session)
    pending = overview["pending_questions"]
    for question in pending:
        question.author_name = question.author.display_name
    context = {
        "session": session,
        "last_seq": state.last_seq,
        "chat_messages": state.messages,
        "pending_questions": pending,
        "flagged": overview["flagged_messages"],
        "rate_limit_hits": overview["rate_limit_hits"],
        "sanctions": [s for s in overview["sanctions"] if s.lifted_at is None],
        "viewer_count": overview["viewer_count"],
    }
    return render(request, "frontend/sessions/moderation.html", context)
