"""The staff console (agenda, polls, answering, commitments) and the moderator console (pending
questions, chat, flags, rate-limit hits, sanctions) of a session. Both are server-rendered, then
act through the REST API and follow the session live over its websocket."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commitments.models import CommitmentStatus
from frontend.refusals import sign_in_first
from frontend.sessions.common import forbidden, handles_domain_errors, session_get
from frontend.sessions.data import page_state
from hub.models import Membership, User
from sessions_live.models import LiveSession, Question, QuestionStatus, SessionStatus
from sessions_live.permissions import can_manage, can_moderate
from sessions_live.presence import viewer_count
from sessions_live.selectors import moderation_overview, session_audience
from sessions_live.services.polls import MAX_OPTIONS

ANSWERABLE = (QuestionStatus.APPROVED, QuestionStatus.ANSWERING, QuestionStatus.ANSWERED)


def sanction_proof_ids(session: LiveSession) -> set[int]:
    """Authors the moderation console offers no Mute or Ban for: the commune's staff (any role) and
    the platform's administrators. The services refuse to sanction moderators; the other staff are
    the commune's own people, dealt with outside the chat. The chat payload carries no role, so the
    page gets this list once and the script checks live messages against it."""
    staff = Membership.objects.filter(commune_id=session.commune_id).values_list("user_id", flat=True)
    admins = User.objects.filter(is_active=True, is_superuser=True).values_list("pk", flat=True)
    return set(staff) | set(admins)


@require_GET
@handles_domain_errors
def console(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get(pk)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, session):
        return forbidden(request, session)
    state = page_state(session, request.user, order="votes", staff_view=True)
    viewers = viewer_count(session.pk)
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
        "viewer_count": viewers,
        "audience": session_audience(session, viewers=viewers),
        "chat_messages": state.messages,
        "poll_max_options": MAX_OPTIONS,
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
    # Rendered as the script renders a `question.pending` frame: author revealed, status named.
    status_labels = dict(Question._meta.get_field("status").choices or [])
    for question in pending:
        question.author_name = question.author.display_name
        question.status_label = status_labels.get(question.status, question.status)
    context = {
        "session": session,
        "last_seq": state.last_seq,
        "chat_messages": state.messages,
        "pending_questions": pending,
        "flagged": overview["flagged_messages"],
        "rate_limit_hits": overview["rate_limit_hits"],
        "sanctions": [s for s in overview["sanctions"] if s.lifted_at is None],
        "viewer_count": overview["viewer_count"],
        "audience": session_audience(session, viewers=overview["viewer_count"]),
        "staff_ids": sanction_proof_ids(session),
    }
    return render(request, "frontend/sessions/moderation.html", context)
