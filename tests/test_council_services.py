"""The council's services, hardest: the roll call and its proxies, the quorum sent live, motions
(opening, named votes with proxies, secret ballots, the close that computes the result, corrections,
the link to the deliberation), the audit log and the session's log; every bad input refused with its
code and nothing changed. Also: the demo data loads twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from council import services
from council.errors import Invalid
from council.events import MotionData
from council.models import (
    Attendance,
    Correction,
    CouncilMember,
    CouncilRole,
    Motion,
    MotionResult,
    MotionStatus,
    MotionVote,
    TieRule,
)
from council.selectors import quorum_of, rules_for, session_day
from hub.errors import DomainError
from hub.models import AuditLogEntry
from publications.models import DocumentType
from sessions_live.events import datetime_text
from sessions_live.models import LiveSession, SessionEvent, SessionKind, SessionStatus
from tests.factories import CommuneFactory, UserFactory
from tests.factories_council import Council, CouncilMemberFactory, CouncilSessionFactory, council
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory
from tests.factories_sessions import AgendaItemFactory

pytestmark = pytest.mark.django_db

MOTION_KEYS = set(MotionData.__annotations__)


# --- Helpers -------------------------------------------------------------------------------------


def refused(call: Any, code: str) -> DomainError:
    """``call()`` raises the domain error ``code``; the error, for more checks."""
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    return caught.value


def state(session: LiveSession) -> tuple[Any, ...]:
    """Everything a council write may change, to prove a refused write changed nothing."""
    session.refresh_from_db()
    return (
        session.last_seq,
        SessionEvent.objects.filter(session=session).count(),
        AuditLogEntry.objects.count(),
        sorted(
            Attendance.objects.filter(session=session).values_list(
                "member_id", "status", "proxy_holder_id", "arrived_at"
            )
        ),
        sorted(
            Motion.objects.filter(session=session).values_list(
                "id",
                "status",
                "votes_for",
                "votes_against",
                "abstentions",
                "not_voting",
                "result",
                "result_reason",
                "deliberation_id",
            )
        ),
        sorted(
            MotionVote.objects.filter(motion__session=session).values_list(
                "member_id", "choice", "cast_by_id"
            )
        ),
        Correction.objects.filter(motion__session=session).count(),
    )


def roll(
    c: Council, lines: dict[CouncilMember, str], proxies: dict[CouncilMember, CouncilMember] | None = None
):
    entries = [{"member": m.pk, "status": status} for m, status in lines.items()]
    entries += [{"member": m.pk, "status": "proxy", "proxy_holder": h.pk} for m, h in (proxies or {}).items()]
    return services.roll_call(actor=c.secretary, session=c.session, entries=entries)


def seated(size: int = 9, present: int = 6, **session_fields: Any) -> Council:
    """A council whose first ``present`` members (the mayor among them) are in the room."""
    c = council(size, **session_fields)
    roll(c, {m: "present" for m in c.members[:present]})
    return c


def events(session: LiveSession) -> list[SessionEvent]:
    return list(SessionEvent.objects.filter(session=session).order_by("seq"))


def last_event(session: LiveSession) -> SessionEvent:
    found = SessionEvent.objects.filter(session=session).order_by("-seq").first()
    assert found is not None
    return found


def vote(c: Council, motion: Motion, choices: dict[CouncilMember, str]) -> Motion:
    return services.votes_record(
        actor=c.secretary,
        motion=motion,
        votes=[{"member": m.pk, "choice": choice} for m, choice in choices.items()],
    )


def open_motion(c: Council, **fields: Any) -> Motion:
    return services.motion_open(
        actor=c.secretary, session=c.session, title=fields.pop("title", "Budget"), **fields
    )


def audit_actions(c: Council) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(commune=c.commune).order_by("id").values_list("action", flat=True)
    )


# --- Roll call -----------------------------------------------------------------------------------


def test_roll_call_records_each_status_and_the_quorum_goes_out_live():
    # given a council of 9 (quorum: 5)
    c = council(9)
    m = c.members
    # when the roll call is taken: 4 present, one late, one by proxy, one excused, one absent
    rows = roll(
        c,
        {
            m[0]: "present",
            m[1]: "present",
            m[2]: "present",
            m[3]: "present",
            m[4]: "late",
            m[6]: "excused",
            m[7]: "absent",
        },
        proxies={m[5]: m[1]},
    )
    # then each line is recorded, and the late arrival is stamped
    assert len(rows) == 8
    got = {a.member_id: a for a in Attendance.objects.filter(session=c.session)}
    assert got[m[4].pk].status == "late" and got[m[4].pk].arrived_at is not None
    assert got[m[0].pk].arrived_at is None
    assert got[m[5].pk].proxy_holder_id == m[1].pk and got[m[6].pk].status == "excused"
    assert m[8].pk not in got  # not called yet
    # and the attendance.updated event carries the lines and the quorum (proxies not counted: default)
    event = last_event(c.session)
    assert event.name == "attendance.updated"
    assert {e["member"]["id"]: e["status"] for e in event.data["entries"]} == {
        a.member_id: a.status for a in got.values()
    }
    assert event.data["quorum"] == {
        "in_office": 9,
        "present": 5,
        "represented": 1,
        "counted": 5,
        "required": 5,
        "reached": True,
    }
    assert audit_actions(c).count("council.attendance") == 8


def test_the_quorum_in_the_event_follows_each_change():
    # given a council of 9 with 4 present (quorum 5: not reached)
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:4]})
    assert last_event(c.session).data["quorum"]["reached"] is False
    # when a fifth member arrives late
    services.attendance_record(actor=c.secretary, session=c.session, member=m[4].pk, status="late")
    # then the quorum is reached, live, and the event carries only the changed line
    event = last_event(c.session)
    assert event.data["quorum"]["counted"] == 5 and event.data["quorum"]["reached"] is True
    assert [e["member"]["id"] for e in event.data["entries"]] == [m[4].pk]
    assert event.data["entries"][0]["arrived_at"] is not None
    # and when one leaves, it is lost again
    services.attendance_record(actor=c.secretary, session=c.session, member=m[0].pk, status="absent")
    assert last_event(c.session).data["quorum"]["reached"] is False


def test_proxies_count_towards_the_quorum_when_the_rules_say_so():
    # given a council of 9 with 4 present and one represented
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:4]}, proxies={m[4]: m[0]})
    assert quorum_of(c.session).reached is False
    # when the commune's rules count proxies
    services.rules_update(actor=c.secretary, commune=c.commune, proxies_count_for_quorum=True)
    # then the same roll call reaches the quorum
    assert quorum_of(c.session).counted == 5 and quorum_of(c.session).reached is True


def test_an_unchanged_line_is_not_written_again():
    # given a member recorded present
    c = council(5)
    roll(c, {c.members[0]: "present"})
    before = state(c.session)
    # when the same line is sent again, then nothing is written, no event, no audit entry
    assert (
        services.attendance_record(
            actor=c.secretary, session=c.session, member=c.members[0].pk, status="present"
        )
        is None
    )
    assert state(c.session) == before


def test_late_arrival_keeps_its_first_stamp_and_loses_it_once_present():
    c = council(5)
    member = c.members[1]
    roll(c, {member: "late"})
    stamped = Attendance.objects.get(member=member).arrived_at
    # when the late line is changed to present
    services.attendance_record(actor=c.secretary, session=c.session, member=member.pk, status="present")
    # then the stamp goes (present from the start of the record)
    assert Attendance.objects.get(member=member).arrived_at is None
    assert stamped is not None


def test_a_proxy_holder_is_in_the_room_and_holds_one_at_most():
    c = council(9)
    m = c.members
    roll(c, {m[0]: "present", m[1]: "present", m[2]: "absent"})
    before = state(c.session)
    # a holder who is absent, or not called at all
    refused(lambda: roll(c, {}, proxies={m[3]: m[2]}), "validation_error")
    refused(lambda: roll(c, {}, proxies={m[3]: m[8]}), "validation_error")
    # two proxies for one holder, in one roll call or across two
    refused(lambda: roll(c, {}, proxies={m[3]: m[1], m[4]: m[1]}), "validation_error")
    roll(c, {}, proxies={m[3]: m[1]})
    after_first = state(c.session)
    assert after_first != before
    refused(lambda: roll(c, {}, proxies={m[4]: m[1]}), "validation_error")
    # your own proxy
    refused(lambda: roll(c, {}, proxies={m[5]: m[5]}), "validation_error")
    # a member who holds a proxy cannot give one (they are not in the room any more)
    refused(lambda: roll(c, {}, proxies={m[1]: m[0]}), "validation_error")
    # then nothing of the refused calls was written
    assert state(c.session) == after_first


def test_a_holder_marked_absent_while_holding_a_proxy_is_refused():
    # given m1 present and holding m3's proxy
    c = council(9)
    m = c.members
    roll(c, {m[0]: "present", m[1]: "present"}, proxies={m[3]: m[1]})
    before = state(c.session)
    # when m1 is marked absent (or excused, or given a proxy), then it is refused: release the proxy first
    for status in ("absent", "excused"):
        error = refused(
            lambda status=status: services.attendance_record(
                actor=c.secretary, session=c.session, member=m[1].pk, status=status
            ),
            "validation_error",
        )
        assert "proxy_holder" in error.details["fields"]
    refused(lambda: roll(c, {}, proxies={m[1]: m[0]}), "validation_error")
    assert state(c.session) == before
    # and both in one roll call (the proxy moved to another holder) is accepted
    roll(c, {m[1]: "absent"}, proxies={m[3]: m[0]})
    assert Attendance.objects.get(member=m[3]).proxy_holder_id == m[0].pk


@pytest.mark.parametrize(
    "entries",
    [
        None,
        [],
        "present",
        {"member": 1, "status": "present"},
        ["present"],
        [{"member": "abc", "status": "present"}],
        [{"member": True, "status": "present"}],
        [{"member": -4, "status": "present"}],
        [{"member": "²", "status": "present"}],
        [{"status": "present"}],
        [{"member": "{m0}", "status": "here"}],
        [{"member": "{m0}", "status": None}],
        [{"member": "{m0}", "status": "proxy"}],
        [{"member": "{m0}", "status": "present", "proxy_holder": "{m1}"}],
        [{"member": "{m0}", "status": "proxy", "proxy_holder": "x"}],
        [{"member": "{m0}", "status": "present"}, {"member": "{m0}", "status": "absent"}],
        [{"member": "{m0}", "status": "present"}] * 501,
    ],
)
def test_bad_roll_call_input_is_refused_and_changes_nothing(entries):
    c = council(5)

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if value == "{m0}":
            return c.members[0].pk
        if value == "{m1}":
            return c.members[1].pk
        return value

    before = state(c.session)
    refused(
        lambda: services.roll_call(actor=c.secretary, session=c.session, entries=fill(entries)),
        "validation_error",
    )
    assert state(c.session) == before


def test_a_stranger_on_the_roll_call_is_not_a_member():
    # given a council, a member of another commune, and members out of office on the session's day
    c = council(5)
    day = session_day(c.session)
    other = CouncilMemberFactory()  # another commune's council
    ended = CouncilMemberFactory(commune=c.commune, mandate_end=day - datetime.timedelta(days=1))
    future = CouncilMemberFactory(commune=c.commune, mandate_start=day + datetime.timedelta(days=1))
    before = state(c.session)
    # when any of them is on the roll call (or holds a proxy), then it is refused, naming them
    for stranger in (other, ended, future):
        error = refused(lambda s=stranger: roll(c, {c.members[0]: "present", s: "present"}), "not_a_member")
        assert error.details["members"] == [stranger.pk]
        refused(lambda s=stranger: roll(c, {}, proxies={c.members[1]: s}), "not_a_member")
    refused(
        lambda: services.attendance_record(
            actor=c.secretary, session=c.session, member=999_999, status="present"
        ),
        "not_a_member",
    )
    assert state(c.session) == before


def test_a_mandate_ending_on_the_session_day_still_counts():
    # given a member whose mandate ends on the session's day
    c = council(3)
    last_day = CouncilMemberFactory(commune=c.commune, mandate_end=session_day(c.session))
    # when called, then accepted
    roll(c, {last_day: "present"})
    assert quorum_of(c.session).in_office == 4


def test_an_ended_session_refuses_the_roll_call():
    c = council(5, status=SessionStatus.ENDED, ended_at=timezone.now())
    before = state(c.session)
    refused(lambda: roll(c, {c.members[0]: "present"}), "wrong_status")
    assert state(c.session) == before


@pytest.mark.parametrize("kind", [SessionKind.ACCOUNTABILITY, SessionKind.HEARING])
def test_a_session_that_is_not_a_councils_refuses_roll_calls_and_motions(kind):
    c = council(5, kind=kind)
    before = state(c.session)
    refused(lambda: roll(c, {c.members[0]: "present"}), "wrong_status")
    refused(lambda: open_motion(c), "wrong_status")
    assert state(c.session) == before


def test_an_extraordinary_session_is_a_council_session():
    c = council(3, kind=SessionKind.EXTRAORDINARY)
    roll(c, {x: "present" for x in c.members})
    assert open_motion(c).number == 1


# --- Opening a motion ----------------------------------------------------------------------------


def test_open_a_motion_with_the_defaults():
    # given a seated council (the mayor in the room) and an agenda with a current item
    c = seated(9, 6)
    item = AgendaItemFactory(session=c.session, title="Budget primitif 2027")
    LiveSession.objects.filter(pk=c.session.pk).update(current_item=item)
    document = PublishedDocumentFactory(commune=c.commune)
    # when the secretary-general opens a motion
    motion = open_motion(
        c, title="  Adoption du budget primitif 2027 ", text="Le conseil adopte…", document=document.pk
    )
    # then it is open, numbered, on the current item, chaired by the mayor, under the commune's rules
    assert (motion.status, motion.number, motion.agenda_item_id) == (MotionStatus.OPEN, 1, item.pk)
    assert motion.title == "Adoption du budget primitif 2027"
    assert motion.chair_id == c.mayor.pk and motion.document_id == document.pk
    rules = rules_for(c.commune)
    assert (motion.majority_rule, motion.tie_rule, motion.members_in_office) == (
        rules.majority_rule,
        rules.tie_rule,
        9,
    )
    assert motion.opened_by == c.secretary and motion.result == ""
    # and the event carries the whole motion; the audit log keeps the quorum it was opened with
    event = last_event(c.session)
    assert event.name == "motion.opened" and set(event.data["motion"]) == MOTION_KEYS
    assert event.data["motion"]["document"]["id"] == document.pk
    entry = AuditLogEntry.objects.get(action="council.motion_open")
    assert entry.data["quorum"]["reached"] is True and entry.object_id == str(motion.pk)


def test_motions_are_numbered_within_the_session_and_the_rules_chosen_are_kept():
    c = seated(5, 3)
    first = open_motion(c)
    vote(c, first, {c.members[0]: "for"})
    services.motion_close(actor=c.secretary, motion=first)
    second = open_motion(
        c, majority_rule="two_thirds", tie_rule="rejected", secret="on", chair=c.members[1].pk
    )
    assert second.number == 2 and second.secret is True
    assert (second.majority_rule, second.tie_rule, second.chair_id) == (
        "two_thirds",
        "rejected",
        c.members[1].pk,
    )


def test_no_mayor_in_the_room_means_no_default_chair():
    c = council(5)
    roll(c, {x: "present" for x in c.members[1:5]}, proxies={c.mayor: c.members[1]})
    assert open_motion(c).chair_id is None


def test_a_motion_needs_the_quorum():
    # given 4 of 9 present and one by proxy (proxies do not count by default)
    c = council(9)
    roll(c, {x: "present" for x in c.members[:4]}, proxies={c.members[5]: c.members[0]})
    before = state(c.session)
    # when a motion is opened, then no_quorum, with the figures
    error = refused(lambda: open_motion(c), "no_quorum")
    assert error.details["quorum"]["counted"] == 4 and error.details["quorum"]["required"] == 5
    assert state(c.session) == before


def test_no_roll_call_no_quorum():
    c = council(5)
    refused(lambda: open_motion(c), "no_quorum")
    assert not Motion.objects.exists()


@pytest.mark.parametrize("status", [SessionStatus.SCHEDULED, SessionStatus.ENDED])
def test_a_motion_needs_a_live_session(status):
    c = seated(5, 5)
    LiveSession.objects.filter(pk=c.session.pk).update(status=status)
    c.session.refresh_from_db()
    before = state(c.session)
    refused(lambda: open_motion(c), "wrong_status")
    assert state(c.session) == before


def test_one_open_motion_at_a_time():
    c = seated(5, 5)
    open_motion(c, title="Premier point")
    before = state(c.session)
    refused(lambda: open_motion(c, title="Second point"), "wrong_status")
    assert state(c.session) == before


def test_the_document_is_a_published_one_of_this_commune():
    c = seated(5, 5)
    draft = DocumentFactory(commune=c.commune)
    elsewhere = PublishedDocumentFactory()
    before = state(c.session)
    for document in (draft.pk, elsewhere.pk, 999_999):
        error = refused(lambda d=document: open_motion(c, document=d), "validation_error")
        assert "document" in error.details["fields"]
    assert state(c.session) == before


def test_the_agenda_item_is_one_of_this_session():
    c = seated(5, 5)
    other_item = AgendaItemFactory(session=CouncilSessionFactory(commune=c.commune))
    before = state(c.session)
    error = refused(lambda: open_motion(c, agenda_item=other_item.pk), "validation_error")
    assert "agenda_item" in error.details["fields"]
    assert state(c.session) == before
    own = AgendaItemFactory(session=c.session)
    assert open_motion(c, agenda_item=str(own.pk)).agenda_item_id == own.pk


def test_the_chair_is_a_member_in_the_room():
    c = seated(9, 5)
    before = state(c.session)
    for chair in (c.members[7].pk, 999_999):
        error = refused(lambda ch=chair: open_motion(c, chair=ch), "validation_error")
        assert "chair" in error.details["fields"]
    assert state(c.session) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": 42}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"text": "x" * 8001}, "text"),
        ({"text": ["a"]}, "text"),
        ({"secret": "maybe"}, "secret"),
        ({"secret": 2}, "secret"),
        ({"majority_rule": "unanimity"}, "majority_rule"),
        ({"majority_rule": 3}, "majority_rule"),
        ({"tie_rule": "coin"}, "tie_rule"),
        ({"document": "abc"}, "document"),
        ({"agenda_item": 1.5}, "agenda_item"),
        ({"chair": "le maire"}, "chair"),
        ({"chair": "³"}, "chair"),
    ],
)
def test_bad_motion_input_is_refused_and_changes_nothing(fields, field):
    c = seated(5, 5)
    fields = {"title": "Budget", **fields}
    before = state(c.session)
    error = refused(
        lambda: services.motion_open(actor=c.secretary, session=c.session, **fields), "validation_error"
    )
    assert field in error.details["fields"]
    assert state(c.session) == before


# --- Named votes ---------------------------------------------------------------------------------


def test_named_votes_in_person_and_by_proxy():
    # given 5 present and m6 represented by m1
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:5]}, proxies={m[6]: m[1]})
    motion = open_motion(c)
    # when votes are recorded, one of them for the represented member
    motion = vote(c, motion, {m[0]: "for", m[1]: "for", m[2]: "against", m[6]: "abstain"})
    # then the proxy's vote is cast by its holder, and the tally follows the rows
    cast_by = dict(MotionVote.objects.filter(motion=motion).values_list("member_id", "cast_by_id"))
    assert cast_by == {m[0].pk: None, m[1].pk: None, m[2].pk: None, m[6].pk: m[1].pk}
    assert (motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting) == (2, 1, 1, 0)
    assert motion.status == MotionStatus.OPEN and motion.result == ""  # no result before the close
    # and the event carries the whole motion, the members just recorded, and who cast each vote
    event = last_event(c.session)
    assert event.name == "motion.vote" and set(event.data["motion"]) == MOTION_KEYS
    assert event.data["members"] == sorted([m[0].pk, m[1].pk, m[2].pk, m[6].pk])
    assert {v["member"]: v["cast_by"] for v in event.data["motion"]["votes"]}[m[6].pk] == m[1].pk
    assert event.data["motion"]["tally"] == {"for": 2, "against": 1, "abstain": 1, "not_voting": 0}
    # more votes later are added, not replaced
    motion = vote(c, motion, {m[3]: "not_voting", m[4]: "for"})
    assert (motion.votes_for, motion.not_voting) == (3, 1)
    entry = AuditLogEntry.objects.filter(action="council.votes_record").order_by("id").last()
    assert entry is not None and entry.data == {"votes": {str(m[3].pk): "not_voting", str(m[4].pk): "for"}}


def test_a_vote_for_a_non_member_is_refused():
    # given a seated council, a member of another commune and a member whose mandate ended the day before
    c = seated(9, 6)
    motion = open_motion(c)
    other_commune = CouncilMemberFactory()
    ended = CouncilMemberFactory(
        commune=c.commune, mandate_end=session_day(c.session) - datetime.timedelta(days=1)
    )
    before = state(c.session)
    # when a vote is recorded for them, then not_a_member, naming them
    for stranger in (other_commune, ended):
        error = refused(lambda s=stranger: vote(c, motion, {s: "for"}), "not_a_member")
        assert error.details["members"] == [stranger.pk]
    refused(
        lambda: services.vote_record(actor=c.secretary, motion=motion, member=999_999, choice="for"),
        "not_a_member",
    )
    assert state(c.session) == before


def test_a_vote_of_a_member_neither_present_nor_represented_is_refused():
    # given m6 absent, m7 excused and m8 not called at all
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:6]} | {m[6]: "absent", m[7]: "excused"})
    motion = open_motion(c)
    before = state(c.session)
    # when any of them "votes", then not_present
    for member in (m[6], m[7], m[8]):
        error = refused(lambda x=member: vote(c, motion, {x: "for"}), "not_present")
        assert error.details["members"] == [member.pk]
    assert state(c.session) == before


def test_a_second_vote_is_refused_and_a_duplicate_in_one_batch_too():
    c = seated(5, 5)
    motion = open_motion(c)
    vote(c, motion, {c.members[0]: "for"})
    before = state(c.session)
    error = refused(lambda: vote(c, motion, {c.members[0]: "against"}), "already_voted")
    assert error.details["members"] == [c.members[0].pk]
    refused(
        lambda: services.votes_record(
            actor=c.secretary,
            motion=motion,
            votes=[
                {"member": c.members[1].pk, "choice": "for"},
                {"member": c.members[1].pk, "choice": "against"},
            ],
        ),
        "validation_error",
    )
    assert state(c.session) == before
    assert MotionVote.objects.get(member=c.members[0]).choice == "for"


def test_a_vote_after_the_close_is_refused():
    c = seated(5, 5)
    motion = open_motion(c)
    vote(c, motion, {c.members[0]: "for"})
    services.motion_close(actor=c.secretary, motion=motion)
    before = state(c.session)
    refused(lambda: vote(c, motion, {c.members[1]: "for"}), "motion_closed")
    refused(lambda: services.motion_close(actor=c.secretary, motion=motion), "motion_closed")
    assert state(c.session) == before


def test_a_batch_with_one_bad_line_changes_nothing_and_appends_no_event():
    # given a seated council with an open motion, an absent member and a stranger
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:6]} | {m[6]: "absent"})
    motion = open_motion(c)
    vote(c, motion, {m[5]: "for"})
    stranger = CouncilMemberFactory()
    before = state(c.session)
    good = {m[0]: "for", m[1]: "against", m[2]: "abstain"}
    # when a batch of good lines carries one bad line (each kind of bad), then nothing is recorded
    refused(lambda: vote(c, motion, good | {stranger: "for"}), "not_a_member")
    refused(lambda: vote(c, motion, good | {m[6]: "for"}), "not_present")
    refused(lambda: vote(c, motion, good | {m[5]: "against"}), "already_voted")
    bad_choice = [{"member": x.pk, "choice": ch} for x, ch in good.items()] + [
        {"member": m[3].pk, "choice": "oui"}
    ]
    refused(
        lambda: services.votes_record(actor=c.secretary, motion=motion, votes=bad_choice), "validation_error"
    )
    assert state(c.session) == before
    assert MotionVote.objects.filter(motion=motion).count() == 1


@pytest.mark.parametrize(
    "votes",
    [
        None,
        [],
        {"member": 1, "choice": "for"},
        "for",
        [None],
        [["{m0}", "for"]],
        [{"member": "{m0}"}],
        [{"member": "{m0}", "choice": "FOR"}],
        [{"member": "{m0}", "choice": 1}],
        [{"member": "{m0}", "choice": True}],
        [{"choice": "for"}],
        [{"member": "un", "choice": "for"}],
        [{"member": 0, "choice": "for"}],
        [{"member": False, "choice": "for"}],
        [{"member": 2.0, "choice": "for"}],
        [{"member": "²", "choice": "for"}],
        [{"member": "{m0}", "choice": "for"}] * 501,
    ],
)
def test_bad_vote_input_is_refused_and_changes_nothing(votes):
    c = seated(5, 5)
    motion = open_motion(c)

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return c.members[0].pk if value == "{m0}" else value

    before = state(c.session)
    refused(
        lambda: services.votes_record(actor=c.secretary, motion=motion, votes=fill(votes)), "validation_error"
    )
    assert state(c.session) == before


# --- Close: the result computed ------------------------------------------------------------------


def test_close_computes_the_result_from_the_votes():
    # given 5 for, 3 against, 1 abstention (the commune's default: majority of the votes cast)
    c = seated(9, 9)
    m = c.members
    motion = open_motion(c)
    vote(c, motion, {x: "for" for x in m[:5]} | {x: "against" for x in m[5:8]} | {m[8]: "abstain"})
    # when closed
    motion = services.motion_close(actor=c.secretary, motion=motion)
    # then adopted by the majority, stamped, sent and audited with the tally
    assert (motion.status, motion.result, motion.result_reason) == ("closed", "adopted", "majority")
    assert motion.closed_at is not None
    event = last_event(c.session)
    assert event.name == "motion.closed" and event.data["motion"]["result"] == "adopted"
    assert event.data["motion"]["required"] == 5 and set(event.data["motion"]) == MOTION_KEYS
    entry = AuditLogEntry.objects.get(action="council.motion_close")
    assert entry.data == {
        "result": "adopted",
        "reason": "majority",
        "for": 5,
        "against": 3,
        "abstain": 1,
        "not_voting": 0,
    }


@pytest.mark.parametrize(
    ("chair_choice", "result", "reason"),
    [
        ("for", "adopted", "tie_chair_for"),
        ("against", "rejected", "tie_chair_against"),
        ("abstain", "rejected", "tie_rejected"),
    ],
)
def test_a_named_tie_is_decided_by_the_chairs_vote(chair_choice, result, reason):
    # given a tie of 3 for, 3 against, the mayor (the chair) voting as given
    c = seated(9, 9)
    m = c.members
    motion = open_motion(c)
    choices = {m[0]: chair_choice}
    others = [x for x in m[1:7]]
    if chair_choice == "for":
        choices |= {x: "for" for x in others[:2]} | {x: "against" for x in others[2:5]}
    elif chair_choice == "against":
        choices |= {x: "for" for x in others[:3]} | {x: "against" for x in others[3:5]}
    else:
        choices |= {x: "for" for x in others[:3]} | {x: "against" for x in others[3:6]}
    vote(c, motion, choices)
    # when closed, then the chair decides (or nobody does)
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert motion.votes_for == motion.votes_against == 3
    assert (motion.result, motion.result_reason) == (result, reason)


def test_a_tie_under_the_rejected_rule_is_rejected_whatever_the_chair():
    c = seated(5, 4)
    m = c.members
    motion = open_motion(c, tie_rule=TieRule.REJECTED)
    vote(c, motion, {m[0]: "for", m[1]: "for", m[2]: "against", m[3]: "against"})
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert (motion.result, motion.result_reason) == ("rejected", "tie_rejected")


def test_closing_without_any_vote_rejects_with_no_votes():
    c = seated(5, 5)
    motion = services.motion_close(actor=c.secretary, motion=open_motion(c))
    assert (motion.result, motion.result_reason) == ("rejected", "no_votes")


def test_the_rules_of_the_motion_are_those_it_was_opened_under():
    # given a motion opened under the default rule, then the commune changes its rules
    c = seated(9, 9)
    m = c.members
    motion = open_motion(c)
    services.rules_update(actor=c.secretary, commune=c.commune, majority_rule="members")
    vote(c, motion, {m[0]: "for", m[1]: "for", m[2]: "against"})
    # when closed, then decided by the votes cast (2 of 3), not by the members in office (2 of 9)
    assert services.motion_close(actor=c.secretary, motion=motion).result == MotionResult.ADOPTED


# --- Secret ballot -------------------------------------------------------------------------------


def test_a_secret_ballot_records_counts_once_and_closes_with_them():
    # given 7 of 9 in the room and one represented (8 voters)
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:7]}, proxies={m[7]: m[1]})
    motion = open_motion(c, secret=True)
    before = state(c.session)
    # counts over the voters, named votes, and a close before the counts are refused
    error = refused(
        lambda: services.counts_record(
            actor=c.secretary, motion=motion, counts={"for": 5, "against": 3, "abstain": 1}
        ),
        "validation_error",
    )
    assert "counts" in error.details["fields"]
    refused(lambda: vote(c, motion, {m[0]: "for"}), "wrong_status")
    refused(lambda: services.motion_close(actor=c.secretary, motion=motion), "wrong_status")
    assert state(c.session) == before
    # when counts fitting the voters are recorded (8 ballots)
    motion = services.counts_record(
        actor=c.secretary, motion=motion, counts={"for": "3", "against": 4, "abstain": 1}
    )
    assert (motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting) == (3, 4, 1, 0)
    event = last_event(c.session)
    assert event.name == "motion.vote" and event.data["motion"]["votes"] == []
    assert event.data["motion"]["tally"] == {"for": 3, "against": 4, "abstain": 1, "not_voting": 0}
    # then they are recorded once
    refused(
        lambda: services.counts_record(actor=c.secretary, motion=motion, counts={"for": 4, "against": 3}),
        "already_voted",
    )
    # and the close decides from them
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert (motion.result, motion.result_reason) == ("rejected", "majority")
    refused(
        lambda: services.counts_record(actor=c.secretary, motion=motion, counts={"for": 1, "against": 0}),
        "motion_closed",
    )
    assert audit_actions(c)[-2:] == ["council.counts_record", "council.motion_close"]


def test_a_secret_tie_has_no_chair_to_decide_it():
    c = seated(9, 9)
    motion = open_motion(c, secret=True)
    services.counts_record(actor=c.secretary, motion=motion, counts={"for": 4, "against": 4, "abstain": 1})
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert (motion.result, motion.result_reason) == ("rejected", "tie_rejected")


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        (None, "counts"),
        ([3, 2], "counts"),
        ("3-2", "counts"),
        ({"for": -1, "against": 2}, "for"),
        ({"for": 1.5, "against": 2}, "for"),
        ({"for": True, "against": 2}, "for"),
        ({"for": "trois", "against": 2}, "for"),
        ({"for": "²", "against": 2}, "for"),
        ({"against": 2}, "for"),
        ({"for": 2}, "against"),
        ({"for": 1, "against": 1, "abstain": "x"}, "abstain"),
        ({"for": 1, "against": 1, "not_voting": -2}, "not_voting"),
        ({"for": 10_001, "against": 0}, "for"),
        ({"for": 0, "against": 0}, "counts"),
    ],
)
def test_bad_counts_are_refused_and_change_nothing(counts, field):
    c = seated(5, 5)
    motion = open_motion(c, secret=True)
    before = state(c.session)
    error = refused(
        lambda: services.counts_record(actor=c.secretary, motion=motion, counts=counts), "validation_error"
    )
    assert field in error.details["fields"]
    assert state(c.session) == before


# --- Corrections ---------------------------------------------------------------------------------


def test_a_correction_of_a_closed_motion_breaks_its_tie_with_a_reason_on_record():
    # given a closed motion rejected by a tie (chair abstained): 3 for, 3 against
    c = seated(9, 9)
    m = c.members
    motion = open_motion(c)
    vote(c, motion, {m[0]: "abstain"} | {x: "for" for x in m[1:4]} | {x: "against" for x in m[4:7]})
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert (motion.result, motion.result_reason) == ("rejected", "tie_rejected")
    # when one "against" is corrected to "for", with the reason
    motion = services.vote_correct(
        actor=c.secretary,
        motion=motion,
        member=m[6].pk,
        choice="for",
        reason=" Erreur de saisie : M. a voté pour. ",
    )
    # then the result is computed again: adopted, 4 to 2
    assert (motion.votes_for, motion.votes_against, motion.result, motion.result_reason) == (
        4,
        2,
        "adopted",
        "majority",
    )
    vote_row = MotionVote.objects.get(motion=motion, member=m[6])
    assert vote_row.choice == "for" and vote_row.corrected_at is not None
    # and the correction is public, audited and sent live with the motion
    correction = Correction.objects.get(motion=motion)
    assert (correction.what, correction.member_id, correction.before, correction.after) == (
        "vote",
        m[6].pk,
        {"choice": "against"},
        {"choice": "for"},
    )
    assert correction.reason == "Erreur de saisie : M. a voté pour." and correction.by == c.secretary
    entry = AuditLogEntry.objects.get(action="council.vote_correct")
    assert (entry.data["result_before"], entry.data["result_after"]) == ("rejected", "adopted")
    assert entry.data["reason"] == correction.reason
    event = last_event(c.session)
    assert event.name == "motion.corrected"
    assert event.data["correction"] == {
        "id": correction.pk,
        "what": "vote",
        "member": m[6].pk,
        "before": {"choice": "against"},
        "after": {"choice": "for"},
        "reason": correction.reason,
        "created_at": datetime_text(correction.created_at),
    }
    assert event.data["motion"]["result"] == "adopted" and set(event.data["motion"]) == MOTION_KEYS
    corrected = {v["member"]: v["corrected"] for v in event.data["motion"]["votes"]}
    assert corrected[m[6].pk] is True and corrected[m[5].pk] is False


def test_correcting_the_chairs_vote_recomputes_the_tie_break():
    # given a tie 3-3 decided by the chair for
    c = seated(9, 9)
    m = c.members
    motion = open_motion(c)
    vote(
        c,
        motion,
        {m[0]: "for", m[1]: "for", m[2]: "for"} | {x: "against" for x in m[3:6]} | {m[6]: "abstain"},
    )
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert motion.result_reason == "tie_chair_for"
    # when another member's abstention is corrected to "against"
    motion = services.vote_correct(
        actor=c.secretary, motion=motion, member=m[6].pk, choice="against", reason="Relu"
    )
    # then the tie is gone: rejected by the majority
    assert (motion.result, motion.result_reason) == ("rejected", "majority")


@pytest.mark.parametrize("reason", [None, "", "   ", 42, ["x"], "x" * 301, "a\x00b"])
def test_a_correction_needs_a_reason(reason):
    c = seated(5, 5)
    motion = open_motion(c)
    vote(c, motion, {c.members[0]: "for"})
    before = state(c.session)
    error = refused(
        lambda: services.vote_correct(
            actor=c.secretary, motion=motion, member=c.members[0].pk, choice="against", reason=reason
        ),
        "validation_error",
    )
    assert "reason" in error.details["fields"]
    assert state(c.session) == before


def test_bad_corrections_are_refused_and_change_nothing():
    c = seated(5, 5)
    motion = open_motion(c)
    vote(c, motion, {c.members[0]: "for"})
    before = state(c.session)

    def correct(**fields: Any) -> Any:
        return lambda: services.vote_correct(
            actor=c.secretary, motion=motion, **({"reason": "Relu"} | fields)
        )

    refused(correct(member=c.members[1].pk, choice="for"), "not_found")  # never recorded
    refused(correct(member=c.members[0].pk, choice="for"), "validation_error")  # the same vote
    refused(correct(member=c.members[0].pk, choice="pour"), "validation_error")
    refused(correct(member="x", choice="against"), "validation_error")
    refused(correct(member=None, choice="against"), "validation_error")
    refused(
        lambda: services.counts_correct(
            actor=c.secretary, motion=motion, counts={"for": 1, "against": 0}, reason="Relu"
        ),
        "wrong_status",
    )
    assert state(c.session) == before


def test_a_secret_ballots_counts_are_corrected_with_a_reason_and_the_result_follows():
    # given a closed secret ballot rejected 3 to 4
    c = seated(9, 9)
    motion = open_motion(c, secret=True)
    services.counts_record(actor=c.secretary, motion=motion, counts={"for": 3, "against": 4})
    motion = services.motion_close(actor=c.secretary, motion=motion)
    assert motion.result == "rejected"
    before = state(c.session)
    # bad corrections: the same counts, too many ballots, no reason
    refused(
        lambda: services.counts_correct(
            actor=c.secretary, motion=motion, counts={"for": 3, "against": 4}, reason="Relu"
        ),
        "validation_error",
    )
    refused(
        lambda: services.counts_correct(
            actor=c.secretary, motion=motion, counts={"for": 6, "against": 4}, reason="Relu"
        ),
        "validation_error",
    )
    refused(
        lambda: services.counts_correct(
            actor=c.secretary, motion=motion, counts={"for": 5, "against": 2}, reason=""
        ),
        "validation_error",
    )
    assert state(c.session) == before
    # when corrected to 5 to 2
    motion = services.counts_correct(
        actor=c.secretary, motion=motion, counts={"for": 5, "against": 2}, reason="Bulletins recomptés"
    )
    # then adopted; the correction keeps both tallies
    assert (motion.result, motion.votes_for, motion.votes_against) == ("adopted", 5, 2)
    correction = Correction.objects.get(motion=motion)
    assert correction.what == "counts" and correction.member_id is None
    assert correction.before == {"for": 3, "against": 4, "abstain": 0, "not_voting": 0}
    assert correction.after == {"for": 5, "against": 2, "abstain": 0, "not_voting": 0}
    assert last_event(c.session).data["correction"]["id"] == correction.pk
    assert AuditLogEntry.objects.get(action="council.counts_correct").data["result_after"] == "adopted"


def test_counts_never_recorded_are_recorded_not_corrected():
    c = seated(5, 5)
    motion = open_motion(c, secret=True)
    before = state(c.session)
    refused(
        lambda: services.counts_correct(
            actor=c.secretary, motion=motion, counts={"for": 3, "against": 1}, reason="Relu"
        ),
        "not_found",
    )
    assert state(c.session) == before


def test_once_the_session_has_ended_an_open_vote_takes_no_more_votes_but_closes():
    # given an open named vote and an open secret ballot left when their sessions ended
    c = seated(5, 5)
    named = open_motion(c)
    vote(c, named, {c.members[0]: "for", c.members[1]: "for"})
    LiveSession.objects.filter(pk=c.session.pk).update(status=SessionStatus.ENDED, ended_at=timezone.now())
    other = seated(5, 5)
    secret = open_motion(other, secret=True)
    LiveSession.objects.filter(pk=other.session.pk).update(
        status=SessionStatus.ENDED, ended_at=timezone.now()
    )
    before = (state(c.session), state(other.session))
    # when more votes or counts are recorded, then they are refused
    refused(lambda: vote(c, named, {c.members[2]: "against"}), "wrong_status")
    refused(
        lambda: services.counts_record(actor=other.secretary, motion=secret, counts={"for": 1, "against": 0}),
        "wrong_status",
    )
    assert (state(c.session), state(other.session)) == before
    # and the named vote closes with the votes it has
    assert services.motion_close(actor=c.secretary, motion=named).result == "adopted"


# --- The deliberation ----------------------------------------------------------------------------


def adopted(c: Council) -> Motion:
    motion = open_motion(c)
    vote(c, motion, {c.members[0]: "for"})
    return services.motion_close(actor=c.secretary, motion=motion)


@pytest.mark.parametrize("kind", [DocumentType.COUNCIL_DELIBERATION, DocumentType.COUNCIL_MINUTES])
def test_an_adopted_motion_links_to_its_published_deliberation(kind):
    c = seated(5, 5)
    motion = adopted(c)
    deliberation = PublishedDocumentFactory(commune=c.commune, type=kind)
    # when linked, then it is kept, sent live and audited
    motion = services.motion_link_deliberation(
        actor=c.secretary, motion=motion, document=str(deliberation.pk)
    )
    assert motion.deliberation_id == deliberation.pk
    event = last_event(c.session)
    assert event.name == "motion.updated" and event.data["motion"]["deliberation"]["id"] == deliberation.pk
    assert AuditLogEntry.objects.get(action="council.motion_deliberation").data == {
        "before": None,
        "after": deliberation.pk,
    }
    # and None unlinks it
    assert (
        services.motion_link_deliberation(actor=c.secretary, motion=motion, document=None).deliberation_id
        is None
    )


def test_only_an_adopted_closed_motion_links_and_only_to_a_published_deliberation_of_the_commune():
    c = seated(5, 5)
    deliberation = PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    still_open = open_motion(c)
    refused(
        lambda: services.motion_link_deliberation(
            actor=c.secretary, motion=still_open, document=deliberation.pk
        ),
        "wrong_status",
    )
    vote(c, still_open, {c.members[0]: "against"})
    rejected = services.motion_close(actor=c.secretary, motion=still_open)
    refused(
        lambda: services.motion_link_deliberation(
            actor=c.secretary, motion=rejected, document=deliberation.pk
        ),
        "wrong_status",
    )
    motion = adopted(c)
    budget = PublishedDocumentFactory(commune=c.commune, type=DocumentType.BUDGET_PRIMITIVE)
    draft = DocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    elsewhere = PublishedDocumentFactory(type=DocumentType.COUNCIL_DELIBERATION)
    before = state(c.session)
    for document in (budget.pk, draft.pk, elsewhere.pk, 999_999, "abc", "²", True, -3, [1]):
        error = refused(
            lambda d=document: services.motion_link_deliberation(
                actor=c.secretary, motion=motion, document=d
            ),
            "validation_error",
        )
        assert "deliberation" in error.details["fields"]
    assert state(c.session) == before


# --- The record: audit log and the session's log -------------------------------------------------


def test_every_write_is_audited_and_the_log_has_no_gap_with_the_whole_motion_in_each_event():
    # given a council session and a full sitting: roll call, a named motion with a correction and a
    # deliberation, a secret ballot
    c = council(9)
    m = c.members
    roll(c, {x: "present" for x in m[:7]}, proxies={m[7]: m[2]})
    services.attendance_record(actor=c.secretary, session=c.session, member=m[8].pk, status="late")
    named = open_motion(c, title="Budget primitif 2027")
    vote(c, named, {x: "for" for x in m[:5]})
    vote(c, named, {m[5]: "against", m[7]: "abstain"})
    named = services.motion_close(actor=c.secretary, motion=named)
    services.vote_correct(actor=c.secretary, motion=named, member=m[5].pk, choice="for", reason="Relu")
    deliberation = PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
    services.motion_link_deliberation(actor=c.secretary, motion=named, document=deliberation.pk)
    secret = open_motion(c, title="Désignation d'un représentant", secret=True)
    services.counts_record(actor=c.secretary, motion=secret, counts={"for": 2, "against": 6, "abstain": 1})
    services.motion_close(actor=c.secretary, motion=secret)
    # then every write is in the audit log, in order
    actions = audit_actions(c)
    assert actions == [
        *["council.attendance"] * 8,
        "council.attendance",
        "council.motion_open",
        "council.votes_record",
        "council.votes_record",
        "council.motion_close",
        "council.vote_correct",
        "council.motion_deliberation",
        "council.motion_open",
        "council.counts_record",
        "council.motion_close",
    ]
    assert set(AuditLogEntry.objects.filter(commune=c.commune).values_list("actor_id", flat=True)) == {
        c.secretary.pk
    }
    # and the session's log numbers them 1..n with no gap, each motion event with the whole motion
    log = events(c.session)
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    c.session.refresh_from_db()
    assert c.session.last_seq == len(log)
    assert [e.name for e in log] == [
        "attendance.updated",
        "attendance.updated",
        "motion.opened",
        "motion.vote",
        "motion.vote",
        "motion.closed",
        "motion.corrected",
        "motion.updated",
        "motion.opened",
        "motion.vote",
        "motion.closed",
    ]
    for event in log:
        if event.name.startswith("motion."):
            assert set(event.data["motion"]) == MOTION_KEYS
    # and each event's motion is the motion as it was then: the tallies only grow until the correction
    named_events = [
        e.data["motion"] for e in log if e.name.startswith("motion.") and e.data["motion"]["id"] == named.pk
    ]
    assert [x["tally"]["for"] for x in named_events] == [0, 5, 5, 5, 6, 6]
    assert [x["status"] for x in named_events] == ["open", "open", "open", "closed", "closed", "closed"]


def test_a_refused_write_writes_no_audit_entry_and_no_event():
    c = seated(5, 3)
    before = state(c.session)
    refused(lambda: roll(c, {CouncilMemberFactory(): "present"}), "not_a_member")
    refused(lambda: open_motion(c, title=""), "validation_error")
    assert state(c.session) == before


# --- Demo data -----------------------------------------------------------------------------------


def test_demo_load_runs_twice_and_creates_the_councils_record(reference_data):
    from council.demo import COTONOU_RECORD_TITLE, demo_load
    from hub.demo_data import demo_data_load
    from publications.demo import demo_load as publications_demo
    from sessions_live.demo import UPCOMING_TITLE
    from sessions_live.demo import demo_load as sessions_demo

    # given the demo accounts, documents and sessions
    demo_data_load()
    publications_demo()
    sessions_demo()
    # when the council's demo is loaded twice
    first = demo_load()
    counts = (
        CouncilMember.objects.count(),
        Attendance.objects.count(),
        Motion.objects.count(),
        MotionVote.objects.count(),
        SessionEvent.objects.count(),
        AuditLogEntry.objects.count(),
    )
    second = demo_load()
    # then the second run adds nothing, and each gives a one-line report
    assert "\n" not in first and "\n" not in second and first != second
    assert counts == (
        CouncilMember.objects.count(),
        Attendance.objects.count(),
        Motion.objects.count(),
        MotionVote.objects.count(),
        SessionEvent.objects.count(),
        AuditLogEntry.objects.count(),
    )
    # and the pilot communes have their councils: Cotonou 49, a mayor and deputies each
    sizes = {
        slug: CouncilMember.objects.filter(commune__slug=slug).count()
        for slug in ("cotonou", "abomey-calavi", "akpro-misserete")
    }
    assert sizes["cotonou"] == 49 and all(19 <= n <= 25 for slug, n in sizes.items() if slug != "cotonou")
    for slug in sizes:
        assert CouncilMember.objects.filter(commune__slug=slug, role=CouncilRole.MAYOR).count() == 1
        assert CouncilMember.objects.filter(commune__slug=slug, role=CouncilRole.DEPUTY_MAYOR).exists()
        assert CouncilMember.objects.filter(commune__slug=slug, committees__isnull=False).exists()
    # and an ended ordinary council session of Cotonou in 2026 has a roll call and two closed motions
    ended = LiveSession.objects.get(commune__slug="cotonou", title=COTONOU_RECORD_TITLE)
    assert ended.status == SessionStatus.ENDED and ended.kind == SessionKind.ORDINARY
    assert timezone.localdate(ended.starts_at).year == 2026
    assert quorum_of(ended).reached
    motions = {m.secret: m for m in Motion.objects.filter(session=ended)}
    assert motions[False].result == "adopted" and motions[False].votes.exists()
    assert motions[True].result == "rejected" and not motions[True].votes.exists()
    assert all(m.status == "closed" for m in motions.values())
    # and the demo mayor's account sits on the council; the upcoming ordinary session can be run
    mayor = CouncilMember.objects.get(commune__slug="cotonou", role=CouncilRole.MAYOR)
    assert mayor.user is not None and mayor.user.email.startswith("maire.cotonou@")
    upcoming = LiveSession.objects.get(commune__slug="cotonou", title=UPCOMING_TITLE)
    assert upcoming.kind == SessionKind.ORDINARY and upcoming.status == SessionStatus.SCHEDULED


def test_demo_load_without_the_demo_accounts_does_nothing():
    CommuneFactory(name="Cotonou", slug="cotonou")
    report = demo_load_now()
    assert "\n" not in report and not CouncilMember.objects.exists()


def demo_load_now() -> str:
    from council.demo import demo_load

    return demo_load()


def test_an_account_is_linked_to_one_member_of_the_council_at_a_time():
    # given a council whose mayor is linked to the mayor's account
    c = council(3)
    account = UserFactory()
    services.member_update(actor=c.secretary, member=c.members[0], user=account.pk)
    # when another member in office is linked to the same account, through create or update
    with pytest.raises(Invalid) as refused:
        services.member_update(actor=c.secretary, member=c.members[1], user=account.pk)
    with pytest.raises(Invalid):
        services.member_create(
            actor=c.secretary,
            commune=c.commune,
            full_name="Nouvelle",
            mandate_start="2026-01-01",
            user=account.pk,
        )
    # then both are refused on the field, and nothing changed
    assert "user" in refused.value.details["fields"]
    c.members[1].refresh_from_db()
    assert c.members[1].user_id is None
    # but a member whose mandate ended before the other began may share it (a person re-elected)
    old = CouncilMemberFactory(
        commune=c.commune,
        mandate_start=datetime.date(2015, 6, 1),
        mandate_end=c.members[0].mandate_start - datetime.timedelta(days=1),
    )
    services.member_update(actor=c.secretary, member=old, user=account.pk)
    old.refresh_from_db()
    assert old.user_id == account.pk
