"""The council's record of a commune's year as open data: one JSON document, and two CSV tables
(the named votes, with one row per secret ballot and its counts; the roll calls).

Built from a fixed number of queries whatever the year holds: the sessions, the members, the roll-call
lines, the motions, their votes and their corrections, one query each; everything else (each session's
quorum, the motions of a session, the member a line names) is joined here in memory. The shapes are
those of the API and the live events (``council.events``), so a client reads a motion the same way
everywhere; member rows are ``member_data`` (the API's too).

A session's quorum is computed with the commune's current rules (as the session's page shows it), from
its roll call and the members in office on its day, with ``council.counting.quorum``, the one rule.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from council.counting import Quorum, quorum
from council.events import MotionData, correction_data, motion_data
from council.models import (
    IN_ROOM,
    Attendance,
    Committee,
    Correction,
    CouncilMember,
    CouncilRules,
    Motion,
    MotionVote,
    Presence,
)
from council.selectors import rules_for, session_day, sort_members, year_sessions
from hub.models import Commune
from sessions_live.events import datetime_text
from sessions_live.models import LiveSession

FIRST_YEAR, LAST_YEAR = 1990, 2200

VOTE_COLUMNS = [
    "session_date",
    "session_id",
    "motion_id",
    "motion_number",
    "motion_title",
    "secret",
    "result",
    "member_id",
    "member_name",
    "choice",
    "cast_by_id",
    "cast_by_name",
    "corrected",
    "for",
    "against",
    "abstain",
    "not_voting",
]
ATTENDANCE_COLUMNS = [
    "session_date",
    "session_id",
    "session_title",
    "member_id",
    "member_name",
    "status",
    "proxy_holder_id",
    "proxy_holder_name",
    "arrived_at",
]


def photo_url(member: CouncilMember) -> str | None:
    return reverse("council-api:member-photo", args=[member.pk]) if member.photo else None


def member_data(member: CouncilMember) -> dict[str, Any]:
    """A member as the API and the open data show it (select ``commune``, prefetch ``committees``).
    Whether they have an account, never which one."""
    return {
        "id": member.pk,
        "full_name": member.full_name,
        "role": member.role,
        "title": member.title,
        "arrondissement": member.arrondissement,
        "committees": [{"id": c.pk, "name": c.name} for c in member.committees.all()],
        "mandate_start": member.mandate_start.isoformat(),
        "mandate_end": member.mandate_end.isoformat() if member.mandate_end else None,
        "photo_url": photo_url(member),
        "path": member.get_absolute_url(),
        "has_account": member.user_id is not None,
    }


def session_path(session: LiveSession) -> str:
    return reverse("frontend:session", args=[session.pk])


@dataclass
class YearRecord:
    """What the council recorded in ``year``, read once."""

    commune: Commune
    year: int
    sessions: list[LiveSession]
    members: list[CouncilMember]  # in office at some point of the year, or named on its record
    attendance: dict[int, list[Attendance]]  # session id -> lines, by member name
    motions: dict[int, list[Motion]]  # session id -> motions, by number
    votes: dict[int, list[MotionVote]]  # motion id -> named votes, by member name
    corrections: dict[int, list[Correction]]  # motion id -> corrections, oldest first
    rules: CouncilRules

    def quorum(self, session: LiveSession) -> Quorum:
        rules = self.rules
        day = session_day(session)
        lines = self.attendance.get(session.pk, [])
        in_room = {row.member_id for row in lines if row.status in IN_ROOM}
        represented = sum(
            1 for row in lines if row.status == Presence.PROXY and row.proxy_holder_id in in_room
        )
        return quorum(
            rule=rules.quorum_rule,
            in_office=sum(1 for m in self.members if m.in_office_on(day)),
            present=len(in_room),
            represented=represented,
            proxies_count=rules.proxies_count_for_quorum,
            fixed=rules.quorum_fixed,
        )


def year_record(commune: Commune, year: int) -> YearRecord:
    """The sessions of ``year`` and everything recorded in them, in eight queries."""
    sessions = year_sessions(commune, year)
    session_ids = [s.pk for s in sessions]
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    lines = list(
        Attendance.objects.filter(session_id__in=session_ids)
        .select_related("member__commune", "proxy_holder")
        .order_by("session_id", "member__full_name", "member_id")
    )
    named = {row.member_id for row in lines}
    members = sort_members(
        list(
            CouncilMember.objects.filter(commune=commune)
            .filter(
                Q(mandate_start__lte=last, mandate_end__isnull=True)
                | Q(mandate_start__lte=last, mandate_end__gte=first)
                | Q(pk__in=named)
            )
            .select_related("commune")
            .prefetch_related(Prefetch("committees", queryset=Committee.objects.order_by("name", "id")))
        )
    )
    motions = list(
        Motion.objects.filter(session_id__in=session_ids)
        .select_related("document__commune", "deliberation__commune", "agenda_item")
        .order_by("session_id", "number")
    )
    motion_ids = [m.pk for m in motions]
    votes = (
        MotionVote.objects.filter(motion_id__in=motion_ids)
        .select_related("member", "cast_by")
        .order_by("motion_id", "member__full_name", "id")
    )
    corrections = Correction.objects.filter(motion_id__in=motion_ids).order_by("motion_id", "id")
    by_session: dict[int, list[Attendance]] = defaultdict(list)
    for row in lines:
        by_session[row.session_id].append(row)
    motions_of: dict[int, list[Motion]] = defaultdict(list)
    for motion in motions:
        motions_of[motion.session_id].append(motion)
    votes_of: dict[int, list[MotionVote]] = defaultdict(list)
    for vote in votes:
        votes_of[vote.motion_id].append(vote)
    corrections_of: dict[int, list[Correction]] = defaultdict(list)
    for correction in corrections:
        corrections_of[correction.motion_id].append(correction)
    return YearRecord(
        commune=commune,
        year=year,
        sessions=sessions,
        members=members,
        attendance=dict(by_session),
        motions=dict(motions_of),
        votes=dict(votes_of),
        corrections=dict(corrections_of),
        rules=rules_for(commune),
    )


def motion_row(record: YearRecord, motion: Motion) -> dict[str, Any]:
    data: MotionData = motion_data(motion, record.votes.get(motion.pk, []))
    return {
        **data,
        "agenda_item_title": motion.agenda_item.title if motion.agenda_item else None,
        "corrections": [correction_data(c) for c in record.corrections.get(motion.pk, [])],
    }


def year_json(record: YearRecord) -> dict[str, Any]:
    """The JSON document of the year (``GET …/council/record/<year>/``)."""
    commune = record.commune
    return {
        "commune": {"id": commune.pk, "slug": commune.slug, "name": commune.name},
        "year": record.year,
        "generated_at": datetime_text(timezone.now()),
        "members": [member_data(m) for m in record.members],
        "sessions": [
            {
                "id": session.pk,
                "title": session.title,
                "kind": session.kind,
                "date": session_day(session).isoformat(),
                "path": session_path(session),
                "quorum": record.quorum(session).as_dict(),
                "attendance": [
                    {
                        "member": row.member_id,
                        "full_name": row.member.full_name,
                        "status": row.status,
                        "proxy_holder": row.proxy_holder_id,
                        "arrived_at": datetime_text(row.arrived_at),
                    }
                    for row in record.attendance.get(session.pk, [])
                ],
                "motions": [motion_row(record, m) for m in record.motions.get(session.pk, [])],
            }
            for session in record.sessions
        ],
    }


def vote_rows(record: YearRecord) -> Iterator[dict[str, Any]]:
    """The rows of ``votes.csv``: each named vote; each secret ballot once, with its counts."""
    for session in record.sessions:
        day = session_day(session)
        for motion in record.motions.get(session.pk, []):
            common = {
                "session_date": day,
                "session_id": session.pk,
                "motion_id": motion.pk,
                "motion_number": motion.number,
                "motion_title": motion.title,
                "secret": motion.secret,
                "result": motion.result,
            }
            if motion.secret:
                yield {
                    **common,
                    "for": motion.votes_for,
                    "against": motion.votes_against,
                    "abstain": motion.abstentions,
                    "not_voting": motion.not_voting,
                }
                continue
            for vote in record.votes.get(motion.pk, []):
                yield {
                    **common,
                    "member_id": vote.member_id,
                    "member_name": vote.member.full_name,
                    "choice": vote.choice,
                    "cast_by_id": vote.cast_by_id,
                    "cast_by_name": vote.cast_by.full_name if vote.cast_by else None,
                    "corrected": vote.corrected_at is not None,
                }


def attendance_rows(record: YearRecord) -> Iterator[dict[str, Any]]:
    """The rows of ``attendance.csv``: each line of each roll call."""
    for session in record.sessions:
        day = session_day(session)
        for row in record.attendance.get(session.pk, []):
            yield {
                "session_date": day,
                "session_id": session.pk,
                "session_title": session.title,
                "member_id": row.member_id,
                "member_name": row.member.full_name,
                "status": row.status,
                "proxy_holder_id": row.proxy_holder_id,
                "proxy_holder_name": row.proxy_holder.full_name if row.proxy_holder else None,
                "arrived_at": datetime_text(row.arrived_at),
            }
