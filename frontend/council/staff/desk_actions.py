"""The forms of a council session's desk (``frontend.council.staff.desk``), one handler per
``action``: each calls one council service and answers a redirect when it is done (POST, then GET,
with a message), or None after noting in ``Posted`` what was sent and why it was refused, for the
desk to show again next to the member's line or the field.

The roll call and the named votes are read from the request as sent (``status_<id>``,
``holder_<id>``, ``choice_<id>``), every line, so the services judge them all, those of members the
page did not list included; the roll call sends only the lines that changed. Each has a shortcut
that works without JavaScript: the roll call's second button (``shortcut``) also marks present
every member not called yet; the votes' ``default_choice`` is recorded for the members the form
listed (``listed``) and left without a choice, and only for them. A form about a motion names it
(``motion``): a vote posted after the close is refused in the service's words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from council import selectors, services
from council.counting import Tally, required_for
from council.models import Motion, MotionStatus, Presence, VoteChoice
from council.services.motions import DELIBERATION_TYPES
from frontend.council.data import result_reason
from frontend.council.staff_forms import (
    CountsCorrectForm,
    CountsForm,
    DeliberationForm,
    MotionOpenForm,
    ServiceForm,
    VoteCorrectForm,
)
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.selectors import signed_in
from publications.models import Document
from sessions_live.models import LiveSession

MAX_DOCUMENTS = 200
STATUS_KEY = re.compile(r"^status_(\d{1,11})$")
CHOICE_KEY = re.compile(r"^choice_(\d{1,11})$")


@dataclass
class Posted:
    """What a refused POST sent, to show it again with the reasons."""

    status: int = 200
    roll: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    roll_errors: dict[int, list[str]] = field(default_factory=dict)
    roll_message: str = ""
    votes: dict[int, str] = field(default_factory=dict)
    vote_default: str = ""
    vote_errors: dict[int, list[str]] = field(default_factory=dict)
    vote_message: str = ""
    open_form: MotionOpenForm | None = None
    forms: dict[tuple[str, int], ServiceForm] = field(default_factory=dict)
    close_errors: dict[int, list[str]] = field(default_factory=dict)


def desk_url(session: LiveSession, anchor: str = "") -> str:
    return reverse("frontend:session-council", args=[session.pk]) + anchor


def _id(value: Any) -> int | None:
    return selectors.as_id(value)


def _refusal(exc: DomainError) -> DomainError:
    """A refusal to show on the page; a refusal to see or to act is raised as it is."""
    if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
        raise exc
    return exc


def _line_errors(exc: DomainError, ids: list[int], key: str) -> dict[int, list[str]]:
    """A service's errors about lines (``<key>.<index>.<field>``, or ``members`` named), by member."""
    lines: dict[int, list[str]] = {}
    for name, errors in (exc.details.get("fields") or {}).items():
        parts = str(name).split(".")
        if len(parts) >= 2 and parts[0] == key and parts[1].isdigit() and int(parts[1]) < len(ids):
            lines.setdefault(ids[int(parts[1])], []).extend(str(e) for e in errors)
    for member_id in exc.details.get("members") or []:
        lines.setdefault(member_id, []).append(exc.message)
    return lines


def _roll_sent(data: QueryDict) -> dict[int, tuple[str, int | None]]:
    sent: dict[int, tuple[str, int | None]] = {}
    for key in data:
        match = STATUS_KEY.match(key)
        if match:
            member_id = int(match.group(1))
            sent[member_id] = (data.get(key, ""), _id(data.get(f"holder_{member_id}")))
    return sent


def _votes_sent(data: QueryDict) -> dict[int, str]:
    return {
        int(match.group(1)): data.get(key, "")
        for key in data
        if (match := CHOICE_KEY.match(key)) and data.get(key)
    }


def _session_motion(session: LiveSession, data: QueryDict) -> Motion:
    found = next((m for m in selectors.session_motions(session) if m.pk == _id(data.get("motion"))), None)
    if found is None:
        raise NotFound(_("This motion does not exist."))
    return found


def published_documents(session: LiveSession) -> list[Document]:
    return list(
        Document.objects.published()
        .filter(commune_id=session.commune_id)
        .only("id", "title", "type", "fiscal_year", "commune_id")
        .order_by("-published_at", "-id")[:MAX_DOCUMENTS]
    )


# --- The forms' handlers: a redirect when done, None to show the page again ------------------------

Handler = Callable[[HttpRequest, LiveSession, Posted], HttpResponse | None]


def _roll_call(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    record = selectors.session_record(session)
    sent = _roll_sent(request.POST)
    entries: list[dict[str, Any]] = []
    for member_id, (status, holder) in sent.items():
        if not status:
            continue  # not called yet, and still not
        # The holder's list is read only for a member represented by proxy.
        holder = holder if status == Presence.PROXY else None
        current = record.attendance.get(member_id)
        if current is not None and current.status == status and current.proxy_holder_id == holder:
            continue
        entries.append({"member": member_id, "status": status, "proxy_holder": holder})
    marked = 0
    if "shortcut" in request.POST:
        # "Mark present every member not called yet": a line the form sets is taken as it is.
        for member in record.members:
            if member.pk not in record.attendance and not sent.get(member.pk, ("", None))[0]:
                entries.append({"member": member.pk, "status": Presence.PRESENT, "proxy_holder": None})
                marked += 1
    if not entries:
        messages.info(request, _("Nothing changed in the roll call."))
        return redirect(desk_url(session, "#roll-call"))
    try:
        changed = services.roll_call(actor=signed_in(request.user), session=session, entries=entries)
    except DomainError as exc:
        _refusal(exc)
        posted.roll = sent
        posted.roll_errors = _line_errors(exc, [e["member"] for e in entries], "entries")
        posted.roll_message = exc.message
        posted.status = exc.status
        return None
    messages.success(
        request,
        ngettext(
            "%(count)d line of the roll call is saved.",
            "%(count)d lines of the roll call are saved.",
            len(changed),
        )
        % {"count": len(changed)},
    )
    if marked:
        messages.info(
            request,
            ngettext(
                "%(count)d member not called yet is marked present.",
                "%(count)d members not called yet are marked present.",
                marked,
            )
            % {"count": marked},
        )
    return redirect(desk_url(session, "#roll-call"))


def _motion_open(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    form = MotionOpenForm(
        request.POST, documents=published_documents(session), agenda=list(session.agenda_items.all())
    )
    motion = form.submit(
        lambda data: services.motion_open(
            actor=signed_in(request.user),
            session=session,
            title=data["title"],
            text=data["text"],
            document=data["document"] or None,
            agenda_item=data["agenda_item"] or None,
            secret=data["secret"],
            majority_rule=data["majority_rule"],
        )
    )
    if motion is None:
        posted.open_form, posted.status = form, form.http_status
        return None
    messages.success(request, _("Motion %(number)d is put to the vote.") % {"number": motion.number})
    return redirect(desk_url(session, "#vote"))


def _votes(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    sent = _votes_sent(request.POST)
    default = request.POST.get("default_choice", "")
    posted.votes, posted.vote_default = sent, default
    if default and default not in VoteChoice.values:
        posted.vote_message, posted.status = (
            _("Choose one of the offered votes for the members without a choice."),
            400,
        )
        return None
    votes: list[dict[str, Any]] = [{"member": member, "choice": choice} for member, choice in sent.items()]
    defaulted = 0
    if default:
        # Only the members the form listed, left without a choice, whose vote is still not recorded.
        voted = set(motion.votes.values_list("member_id", flat=True))
        for member_id in dict.fromkeys(_id(value) for value in request.POST.getlist("listed")):
            if member_id is not None and member_id not in sent and member_id not in voted:
                votes.append({"member": member_id, "choice": default})
                defaulted += 1
    if not votes:
        posted.vote_message, posted.status = _("Choose a vote for at least one member."), 400
        return None
    try:
        services.votes_record(actor=signed_in(request.user), motion=motion, votes=votes)
    except DomainError as exc:
        _refusal(exc)
        posted.vote_errors = _line_errors(exc, [vote["member"] for vote in votes], "votes")
        posted.vote_message, posted.status = exc.message, exc.status
        return None
    messages.success(
        request,
        ngettext("%(count)d vote is recorded.", "%(count)d votes are recorded.", len(votes))
        % {"count": len(votes)},
    )
    if defaulted:
        messages.info(
            request,
            ngettext(
                "“%(choice)s” is recorded for %(count)d member left without a choice.",
                "“%(choice)s” is recorded for %(count)d members left without a choice.",
                defaulted,
            )
            % {"choice": VoteChoice(default).label, "count": defaulted},
        )
    return redirect(desk_url(session, "#vote"))


def _counts(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    form = CountsForm(request.POST, auto_id="id_counts_%s")
    done = form.submit(
        lambda _data: services.counts_record(
            actor=signed_in(request.user), motion=motion, counts=form.counts()
        )
    )
    if done is None:
        posted.forms[("counts", motion.pk)], posted.status = form, form.http_status
        return None
    messages.success(request, _("The counts of the secret ballot are recorded."))
    return redirect(desk_url(session, "#vote"))


def _close(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    try:
        closed = services.motion_close(actor=signed_in(request.user), motion=motion)
    except DomainError as exc:
        _refusal(exc)
        posted.close_errors[motion.pk], posted.status = [exc.message], exc.status
        return None
    messages.success(
        request,
        _("The vote on motion %(number)d is closed: %(result)s")
        % {"number": closed.number, "result": f"{closed.get_result_display()} — {result_text(closed)}"},
    )
    return redirect(desk_url(session, f"#motion-{closed.pk}"))


def _vote_correct(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    form = VoteCorrectForm(request.POST, votes=list(motion.votes.all()), auto_id=f"id_vc{motion.pk}_%s")
    done = form.submit(
        lambda data: services.vote_correct(
            actor=signed_in(request.user),
            motion=motion,
            member=data["member"],
            choice=data["choice"],
            reason=data["reason"],
        ),
        on_field={"not_found": "member"},
    )
    if done is None:
        posted.forms[("vote_correct", motion.pk)], posted.status = form, form.http_status
        return None
    messages.success(request, _("The vote is corrected; the correction and its reason are public."))
    return redirect(desk_url(session, f"#motion-{motion.pk}"))


def _counts_correct(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    form = CountsCorrectForm(request.POST, auto_id=f"id_cc{motion.pk}_%s")
    done = form.submit(
        lambda data: services.counts_correct(
            actor=signed_in(request.user), motion=motion, counts=form.counts(), reason=data["reason"]
        )
    )
    if done is None:
        posted.forms[("counts_correct", motion.pk)], posted.status = form, form.http_status
        return None
    messages.success(request, _("The counts are corrected; the correction and its reason are public."))
    return redirect(desk_url(session, f"#motion-{motion.pk}"))


def _deliberation(request: HttpRequest, session: LiveSession, posted: Posted) -> HttpResponse | None:
    motion = _session_motion(session, request.POST)
    documents = [d for d in published_documents(session) if d.type in DELIBERATION_TYPES]
    form = DeliberationForm(request.POST, documents=documents, auto_id=f"id_del{motion.pk}_%s")
    done = form.submit(
        lambda data: services.motion_link_deliberation(
            actor=signed_in(request.user), motion=motion, document=data["deliberation"] or None
        )
    )
    if done is None:
        posted.forms[("deliberation", motion.pk)], posted.status = form, form.http_status
        return None
    if done.deliberation_id:
        messages.success(request, _("The motion is linked to its deliberation."))
    else:
        messages.success(request, _("The link to the deliberation is removed."))
    return redirect(desk_url(session, f"#motion-{motion.pk}"))


HANDLERS: dict[str, Handler] = {
    "roll_call": _roll_call,
    "motion_open": _motion_open,
    "votes": _votes,
    "counts": _counts,
    "close": _close,
    "vote_correct": _vote_correct,
    "counts_correct": _counts_correct,
    "deliberation": _deliberation,
}


def required_votes(motion: Motion) -> int:
    """The votes for that adopt the motion, as its votes stand."""
    tally = Tally(motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting)
    return required_for(motion.majority_rule, tally, motion.members_in_office)


def result_text(motion: Motion) -> str:
    """Why a closed motion was adopted or rejected, in the public page's words ("" while open)."""
    if motion.status != MotionStatus.CLOSED:
        return ""
    return result_reason(
        {
            "result": motion.result,
            "result_reason": motion.result_reason,
            "tally": {"for": motion.votes_for},
            "required": required_votes(motion),
        }
    )
