"""The shapes of the council's record, built once and used everywhere: the live events appended to a
session's log (``attendance.updated``, ``motion.opened``, ``motion.vote``, ``motion.closed``,
``motion.corrected``, ``motion.updated``), the REST API and the open data.

Every motion event carries the whole motion (its tally, result and named votes), so a client applies
any of them by replacing the motion it holds: replayed or repeated, the page ends the same. Words of
the reader's language (roles, attendance, choices, results) are not in the payloads: pages and clients
label the codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from council.counting import Quorum, Tally, outcome
from council.models import Attendance, Correction, CouncilMember, Motion, MotionVote
from publications.models import Document
from sessions_live.events import datetime_text, event_append

ATTENDANCE_UPDATED = "attendance.updated"
MOTION_OPENED = "motion.opened"
MOTION_VOTE = "motion.vote"
MOTION_CLOSED = "motion.closed"
MOTION_CORRECTED = "motion.corrected"
MOTION_UPDATED = "motion.updated"
EVENT_NAMES = (
    ATTENDANCE_UPDATED,
    MOTION_OPENED,
    MOTION_VOTE,
    MOTION_CLOSED,
    MOTION_CORRECTED,
    MOTION_UPDATED,
)


class MemberRef(TypedDict):
    id: int
    full_name: str
    role: str
    title: str
    path: str


class AttendanceData(TypedDict):
    member: MemberRef
    status: str
    proxy_holder: int | None
    arrived_at: str | None


class DocumentRef(TypedDict):
    id: int
    title: str
    path: str


class VoteData(TypedDict):
    member: int
    full_name: str
    choice: str
    cast_by: int | None
    corrected: bool


class MotionData(TypedDict):
    id: int
    session: int
    number: int
    title: str
    text: str
    agenda_item: int | None
    document: DocumentRef | None
    secret: bool
    majority_rule: str
    tie_rule: str
    chair: int | None
    status: str
    tally: dict[str, int]
    required: int
    members_in_office: int
    result: str
    result_reason: str
    votes: list[VoteData]
    deliberation: DocumentRef | None
    opened_at: str | None
    closed_at: str | None


def member_ref(member: CouncilMember) -> MemberRef:
    """A member (select ``commune`` when building many)."""
    return {
        "id": member.pk,
        "full_name": member.full_name,
        "role": member.role,
        "title": member.title,
        "path": member.get_absolute_url(),
    }


def attendance_data(row: Attendance) -> AttendanceData:
    """A roll-call line (select ``member__commune``)."""
    return {
        "member": member_ref(row.member),
        "status": row.status,
        "proxy_holder": row.proxy_holder_id,
        "arrived_at": datetime_text(row.arrived_at),
    }


def document_ref(document: Document | None) -> DocumentRef | None:
    if document is None:
        return None
    return {"id": document.pk, "title": document.title, "path": document.get_absolute_url()}


def tally(motion: Motion) -> Tally:
    return Tally(motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting)


def motion_data(motion: Motion, votes: Iterable[MotionVote] | None = None) -> MotionData:
    """A motion with its named votes (``votes``: given, or read: select ``member``). Documents are
    read with their commune (select ``document__commune``, ``deliberation__commune``)."""
    rows = (
        list(votes)
        if votes is not None
        else list(motion.votes.select_related("member").order_by("member__full_name", "id"))
    )
    chair_choice = next((v.choice for v in rows if v.member_id == motion.chair_id), None)
    required = outcome(
        majority_rule=motion.majority_rule,
        tie_rule=motion.tie_rule,
        tally=tally(motion),
        in_office=motion.members_in_office,
        chair_choice=chair_choice,
    ).required
    return {
        "id": motion.pk,
        "session": motion.session_id,
        "number": motion.number,
        "title": motion.title,
        "text": motion.text,
        "agenda_item": motion.agenda_item_id,
        "document": document_ref(motion.document),
        "secret": motion.secret,
        "majority_rule": motion.majority_rule,
        "tie_rule": motion.tie_rule,
        "chair": motion.chair_id,
        "status": motion.status,
        "tally": tally(motion).as_dict(),
        "required": required,
        "members_in_office": motion.members_in_office,
        "result": motion.result,
        "result_reason": motion.result_reason,
        "votes": [
            {
                "member": vote.member_id,
                "full_name": vote.member.full_name,
                "choice": vote.choice,
                "cast_by": vote.cast_by_id,
                "corrected": vote.corrected_at is not None,
            }
            for vote in rows
        ],
        "deliberation": document_ref(motion.deliberation),
        "opened_at": datetime_text(motion.opened_at),
        "closed_at": datetime_text(motion.closed_at),
    }


def correction_data(correction: Correction) -> dict[str, Any]:
    """A public correction of the record (in ``motion.corrected``, the motion's API and open data)."""
    return {
        "id": correction.pk,
        "what": correction.what,
        "member": correction.member_id,
        "before": correction.before,
        "after": correction.after,
        "reason": correction.reason,
        "created_at": datetime_text(correction.created_at),
    }


def attendance_append(session_id: int, rows: list[Attendance], quorum: Quorum) -> None:
    """Roll-call lines changed: appended to the session's log in the caller's transaction."""
    event_append(
        session_id,
        ATTENDANCE_UPDATED,
        {"entries": [dict(attendance_data(row)) for row in rows], "quorum": quorum.as_dict()},
    )


def motion_append(name: str, motion: Motion, **extra: Any) -> None:
    """A motion changed (``name``: one of the motion events): the whole motion, read under the
    session's lock so a later seq never carries an older tally."""

    def payload() -> dict[str, Any]:
        fresh = Motion.objects.select_related("document__commune", "deliberation__commune").get(pk=motion.pk)
        return {"motion": dict(motion_data(fresh)), **extra}

    event_append(motion.session_id, name, payload)
