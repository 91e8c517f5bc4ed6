"""What the council's public pages show, read once per request: a session's council panel (roll call,
quorum, motions with their votes), a member's record (with the questions they answered and the
commitments they own) and the open-data links of a commune's years.

The motions are built with ``council.events.motion_data``, the very shape the live events carry, and
only decorated here (labels, the votes grouped by choice, the reason of the result): the page's
script replaces a motion with the one an event brings, so the first paint and the live updates
read the same fields.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from commitments.models import Commitment
from council.counting import Quorum
from council.events import motion_data
from council.models import (
    IN_ROOM,
    Correction,
    CouncilMember,
    CouncilRole,
    Motion,
    MotionResult,
    MotionStatus,
    Presence,
    VoteChoice,
)
from council.selectors import SessionRecord
from hub.models import Membership, Role
from sessions_live.events import ballot_channels
from sessions_live.models import LiveSession, Poll, Question, QuestionStatus

# A council role that is also a role on Communes+: its holder answers for the commitments owned by it.
ACCOUNT_ROLE = {CouncilRole.MAYOR: Role.MAYOR, CouncilRole.DEPUTY_MAYOR: Role.DEPUTY_MAYOR}
MEMBER_QUESTIONS = 20
PROJECTOR_QUESTIONS = 3
# The projector keeps a few more in reserve: when one shown is answered, the next one moves up.
PROJECTOR_RESERVE = 20
# Shown on the projector: approved questions not answered yet (the one being answered included).
PROJECTED_STATUSES = (QuestionStatus.APPROVED, QuestionStatus.ANSWERING)
CHOICE_ORDER = [VoteChoice.FOR, VoteChoice.AGAINST, VoteChoice.ABSTAIN, VoteChoice.NOT_VOTING]


def initials(full_name: str) -> str:
    """ "Aïcha Bio Tchané" → "AB": the first letters of the first two words."""
    words = [word for word in full_name.replace("-", " ").split() if word[:1].isalpha()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def route(name: str, *args: Any) -> str:
    """The address of a route that another part of the project may not serve yet ("": not served)."""
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return ""


def photo_url(member: CouncilMember) -> str:
    return route("council-api:member-photo", member.pk) if member.photo else ""


def member_path(commune_slug: str, member_id: int, full_name: str) -> str:
    """A member's page from the fields an event carries (``CouncilMember.get_absolute_url``'s rule)."""
    slug = slugify(full_name)[:60] or "membre"
    return reverse("frontend:council-member", args=[commune_slug, member_id, slug])


# --- Motions ---------------------------------------------------------------------------------------


def fill(template: str, **values: Any) -> str:
    """``{name}`` placeholders, as the pages' scripts fill them (one translated text for both)."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A text that depends on a number, as the scripts get it: its singular and plural forms (the
    script picks one with ``Intl.PluralRules``, whose "one" is gettext's singular in French and
    English: 0 and 1 in French, 1 in English)."""
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


def labels() -> dict[str, Any]:
    """Every text the council's scripts write (``data-labels`` on the panel and the projector), in
    the page's language; the server renders the first paint with the same ones."""
    return {
        "motion": _("Motion {number}: {title}"),
        "status": {value: str(label) for value, label in MotionStatus.choices},
        "result": {value: str(label) for value, label in MotionResult.choices},
        "resultLoud": {"adopted": _("ADOPTED"), "rejected": _("REJECTED")},
        "secret": _("Secret ballot"),
        "named": _("Vote by name"),
        "choice": choice_labels(),
        "presence": {value: str(label) for value, label in Presence.choices},
        "notCalled": _("Not called yet"),
        "proxyGiven": _("proxy given to {name}"),
        "castBy": _("by proxy (cast by {name})"),
        "corrected": _("corrected"),
        "votes": _("Votes by name ({count})"),
        "notVoting": _("Did not vote: {count}"),
        "noVote": _("No vote recorded: {count}"),
        "deliberation": _("Read the deliberation: {title}"),
        "reason": {
            # Agrees with {required}: "1 voix pour, 1 requise" / "35 voix pour, 23 requises".
            "majority": plural_forms(
                "{for} for, {required} vote needed.", "{for} for, {required} votes needed."
            ),
            "no_votes": _("No vote was cast."),
            "tie_chair_for": _("Tie: the chair voted for, and the chair's vote decides."),
            "tie_chair_against": _("Tie: the chair voted against, and the chair's vote decides."),
            "tie_rejected": _("Tie: a tied vote rejects the motion."),
        },
        "correctionVote": _("{name}: {before} → {after}"),
        "correctionCounts": _("Counts: {before} → {after}"),
        "counts": pgettext("tally", "{for} for, {against} against, {abstain} abstentions"),
        "correctionReason": _("reason: {reason}"),
        "quorum": {
            "none": _("Roll call not taken yet: {required} members of {in_office} are required."),
            "reached": _("Quorum reached: {counted} present out of {in_office}, {required} required"),
            "notReached": _("Quorum not reached: {counted} present out of {in_office}, {required} required"),
            "reachedProxies": _(
                "Quorum reached: {counted} present or represented out of {in_office}, {required} required"
            ),
            "notReachedProxies": _(
                "Quorum not reached: {counted} present or represented out of {in_office}, {required} required"
            ),
        },
        "called": _("{called} of {total} called"),
        "opened": _("Vote opened on motion {number}: {title}"),
        "decided": _("Motion {number}, {title}: {result}. {reason}"),
        "pollOne": _("{count} vote"),
        "pollOther": _("{count} votes"),
        "pollOpen": _("Poll in progress"),
        "pollClosed": _("Final results"),
        "supportsOne": _("{count} support"),
        "supportsOther": _("{count} supports"),
        "ended": _("The session has ended."),
    }


def result_reason(motion: dict[str, Any], texts: dict[str, Any] | None = None) -> str:
    """Why the motion was adopted or rejected, in words (empty while the vote is open)."""
    if not motion["result"]:
        return ""
    reasons = (texts or labels())["reason"]
    template = reasons.get(motion["result_reason"])
    if not isinstance(template, str):  # the majority (or a reason this page does not know)
        template = ngettext(
            "{for} for, {required} vote needed.", "{for} for, {required} votes needed.", motion["required"]
        )
    return fill(template, **{"for": motion["tally"]["for"], "required": motion["required"]})


def choice_labels() -> dict[str, str]:
    return {choice.value: str(choice.label) for choice in VoteChoice}


def choice_counts(choices: Mapping[str, int]) -> list[tuple[str, int]]:
    """How often a member chose each answer ("For: 12"), in the ballot's order."""
    labels = choice_labels()
    return [
        (labels[choice.value], choices[choice.value]) for choice in CHOICE_ORDER if choices.get(choice.value)
    ]


def motion_view(
    motion: Motion,
    corrections: list[Correction] | None = None,
    *,
    commune_slug: str = "",
    texts: dict[str, Any] | None = None,
    expected: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """A motion for the templates: ``motion_data`` (the live events' shape) with its labels, its
    named votes grouped by choice (members linked, proxies named) and its public corrections.
    ``expected``: the members who could vote (``expected_voters``), for the count of those with no
    vote recorded."""
    texts = texts or labels()
    data: dict[str, Any] = dict(motion_data(motion, votes=motion.votes.all()))
    no_vote = missing_votes(data, expected)
    names = {vote["member"]: vote["full_name"] for vote in data["votes"]}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vote in data["votes"]:
        groups[vote["choice"]].append(
            {
                **vote,
                "path": member_path(commune_slug, vote["member"], vote["full_name"]) if commune_slug else "",
                "cast_by_text": fill(texts["castBy"], name=names.get(vote["cast_by"], ""))
                if vote["cast_by"]
                else "",
            }
        )
    tally = data["tally"]
    voting = tally["for"] + tally["against"] + tally["abstain"]
    data.update(
        heading=fill(texts["motion"], number=data["number"], title=data["title"]),
        status_label=texts["status"].get(data["status"], data["status"]),
        result_label=texts["result"].get(data["result"], ""),
        result_loud=texts["resultLoud"].get(data["result"], ""),
        reason_text=result_reason(data, texts),
        voting=voting,
        bar_max=max(voting, 1),
        not_voting_text=fill(texts["notVoting"], count=tally["not_voting"]),
        no_vote=no_vote,
        no_vote_text=fill(texts["noVote"], count=no_vote),
        votes_text=fill(texts["votes"], count=len(data["votes"])),
        deliberation_text=fill(texts["deliberation"], title=data["deliberation"]["title"])
        if data["deliberation"]
        else "",
        groups=[
            {"choice": choice.value, "label": texts["choice"][choice.value], "votes": groups[choice.value]}
            for choice in CHOICE_ORDER
            if groups.get(choice.value)
        ],
        corrections=[correction_view(row, names, texts) for row in corrections or []],
    )
    return data


def correction_view(row: Correction, names: dict[int, str], texts: dict[str, Any]) -> dict[str, Any]:
    choices = texts["choice"]
    if row.what == "vote":
        text = fill(
            texts["correctionVote"],
            name=names.get(row.member_id or 0, ""),
            before=choices.get(str(row.before.get("choice", "")), ""),
            after=choices.get(str(row.after.get("choice", "")), ""),
        )
    else:
        text = fill(
            texts["correctionCounts"],
            before=fill(texts["counts"], **{k: row.before.get(k, 0) for k in ("for", "against", "abstain")}),
            after=fill(texts["counts"], **{k: row.after.get(k, 0) for k in ("for", "against", "abstain")}),
        )
    return {"id": row.pk, "text": text, "reason": fill(texts["correctionReason"], reason=row.reason)}


def ordered(motions: list[Motion]) -> list[Motion]:
    """The open motion first (the one being voted), then the others in their order (motion 1 first):
    the live page, and the archive, where none is open."""
    return sorted(motions, key=lambda m: (m.status != MotionStatus.OPEN, m.number))


def expected_voters(record: SessionRecord) -> frozenset[int]:
    """The members who could vote, by the roll call as it stands: those in the room (present or
    arrived late) and those represented by a proxy holder who is in the room."""
    in_room = {pk for pk, row in record.attendance.items() if row.status in IN_ROOM}
    represented = {
        pk
        for pk, row in record.attendance.items()
        if row.status == Presence.PROXY and row.proxy_holder_id in in_room
    }
    return frozenset(in_room | represented)


def missing_votes(motion: Mapping[str, Any], expected: frozenset[int]) -> int:
    """How many members who could vote have no vote recorded on a closed motion voted by name (0 for
    a secret ballot, whose counts name no one, and while the vote is open). Counted when shown, from
    the roll call as it stands: nothing is stored."""
    if motion["secret"] or motion["status"] != MotionStatus.CLOSED:
        return 0
    return len(expected - {vote["member"] for vote in motion["votes"]})


# --- A session's council panel ---------------------------------------------------------------------


@dataclass
class RollLine:
    member: CouncilMember
    status: str  # "" until called
    status_label: str
    proxy_text: str  # "proxy given to <name>", for a member represented by proxy
    proxy_holder: int | None = None


@dataclass
class CouncilPanel:
    session: LiveSession
    quorum: Quorum | None
    called: int
    quorum_text: str
    called_text: str
    labels_json: str
    roll: list[RollLine] = field(default_factory=list)
    motions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, Any] | None:
        """The motion the projector shows: the open one, else the latest."""
        if not self.motions:
            return None
        return next((m for m in self.motions if m["status"] == MotionStatus.OPEN), None) or max(
            self.motions, key=lambda m: m["number"]
        )


def council_panel(record: SessionRecord) -> CouncilPanel | None:
    """The panel of a council session's page (None for another kind of session)."""
    if not record.council:
        return None
    texts = labels()
    names = {member.pk: member.full_name for member in record.members}
    roll = []
    for member in record.members:
        row = record.attendance.get(member.pk)
        holder = names.get(row.proxy_holder_id or 0, "") if row else ""
        roll.append(
            RollLine(
                member=member,
                status=row.status if row else "",
                status_label=texts["presence"].get(row.status, row.status) if row else texts["notCalled"],
                proxy_text=fill(texts["proxyGiven"], name=holder) if holder else "",
                proxy_holder=row.proxy_holder_id if row else None,
            )
        )
    corrections: dict[int, list[Correction]] = defaultdict(list)
    for correction in Correction.objects.filter(motion__in=[m.pk for m in record.motions]).order_by("id"):
        corrections[correction.motion_id].append(correction)
    slug = record.session.commune.slug
    expected = expected_voters(record)
    return CouncilPanel(
        session=record.session,
        quorum=record.quorum,
        called=record.called,
        quorum_text=quorum_text(record.quorum, record.called, texts),
        called_text=fill(texts["called"], called=record.called, total=len(record.members)),
        labels_json=json.dumps(texts, ensure_ascii=False),
        roll=roll,
        motions=[
            motion_view(motion, corrections[motion.pk], commune_slug=slug, texts=texts, expected=expected)
            for motion in ordered(record.motions)
        ],
    )


def quorum_text(quorum: Quorum | None, called: int, texts: dict[str, Any] | None = None) -> str:
    """ "Quorum reached: 12 present out of 19, 10 required" (the panel and the projector)."""
    if quorum is None:
        return ""
    templates = (texts or labels())["quorum"]
    if not called:
        key = "none"
    elif quorum.counted != quorum.present:
        key = "reachedProxies" if quorum.reached else "notReachedProxies"
    else:
        key = "reached" if quorum.reached else "notReached"
    return fill(templates[key], counted=quorum.counted, in_office=quorum.in_office, required=quorum.required)


# --- The projector -------------------------------------------------------------------------------


def projected_questions(session: LiveSession) -> list[Question]:
    """The approved questions the room has not heard answered yet, most supported first (the first
    ``PROJECTOR_QUESTIONS`` are shown, the others held in reserve)."""
    rows = Question.objects.filter(session=session, status__in=PROJECTED_STATUSES)
    return list(rows.order_by("-vote_count", "id")[:PROJECTOR_RESERVE])


def projected_poll(session: LiveSession) -> dict[str, Any] | None:
    """The latest poll that is open or closed (not a draft), with its counts."""
    poll = (
        Poll.objects.filter(session=session)
        .exclude(status="draft")
        .prefetch_related("options")
        .order_by("-id")
        .first()
    )
    if poll is None:
        return None
    total = poll.ballot_count
    return {
        "id": poll.pk,
        "question": poll.question,
        "status": poll.status,
        "total": total,
        "channels": ballot_channels(total, poll.sms_ballot_count),
        "bar_max": max(total, 1),
        "options": [
            {
                "id": option.pk,
                "label": option.label,
                "count": option.vote_count,
                "percent": round(100 * option.vote_count / total) if total else 0,
            }
            for option in sorted(poll.options.all(), key=lambda o: (o.position, o.pk))
        ],
    }


# --- A member's page -------------------------------------------------------------------------------


def answered_questions(member: CouncilMember) -> list[Question]:
    """The questions of the commune's sessions this member answered (with an account), newest first."""
    if member.user_id is None:
        return []
    return list(
        Question.objects.filter(
            answered_by_id=member.user_id,
            status=QuestionStatus.ANSWERED,
            session__commune_id=member.commune_id,
        )
        .select_related("session")
        .order_by("-answered_at", "-id")[:MEMBER_QUESTIONS]
    )


def owned_commitments(member: CouncilMember) -> list[Commitment]:
    """The commune's commitments owned by the role this member holds on Communes+ (the mayor's, a
    deputy mayor's), if their account holds it in this commune."""
    role = ACCOUNT_ROLE.get(CouncilRole(member.role)) if member.role in CouncilRole.values else None
    if role is None or member.user_id is None:
        return []
    holds = Membership.objects.filter(
        user_id=member.user_id, commune_id=member.commune_id, role=role
    ).exists()
    if not holds:
        return []
    return list(
        Commitment.objects.filter(commune_id=member.commune_id, owner_role=role)
        .select_related("commune")
        .order_by("-created_at", "-id")
    )


# --- Open data -------------------------------------------------------------------------------------


def open_data_links(slug: str, year: int) -> dict[str, str]:
    """The API's exports of a year ("" for one the API does not serve)."""
    return {
        "json": route("council-api:record", slug, year),
        "votes_csv": route("council-api:record-votes-csv", slug, year),
        "attendance_csv": route("council-api:record-attendance-csv", slug, year),
    }
