"""The secretary-general's desk for one council session: the roll call and the quorum, the motion put
to the vote (named votes, or a secret ballot's counts), its close and result, corrections, and the
deliberation an adopted motion becomes.

Server-rendered and complete without JavaScript: every form posts back here with an ``action``,
handled in ``desk_actions``; a refused form comes back with what was sent and the service's reason
next to the member's line or the field. A refused form the page no longer shows (a motion opened
while another vote is open, counts sent after the close...) has its reasons in an error summary at
the top of the section it was sent from: no refusal goes unseen. A session that is not a sitting of
the council (an accountability session, a hearing) gets a short explanation instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from council import selectors
from council.models import IN_ROOM, CouncilMember, Motion, MotionResult, MotionStatus, MotionVote, Presence
from council.services.motions import DELIBERATION_TYPES
from frontend.council.staff.common import handles_domain_errors, manager_session
from frontend.council.staff.desk_actions import (
    HANDLERS,
    Posted,
    desk_url,
    published_documents,
    required_votes,
    result_text,
)
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
class Refusal:
    """A refused form the page does not show (any more): what was refused and why."""

    heading: str
    messages: list[str]


# What a refused form was for, said above its reasons when the form itself is not shown.
REFUSED = {
    "motion_open": gettext_lazy("The motion is not put to the vote:"),
    "counts": gettext_lazy("The counts are not recorded:"),
    "vote_correct": gettext_lazy("The vote is not corrected:"),
    "counts_correct": gettext_lazy("The counts are not corrected:"),
    "deliberation": gettext_lazy("The link to the deliberation is not saved:"),
}


def _refusal_summary(name: str, form: ServiceForm) -> Refusal:
    reasons = [str(error) for error in form.errors.get(NON_FIELD_ERRORS, [])]
    for field_name, errors in form.errors.items():
        if field_name != NON_FIELD_ERRORS:
            label = form.fields[field_name].label if field_name in form.fields else field_name
            reasons += [_("%(label)s: %(error)s") % {"label": label, "error": error} for error in errors]
    return Refusal(str(REFUSED[name]), reasons)


@dataclass
class MotionPanel:
    motion: Motion
    votes: list[MotionVote]
    counts_recorded: bool
    required: int  # votes for that adopt it, as the votes stand
    reason: str
    # Members present or represented without a recorded vote (a secret ballot: without a ballot
    # counted), while the vote is open: said before it is closed.
    missing: int = 0
    counts_form: ServiceForm | None = None
    close_errors: list[str] = field(default_factory=list)
    vote_correct_form: ServiceForm | None = None
    counts_correct_form: ServiceForm | None = None
    deliberation_form: ServiceForm | None = None
    correcting: bool = False  # a correction form came back with errors: show it open
    refusals: list[Refusal] = field(default_factory=list)  # refused forms about it the page does not show


def projector_url(session: LiveSession) -> str:
    try:
        return reverse("frontend:session-projector", args=[session.pk])
    except NoReverseMatch:  # the projector's route comes with the public council pages
        return f"/seances/{session.pk}/projecteur/"


def _counts_recorded(motion: Motion) -> bool:
    return bool(motion.votes_for or motion.votes_against or motion.abstentions or motion.not_voting)


def _panel(
    motion: Motion, pending: dict[tuple[str, int], ServiceForm], deliberations: list[Document], posted: Posted
) -> MotionPanel:
    """A motion's part of the page; the refused forms about it that it shows are taken off
    ``pending``."""
    votes = list(motion.votes.all())
    panel = MotionPanel(
        motion=motion,
        votes=votes,
        counts_recorded=_counts_recorded(motion),
        required=required_votes(motion),
        reason=result_text(motion),
        close_errors=posted.close_errors.get(motion.pk, []),
    )
    if motion.status == MotionStatus.OPEN and motion.secret and not panel.counts_recorded:
        panel.counts_form = pending.pop(("counts", motion.pk), None) or CountsForm(auto_id="id_counts_%s")
    if votes and not motion.secret:
        panel.vote_correct_form = pending.pop(("vote_correct", motion.pk), None) or VoteCorrectForm(
            votes=votes, auto_id=f"id_vc{motion.pk}_%s"
        )
        panel.correcting = panel.vote_correct_form.is_bound
    if motion.secret and panel.counts_recorded:
        panel.counts_correct_form = pending.pop(("counts_correct", motion.pk), None) or CountsCorrectForm(
            auto_id=f"id_cc{motion.pk}_%s",
            initial={
                "votes_for": motion.votes_for,
                "votes_against": motion.votes_against,
                "abstentions": motion.abstentions,
                "not_voting": motion.not_voting,
            },
        )
        panel.correcting = panel.counts_correct_form.is_bound
    if motion.status == MotionStatus.CLOSED and motion.result == MotionResult.ADOPTED:
        panel.deliberation_form = pending.pop(("deliberation", motion.pk), None) or DeliberationForm(
            documents=deliberations,
            auto_id=f"id_del{motion.pk}_%s",
            initial={"deliberation": str(motion.deliberation_id or "")},
        )
    return panel


def _may_vote(record: selectors.SessionRecord) -> dict[int, int | None]:
    """Who may have a vote recorded now: member id -> the holder casting it (None: in the room)."""
    in_room = {member_id for member_id, row in record.attendance.items() if row.status in IN_ROOM}
    voters: dict[int, int | None] = dict.fromkeys(in_room)
    for member_id, row in record.attendance.items():
        if row.status == Presence.PROXY and row.proxy_holder_id in in_room:
            voters[member_id] = row.proxy_holder_id
    return voters


def _voters(
    record: selectors.SessionRecord, may_vote: dict[int, int | None], panel: MotionPanel, posted: Posted
) -> list[VoterLine]:
    """Members whose vote may be recorded and is not yet: in the room, or represented by a member
    in the room (the holder casts it)."""
    voted = {vote.member_id for vote in panel.votes}
    by_id = {member.pk: member for member in record.members}
    return [
        VoterLine(
            member,
            by_id.get(may_vote[member.pk] or 0),
            posted.votes.get(member.pk, ""),
            posted.vote_errors.get(member.pk, []),
        )
        for member in record.members
        if member.pk in may_vote and member.pk not in voted
    ]


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
    can_open = session.status == SessionStatus.LIVE
    open_form = posted.open_form
    vote_refusals = []
    if open_form is not None and (open_motion is not None or not can_open):
        vote_refusals.append(_refusal_summary("motion_open", open_form))
    if open_form is None and open_motion is None:
        open_form = MotionOpenForm(
            documents=documents,
            agenda=list(session.agenda_items.all()),
            initial={
                "agenda_item": str(session.current_item_id or ""),
                "majority_rule": selectors.rules_for(session.commune).majority_rule,
            },
        )
    pending = dict(posted.forms)
    panels = [_panel(motion, pending, deliberations, posted) for motion in record.motions]
    by_motion = {panel.motion.pk: panel for panel in panels}
    # Refused forms the page does not show: their reasons at the top of the section they came from.
    for (name, motion_id), form in pending.items():
        if name == "counts":
            vote_refusals.append(_refusal_summary(name, form))
        elif motion_id in by_motion:
            by_motion[motion_id].refusals.append(_refusal_summary(name, form))
    open_panel = by_motion.get(open_motion.pk) if open_motion else None
    may_vote = _may_vote(record)
    voters: list[VoterLine] = []
    if open_panel is not None:
        if open_panel.motion.secret:
            counted = open_panel.motion.votes_for + open_panel.motion.votes_against
            counted += open_panel.motion.abstentions + open_panel.motion.not_voting
            open_panel.missing = max(len(may_vote) - counted, 0) if open_panel.counts_recorded else 0
        else:
            voters = _voters(record, may_vote, open_panel, posted)
            open_panel.missing = len(voters)
    context = {
        "session": session,
        "record": record,
        "quorum": record.quorum,
        "roll": roll,
        "uncalled": sum(1 for line in roll if line.recorded is None),
        "presence_choices": Presence.choices,
        "vote_choices": list(VOTE_LABELS.items()),
        "open_motion": open_motion,
        "open_panel": open_panel,
        "voters": voters,
        "open_form": open_form,
        "vote_refusals": vote_refusals,
        "panels": panels,
        "posted": posted,
        "roll_open": session.status != SessionStatus.ENDED,
        "can_open": can_open,
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
