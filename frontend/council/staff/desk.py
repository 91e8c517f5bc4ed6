"""The secretary-general's desk for one council session: the roll call and the quorum, the motion put
to the vote (named votes, or a secret ballot's counts), its close and result, corrections, and the
deliberation an adopted motion becomes.

Server-rendered and complete without JavaScript: every form posts back here with an ``action``,
handled in ``desk_actions``; a refused form comes back with what was sent and the service's reason
next to the member's line or the field. A session that is not a sitting of the council (an
accountability session, a hearing) gets a short explanation instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from council import selectors
from council.counting import Tally, required_for
from council.models import IN_ROOM, CouncilMember, Motion, MotionResult, MotionStatus, MotionVote, Presence
from council.services.motions import DELIBERATION_TYPES
from frontend.council.staff.common import handles_domain_errors, manager_session
from frontend.council.staff.desk_actions import HANDLERS, Posted, desk_url, published_documents, result_text
from frontend.council.staff_forms import (
    VOTE_LABELS,
    CountsCorrectForm,
    CountsForm,
    DeliberationForm,
    MotionOpenForm,
    ServiceForm,
    VoteCorrectForm,
)
from publications.models import Document
from sessions_live.models import LiveSession, SessionStatus


@dataclass
class RollLine:
    """One member's line of the roll call: as recorded, or as sent when the page comes back."""

    member: CouncilMember
    recorded: Any  # Attendance | None
    status: str
    holder: int | None
    errors: list[str]


@dataclass
class VoterLine:
    """A member whose vote may be recorded now (in the room, or represented by ``holder``)."""

    member: CouncilMember
    holder: CouncilMember | None
    choice: str
    errors: list[str]


@dataclass
class MotionPanel:
    motion: Motion
    votes: list[MotionVote]
    counts_recorded: bool
    required: int  # votes for that adopt it, as the votes stand
    reason: str
    counts_form: ServiceForm | None = None
    close_errors: list[str] = field(default_factory=list)
    vote_correct_form: ServiceForm | None = None
    counts_correct_form: ServiceForm | None = None
    deliberation_form: ServiceForm | None = None
    correcting: bool = False  # a correction form came back with errors: show it open


def projector_url(session: LiveSession) -> str:
    try:
        return reverse("frontend:session-projector", args=[session.pk])
    except NoReverseMatch:  # the projector's route comes with the public council pages
        return f"/seances/{session.pk}/projecteur/"


def _counts_recorded(motion: Motion) -> bool:
    return bool(motion.votes_for or motion.votes_against or motion.abstentions or motion.not_voting)


def _panel(motion: Motion, posted: Posted, deliberations: list[Document]) -> MotionPanel:
    votes = list(motion.votes.all())
    tally = Tally(motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting)
    panel = MotionPanel(
        motion=motion,
        votes=votes,
        counts_recorded=_counts_recorded(motion),
        required=required_for(motion.majority_rule, tally, motion.members_in_office),
        reason=result_text(motion),
        close_errors=posted.close_errors.get(motion.pk, []),
    )
    forms = posted.forms
    if motion.status == MotionStatus.OPEN and motion.secret and not panel.counts_recorded:
        panel.counts_form = forms.get(("counts", motion.pk)) or CountsForm(auto_id="id_counts_%s")
    if votes and not motion.secret:
        panel.vote_correct_form = forms.get(("vote_correct", motion.pk)) or VoteCorrectForm(
            votes=votes, auto_id=f"id_vc{motion.pk}_%s"
        )
    if motion.secret and panel.counts_recorded:
        panel.counts_correct_form = forms.get(("counts_correct", motion.pk)) or CountsCorrectForm(
            auto_id=f"id_cc{motion.pk}_%s",
            initial={
                "votes_for": motion.votes_for,
                "votes_against": motion.votes_against,
                "abstentions": motion.abstentions,
                "not_voting": motion.not_voting,
            },
        )
    if motion.status == MotionStatus.CLOSED and motion.result == MotionResult.ADOPTED:
        panel.deliberation_form = forms.get(("deliberation", motion.pk)) or DeliberationForm(
            documents=deliberations,
            auto_id=f"id_del{motion.pk}_%s",
            initial={"deliberation": str(motion.deliberation_id or "")},
        )
    panel.correcting = any(
        (name, motion.pk) in forms for name in ("vote_correct", "counts_correct", "deliberation")
    )
    return panel


def _voters(record: selectors.SessionRecord, motion: Motion, posted: Posted) -> list[VoterLine]:
    """Members whose vote may be recorded and is not yet: in the room, or represented by a member
    in the room (the holder casts it)."""
    voted = {vote.member_id for vote in motion.votes.all()}
    by_id = {member.pk: member for member in record.members}
    in_room = {member_id for member_id, row in record.attendance.items() if row.status in IN_ROOM}
    lines = []
    for member in record.members:
        row = record.attendance.get(member.pk)
        if member.pk in voted or row is None:
            continue
        holder = None
        if row.status == Presence.PROXY and row.proxy_holder_id in in_room:
            holder = by_id.get(row.proxy_holder_id) or row.proxy_holder
        elif row.status not in IN_ROOM:
            continue
        lines.append(
            VoterLine(member, holder, posted.votes.get(member.pk, ""), posted.vote_errors.get(member.pk, []))
        )
    return lines


def _desk_render(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse:
    record = selectors.session_record(session)
    roll = []
    for member in record.members:
        recorded = record.attendance.get(member.pk)
        status, holder = posted.roll.get(
            member.pk, (recorded.status, recorded.proxy_holder_id) if recorded else ("", None)
        )
        roll.append(RollLine(member, recorded, status, holder, posted.roll_errors.get(member.pk, [])))
    documents = published_documents(session)
    deliberations = [d for d in documents if d.type in DELIBERATION_TYPES]
    open_motion = next((m for m in record.motions if m.status == MotionStatus.OPEN), None)
    open_form = posted.open_form
    if open_form is None and open_motion is None:
        open_form = MotionOpenForm(
            documents=documents,
            agenda=list(session.agenda_items.all()),
            initial={
                "agenda_item": str(session.current_item_id or ""),
                "majority_rule": selectors.rules_for(session.commune).majority_rule,
            },
        )
    panels = [_panel(motion, posted, deliberations) for motion in record.motions]
    context = {
        "session": session,
        "record": record,
        "quorum": record.quorum,
        "roll": roll,
        "presence_choices": Presence.choices,
        "vote_choices": list(VOTE_LABELS.items()),
        "open_motion": open_motion,
        "open_panel": next((p for p in panels if p.motion.status == MotionStatus.OPEN), None),
        "voters": _voters(record, open_motion, posted) if open_motion and not open_motion.secret else [],
        "open_form": open_form,
        "panels": panels,
        "posted": posted,
        "roll_open": session.status != SessionStatus.ENDED,
        "can_open": session.status == SessionStatus.LIVE,
        "projector_url": projector_url(session),
    }
    return render(request, "frontend/council/desk.html", context, status=posted.status)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def session_desk(request: HttpRequest, pk: int) -> HttpResponse:
    found = manager_session(request, pk)
    if isinstance(found, HttpResponse):
        return found
    session = found
    if not selectors.is_council_session(session):
        status = 409 if request.method == "POST" else 200
        return render(request, "frontend/council/desk_not_council.html", {"session": session}, status=status)
    posted = Posted()
    if request.method == "POST":
        handler = HANDLERS.get(request.POST.get("action", ""))
        if handler is None:
            messages.error(request, _("This form is not known. Reload the page and try again."))
            return redirect(desk_url(session))
        done = handler(request, session, posted)
        if done is not None:
            return done
    return _desk_render(request, session, posted)
