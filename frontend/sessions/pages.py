"""Session pages citizens read: the list (live now, upcoming, archived), the live page, and the
archive an ended session's page becomes. Everything is in the first paint; JavaScript only keeps
the live page current and sends the citizen's actions."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commitments.models import CommitmentStatus
from commitments.selectors import session_commitments
from council.selectors import session_record
from frontend.council.data import council_panel
from frontend.sessions.common import (
    handles_domain_errors,
    schedulable_communes,
    session_get,
    with_staff_rights,
)
from frontend.sessions.data import (
    page_state,
    polls_for,
    question_order,
    questions_for,
    session_documents,
    sessions_by_state,
)
from hub.models import Commune
from hub.selectors import commune_get
from sessions_live.models import LiveSession, SessionStatus
from sessions_live.permissions import can_manage, can_moderate
from sessions_live.presence import viewer_count
from sessions_live.selectors import chat_transcript, session_audience

ARCHIVE_PAGE_SIZE = 20
TRANSCRIPT_PAGE_SIZE = 500


@require_GET
@handles_domain_errors
def session_list(request: HttpRequest, slug: str = "") -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user) if slug else None
    chosen = slug or request.GET.get("commune", "").strip()[:100]
    groups = sessions_by_state(chosen)
    archived = Paginator(groups["archived"], ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    archived.object_list = with_staff_rights(request.user, archived.object_list)
    schedulable = schedulable_communes(request.user)
    context = {
        "commune": commune,
        "chosen": chosen,
        "communes": Commune.objects.filter(live_sessions__isnull=False).distinct().order_by("name"),
        "live": with_staff_rights(request.user, groups["live"][:20]),
        "upcoming": with_staff_rights(request.user, groups["upcoming"][:50]),
        "archived": archived,
        # Staff are offered to schedule a session where they may (here: this commune only).
        "schedulable": [c for c in schedulable if commune is None or c.pk == commune.pk],
    }
    return render(request, "frontend/sessions/list.html", context)


@require_GET
@handles_domain_errors
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get(pk)
    if session.status == SessionStatus.ENDED:
        return archive(request, session)
    order = question_order(request.GET.get("ordre"))
    state = page_state(session, request.user, order=order)
    # Only what this person may do is offered (the services' own rules: ``sessions_live.selectors.
    # session_me``): a poll vote or a support is refused to a ban, chat and questions to a mute too.
    # Anonymous viewers get a link to sign in where a control would be.
    signed_in = request.user.is_authenticated
    can_vote = signed_in and not state.banned
    polls = state.polls
    if not can_vote:
        for poll in polls:
            if poll["status"] == "open":
                poll["status_label"] = _("Open")
    context = {
        "session": session,
        "state": state,
        "me": {"banned": state.banned, "muted_until": state.muted_until},
        "last_seq": state.last_seq,
        "agenda": state.agenda,
        "current_item_id": session.current_item_id,
        "current_item": next((item for item in state.agenda if item.pk == session.current_item_id), None),
        "documents": session_documents(session),
        "chat_messages": state.messages,
        "questions": state.questions,
        "polls": polls,
        "commitments": state.commitments,
        "commitment_status_labels": json.dumps(
            {value: str(label) for value, label in CommitmentStatus.choices}
        ),
        "order": order,
        "can_ask": state.can_ask,
        "can_chat": state.can_chat,
        "can_vote": can_vote,
        "can_flag": signed_in,
        "signin_url": "" if signed_in else f"{reverse('frontend:login')}?{urlencode({'next': request.path})}",
        "viewer_count": viewer_count(session.pk),
        "stream_embed_url": session.stream_url,
        "can_manage": state.can_manage,
        "can_moderate": state.can_moderate,
        # Read after ``last_seq``: the council's events replace what they concern, so a replay converges.
        "council": council_panel(session_record(session)),
    }
    # The embeds (YouTube / Facebook frames, https sound) are allowed by the site's policy (hub.security).
    return render(request, "frontend/sessions/live.html", context)


def archive(request: HttpRequest, session: LiveSession) -> HttpResponse:
    """An ended session: its record, server-rendered and complete without JavaScript."""
    order = question_order(request.GET.get("ordre"))
    context = {
        "session": session,
        "agenda": list(session.agenda_items.all()),
        "current_item_id": None,
        "transcript": Paginator(chat_transcript(session), TRANSCRIPT_PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "questions": [q for q in questions_for(session, None, order=order) if q.status != "pending"],
        "polls": [poll for poll in polls_for(session, None) if poll["status"] == "closed"],
        # The commitments app's (this page may read any app; the sessions app does not know it).
        "commitments": session_commitments(session.pk),
        "documents": session_documents(session),
        "viewer_count": 0,
        # Peak and total viewers, kept at the end (none for sessions ended before they were counted).
        "audience": session_audience(session),
        "can_manage": can_manage(request.user, session),
        "can_moderate": can_moderate(request.user, session),
        "council": council_panel(session_record(session)),
    }
    return render(request, "frontend/sessions/archive.html", context)
