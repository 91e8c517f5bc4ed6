"""Reads of the council's record: members, a session's roll call and quorum, motions, a member's
record (attendance rate, votes) and the open data of a commune's year. Public: visibility needs no
user, except drafts, which the council has none of."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from council.counting import Quorum, quorum
from council.errors import CouncilNotFound
from council.models import (
    IN_ROOM,
    ROLE_ORDER,
    Attendance,
    Committee,
    CouncilMember,
    CouncilRules,
    Motion,
    MotionVote,
    Presence,
)
from hub.cleaning import as_id
from hub.models import Commune
from sessions_live.models import LiveSession, SessionKind

# Sessions of the council itself (accountability sessions and hearings take no roll call).
COUNCIL_KINDS = (SessionKind.ORDINARY, SessionKind.EXTRAORDINARY)


def is_council_session(session: LiveSession) -> bool:
    return session.kind in COUNCIL_KINDS


def session_day(session: LiveSession) -> datetime.date:
    return timezone.localdate(session.starts_at)


def rules_for(commune: Commune | int) -> CouncilRules:
    """The commune's rules (the defaults, unsaved, until staff change them)."""
    commune_id = commune if isinstance(commune, int) else commune.pk
    found = CouncilRules.objects.filter(commune_id=commune_id).first()
    return found if found is not None else CouncilRules(commune_id=commune_id)


def _role_rank(member: CouncilMember) -> tuple[int, str, str]:
    rank = ROLE_ORDER.index(member.role) if member.role in ROLE_ORDER else len(ROLE_ORDER)
    return rank, member.title, member.full_name


def sort_members(members: list[CouncilMember]) -> list[CouncilMember]:
    """The mayor first, then deputies (by title: "1er adjoint" before "2e"), heads of arrondissement,
    councillors, each by name."""
    return sorted(members, key=_role_rank)


def members(
    commune: Commune, *, on: datetime.date | None = None, everyone: bool = False
) -> QuerySet[CouncilMember]:
    """The commune's council: in office ``on`` (today by default), or ``everyone`` (past mandates too)."""
    rows = (
        CouncilMember.objects.filter(commune=commune)
        .select_related("commune")
        .prefetch_related(Prefetch("committees", queryset=Committee.objects.order_by("name")))
    )
    if not everyone:
        rows = rows.in_office(on or timezone.localdate())
    return rows


def member_get(member_id: Any, *, commune: Commune | None = None) -> CouncilMember:
    pk = as_id(member_id)
    rows = CouncilMember.objects.select_related("commune", "user").prefetch_related("committees")
    if commune is not None:
        rows = rows.filter(commune=commune)
    member = rows.filter(pk=pk or 0).first()
    if member is None:
        raise CouncilNotFound(_("This council member does not exist."))
    return member


def committees(commune: Commune) -> QuerySet[Committee]:
    return Committee.objects.filter(commune=commune).order_by("name", "id")


def motion_get(motion_id: Any, *, session: LiveSession | None = None) -> Motion:
    rows = Motion.objects.select_related(
        "session", "commune", "document__commune", "deliberation__commune", "chair"
    )
    if session is not None:
        rows = rows.filter(session=session)
    motion = rows.filter(pk=as_id(motion_id) or 0).first()
    if motion is None:
        raise CouncilNotFound(_("This motion does not exist."))
    return motion


def attendance_rows(session: LiveSession | int) -> QuerySet[Attendance]:
    session_id = session if isinstance(session, int) else session.pk
    return (
        Attendance.objects.filter(session_id=session_id)
        .select_related("member__commune", "proxy_holder")
        .order_by("member__full_name", "member_id")
    )


def quorum_of(session: LiveSession, rows: list[Attendance] | None = None) -> Quorum:
    """The session's quorum now: its roll call against the members in office on its day."""
    rules = rules_for(session.commune_id)
    in_office = (
        CouncilMember.objects.filter(commune_id=session.commune_id).in_office(session_day(session)).count()
    )
    lines = rows if rows is not None else list(attendance_rows(session))
    in_room = {row.member_id for row in lines if row.status in IN_ROOM}
    represented = sum(1 for row in lines if row.status == Presence.PROXY and row.proxy_holder_id in in_room)
    return quorum(
        rule=rules.quorum_rule,
        in_office=in_office,
        present=len(in_room),
        represented=represented,
        proxies_count=rules.proxies_count_for_quorum,
        fixed=rules.quorum_fixed,
    )


def session_motions(session: LiveSession | int) -> list[Motion]:
    session_id = session if isinstance(session, int) else session.pk
    return list(
        Motion.objects.filter(session_id=session_id)
        .select_related("document__commune", "deliberation__commune")
        .prefetch_related(
            Prefetch(
                "votes",
                queryset=MotionVote.objects.select_related("member").order_by("member__full_name", "id"),
            )
        )
        .order_by("number")
    )


@dataclass
class SessionRecord:
    """What a session's pages show of the council: the roll call (every member in office, called or
    not yet), the quorum, and the motions in order (the open one, if any, is ``current``)."""

    session: LiveSession
    council: bool  # a council session (roll call and motions apply)
    members: list[CouncilMember] = field(default_factory=list)
    attendance: dict[int, Attendance] = field(default_factory=dict)
    quorum: Quorum | None = None
    motions: list[Motion] = field(default_factory=list)

    @property
    def current(self) -> Motion | None:
        return next((m for m in self.motions if m.status == "open"), None) or (
            self.motions[-1] if self.motions else None
        )

    @property
    def called(self) -> int:
        return len(self.attendance)


def session_record(session: LiveSession) -> SessionRecord:
    if not is_council_session(session):
        return SessionRecord(session=session, council=False)
    rows = list(attendance_rows(session))
    listed = sort_members(list(members(session.commune, on=session_day(session))))
    # A member called then no longer in office (a mandate shortened later) stays on the record.
    known = {m.pk for m in listed}
    listed += [row.member for row in rows if row.member_id not in known]
    return SessionRecord(
        session=session,
        council=True,
        members=listed,
        attendance={row.member_id: row for row in rows},
        quorum=quorum_of(session, rows),
        motions=session_motions(session),
    )


@dataclass
class MemberRecord:
    member: CouncilMember
    sessions_called: int
    sessions_present: int  # present or late
    sessions_represented: int
    attendance_rate: int | None  # percent of the sessions called, present or late; None: never called
    attendance: list[Attendance]
    votes: list[MotionVote]
    choices: Counter[str]


def member_record(member: CouncilMember) -> MemberRecord:
    """A member's attendance (every council session they were called in, newest first) and every
    named vote they cast (with the motion and its outcome)."""
    rows = list(
        Attendance.objects.filter(member=member)
        .select_related("session", "proxy_holder")
        .order_by("-session__starts_at", "-session_id")
    )
    votes = list(
        MotionVote.objects.filter(member=member)
        .select_related(
            "motion__session", "motion__deliberation__commune", "motion__document__commune", "cast_by"
        )
        .order_by("-motion__opened_at", "-motion_id")
    )
    present = sum(1 for row in rows if row.status in IN_ROOM)
    represented = sum(1 for row in rows if row.status == Presence.PROXY)
    return MemberRecord(
        member=member,
        sessions_called=len(rows),
        sessions_present=present,
        sessions_represented=represented,
        attendance_rate=round(100 * present / len(rows)) if rows else None,
        attendance=rows,
        votes=votes,
        choices=Counter(vote.choice for vote in votes),
    )


def record_years(commune: Commune) -> list[int]:
    """The years with a council session that has a roll call or a motion, newest first."""
    years = {
        timezone.localdate(starts).year
        for starts in LiveSession.objects.filter(commune=commune, kind__in=COUNCIL_KINDS).values_list(
            "starts_at", flat=True
        )
    }
    return sorted(years, reverse=True)


def year_sessions(commune: Commune, year: int) -> list[LiveSession]:
    """The council sessions of ``commune`` in ``year`` (local dates), oldest first."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    return list(
        LiveSession.objects.filter(
            commune=commune, kind__in=COUNCIL_KINDS, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("commune")
        .order_by("starts_at", "id")
    )
