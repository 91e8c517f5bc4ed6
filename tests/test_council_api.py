"""The council's REST API: public reads (the council, a member's record, a session's roll call and
motions, with pinned query counts), the secretary-general's and the mayor's writes (role × action,
nothing written when refused), and bad input on the writes (clear JSON errors, nothing changed)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from council import services
from council.models import (
    Attendance,
    Committee,
    Correction,
    CouncilMember,
    CouncilRules,
    Motion,
    MotionVote,
)
from hub.models import AuditLogEntry, Role
from sessions_live.models import SessionEvent, SessionKind
from tests.factories import AdminFactory, CommuneFactory, UserFactory
from tests.factories_council import (
    CommitteeFactory,
    Council,
    CouncilMemberFactory,
    council,
)
from tests.factories_publications import EXE_BYTES, PublishedDocumentFactory, png_bytes
from tests.factories_sessions import LiveSessionFactory, staff_of
from tests.test_hostile_input import DEEP_ARRAYS, DEEP_OBJECTS

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user=None) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def seated(c: Council, present: int = 6) -> None:
    """The first ``present`` members in the room (the quorum of 9 is 5)."""
    entries = [{"member": m.pk, "status": "present"} for m in c.members[:present]]
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)


def open_motion(c: Council, **fields: Any) -> Motion:
    return services.motion_open(actor=c.secretary, session=c.session, title="Budget 2027", **fields)


def snapshot() -> dict[str, Any]:
    """What a refused or invalid write must leave as it was."""
    return {
        "members": list(CouncilMember.objects.order_by("pk").values_list("pk", "full_name", "mandate_end")),
        "committees": Committee.objects.count(),
        "rules": list(CouncilRules.objects.values_list("tie_rule", "quorum_rule")),
        "attendance": list(Attendance.objects.order_by("pk").values_list("member_id", "status")),
        "motions": list(Motion.objects.order_by("pk").values_list("pk", "status", "votes_for", "result")),
        "votes": list(MotionVote.objects.order_by("pk").values_list("member_id", "choice")),
        "corrections": Correction.objects.count(),
        "events": SessionEvent.objects.count(),
        "audit": AuditLogEntry.objects.count(),
    }


# --- Reading ---------------------------------------------------------------------------------------


def test_the_council_lists_members_in_office_the_mayor_first_with_committees_and_rules():
    # given a council of 3, a committee, a member whose mandate ended, one with an account
    c = council(3)
    finances = CommitteeFactory(commune=c.commune, name="Finances")
    c.members[1].committees.add(finances)
    account = UserFactory(email="elu@example.bj")
    CouncilMember.objects.filter(pk=c.members[2].pk).update(user=account)
    gone = CouncilMemberFactory(
        commune=c.commune,
        full_name="Ancien Conseiller",
        mandate_start=timezone.localdate() - datetime.timedelta(days=900),
        mandate_end=timezone.localdate() - datetime.timedelta(days=10),
    )
    # when anyone reads it
    body = client_for().get(f"{API}communes/{c.commune.slug}/council/").json()
    # then the members in office are listed, the mayor first, each with the public fields only
    assert body["members"][0]["id"] == c.mayor.pk
    assert {m["id"] for m in body["members"]} == {m.pk for m in c.members}
    second = next(m for m in body["members"] if m["id"] == c.members[1].pk)
    assert second["committees"] == [{"id": finances.pk, "name": "Finances"}]
    assert second["path"] == c.members[1].get_absolute_url() and second["photo_url"] is None
    with_account = next(m for m in body["members"] if m["id"] == c.members[2].pk)
    assert with_account["has_account"] is True and "user" not in with_account
    assert "elu@example.bj" not in str(body) and second["has_account"] is False
    assert body["committees"] == [{"id": finances.pk, "name": "Finances"}]
    assert body["rules"] == {
        "quorum_rule": "majority",
        "quorum_fixed": None,
        "proxies_count_for_quorum": False,
        "majority_rule": "cast",
        "tie_rule": "chair",
    }
    assert body["commune"]["slug"] == c.commune.slug
    # and with all=true the ended mandate too
    everyone = client_for().get(f"{API}communes/{c.commune.slug}/council/", {"all": "true"}).json()
    assert gone.pk in {m["id"] for m in everyone["members"]}
    assert gone.pk not in {m["id"] for m in body["members"]}


@pytest.mark.parametrize("query", [{"all": ""}, {"all": "maybe"}])
def test_a_bad_council_query_is_400(query):
    c = council(2)
    response = client_for().get(f"{API}communes/{c.commune.slug}/council/", query)
    assert response.status_code == 400 and "all" in response.json()["error"]["fields"]


def test_unknown_commune_member_session_and_motion_are_json_404():
    for path in (
        "communes/nowhere/council/",
        "council/members/999999/",
        "council/members/999999/photo/",
        "sessions/999999/council/",
        "sessions/999999/motions/",
        "motions/999999/",
    ):
        response = client_for().get(API + path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] in ("not_found", "commune_not_found", "session_not_found")


def test_a_member_s_record_has_attendance_and_every_named_vote():
    # given a session where member 6 is represented by member 1, who votes against for them
    c = council(9)
    m = c.members
    entries = [{"member": x.pk, "status": "present"} for x in m[:6]]
    entries.append({"member": m[6].pk, "status": "proxy", "proxy_holder": m[1].pk})
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)
    motion = open_motion(c)
    services.votes_record(
        actor=c.secretary,
        motion=motion,
        votes=[{"member": x.pk, "choice": "for"} for x in m[:2]] + [{"member": m[6].pk, "choice": "against"}],
    )
    services.motion_close(actor=c.secretary, motion=motion)
    # when the represented member's record is read
    body = client_for().get(f"{API}council/members/{m[6].pk}/").json()
    # then it says represented once, never present, and the vote cast by the holder
    assert (body["sessions_called"], body["sessions_present"], body["sessions_represented"]) == (1, 0, 1)
    assert body["attendance_rate"] == 0
    assert body["attendance"] == [
        {
            "session": c.session.pk,
            "session_title": c.session.title,
            "date": timezone.localdate(c.session.starts_at).isoformat(),
            "status": "proxy",
            "proxy_holder": m[1].pk,
        }
    ]
    [vote] = body["votes"]
    assert vote["motion"] == motion.pk and vote["choice"] == "against" and vote["cast_by"] == m[1].pk
    assert vote["result"] == "adopted" and vote["motion_number"] == 1 and vote["session"] == c.session.pk
    # and a member never called has no rate
    never = client_for().get(f"{API}council/members/{m[8].pk}/").json()
    assert never["attendance_rate"] is None and never["votes"] == []


def test_a_session_s_council_record_lists_every_member_called_or_not_and_the_quorum():
    c = council(9)
    seated(c, present=5)
    body = client_for().get(f"{API}sessions/{c.session.pk}/council/").json()
    assert body["council"] is True and body["session"] == c.session.pk
    assert len(body["roll_call"]) == 9
    statuses = {line["member"]["id"]: line["status"] for line in body["roll_call"]}
    assert statuses[c.members[0].pk] == "present" and statuses[c.members[8].pk] is None
    assert body["quorum"] == {
        "in_office": 9,
        "present": 5,
        "represented": 0,
        "counted": 5,
        "required": 5,
        "reached": True,
    }
    assert body["motions"] == [] and body["current"] is None


def test_a_session_that_is_not_a_council_session_says_so_with_empty_lists():
    c = council(3)
    hearing = LiveSessionFactory(commune=c.commune, kind=SessionKind.HEARING)
    body = client_for().get(f"{API}sessions/{hearing.pk}/council/").json()
    assert body == {
        "session": hearing.pk,
        "council": False,
        "roll_call": [],
        "quorum": None,
        "motions": [],
        "current": None,
    }
    assert client_for().get(f"{API}sessions/{hearing.pk}/motions/").json() == []


# --- The flow of a session over the API ------------------------------------------------------------


def test_the_secretary_general_takes_the_roll_call_opens_a_motion_records_votes_and_closes_it():
    c = council(9)
    m = c.members
    api = client_for(c.secretary)
    # when the roll call is taken: six present, one represented by proxy, one excused
    entries = [{"member": x.pk, "status": "present"} for x in m[:6]]
    entries += [
        {"member": m[6].pk, "status": "proxy", "proxy_holder": m[1].pk},
        {"member": m[7].pk, "status": "excused", "proxy_holder": None},
    ]
    called = api.post(f"{API}sessions/{c.session.pk}/attendance/", {"entries": entries}, format="json")
    # then the session's record answers, with the quorum reached
    assert called.status_code == 200, called.content
    assert called.json()["quorum"]["reached"] is True and called.json()["quorum"]["present"] == 6
    # when a motion is opened
    opened = api.post(
        f"{API}sessions/{c.session.pk}/motions/",
        {"title": "Budget primitif 2027", "text": "Vote du budget."},
        format="json",
    )
    assert opened.status_code == 201, opened.content
    motion = opened.json()
    assert (motion["number"], motion["status"], motion["chair"]) == (1, "open", c.mayor.pk)
    assert motion["majority_rule"] == "cast" and motion["tally"] == {
        "for": 0,
        "against": 0,
        "abstain": 0,
        "not_voting": 0,
    }
    # and votes are recorded by name, a proxy's by its holder
    votes = [{"member": x.pk, "choice": "for"} for x in m[:4]]
    votes += [{"member": x.pk, "choice": "against"} for x in (m[4], m[5], m[6])]
    voted = api.post(f"{API}motions/{motion['id']}/votes/", {"votes": votes}, format="json")
    assert voted.status_code == 200, voted.content
    assert voted.json()["tally"] == {"for": 4, "against": 3, "abstain": 0, "not_voting": 0}
    by_member = {v["member"]: v["cast_by"] for v in voted.json()["votes"]}
    assert by_member[m[6].pk] == m[1].pk and by_member[m[0].pk] is None
    # and the vote is closed: the server computes the result
    closed = api.post(f"{API}motions/{motion['id']}/close/")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["result"], closed.json()["result_reason"]) == (
        "closed",
        "adopted",
        "majority",
    )
    # and a correction flips a vote, publicly, and the result is computed again
    corrected = api.post(
        f"{API}motions/{motion['id']}/corrections/",
        {"member": m[3].pk, "choice": "against", "reason": "Erreur de saisie"},
        format="json",
    )
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert body["tally"]["for"] == 3 and body["tally"]["against"] == 4 and body["result"] == "rejected"
    [correction] = body["corrections"]
    assert correction["before"] == {"choice": "for"} and correction["after"] == {"choice": "against"}
    assert correction["reason"] == "Erreur de saisie" and correction["member"] == m[3].pk
    # then everyone reads the same from the motion, the session's motions and its record
    assert client_for().get(f"{API}motions/{motion['id']}/").json() == body
    [listed] = client_for().get(f"{API}sessions/{c.session.pk}/motions/").json()
    assert listed["result"] == "rejected" and listed["votes"] == body["votes"]
    record = client_for().get(f"{API}sessions/{c.session.pk}/council/").json()
    assert record["current"] == motion["id"] and record["motions"][0]["result"] == "rejected"
    # and every step is in the session's log
    names = list(
        SessionEvent.objects.filter(session=c.session).order_by("seq").values_list("name", flat=True)
    )
    assert names == [
        "attendance.updated",
        "motion.opened",
        "motion.vote",
        "motion.closed",
        "motion.corrected",
    ]


def test_a_secret_ballot_takes_counts_and_a_counts_correction():
    c = council(9)
    seated(c, present=7)
    api = client_for(c.secretary)
    opened = api.post(
        f"{API}sessions/{c.session.pk}/motions/", {"title": "Élection", "secret": True}, format="json"
    ).json()
    counted = api.post(
        f"{API}motions/{opened['id']}/counts/", {"for": 4, "against": 2, "abstain": 1}, format="json"
    )
    assert counted.status_code == 200, counted.content
    assert counted.json()["tally"] == {"for": 4, "against": 2, "abstain": 1, "not_voting": 0}
    assert counted.json()["votes"] == []
    assert api.post(f"{API}motions/{opened['id']}/close/").json()["result"] == "adopted"
    fixed = api.post(
        f"{API}motions/{opened['id']}/corrections/",
        {"counts": {"for": 3, "against": 3, "abstain": 1}, "reason": "Recompte"},
        format="json",
    )
    assert fixed.status_code == 201, fixed.content
    assert fixed.json()["result"] == "rejected" and fixed.json()["result_reason"] == "tie_rejected"
    assert fixed.json()["corrections"][0]["what"] == "counts"


def test_an_adopted_motion_links_to_the_published_deliberation():
    c = council(9)
    seated(c)
    motion = open_motion(c)
    services.votes_record(actor=c.secretary, motion=motion, votes=[{"member": c.mayor.pk, "choice": "for"}])
    services.motion_close(actor=c.secretary, motion=motion)
    deliberation = PublishedDocumentFactory(commune=c.commune, type="council_deliberation")
    api = client_for(c.secretary)
    linked = api.patch(f"{API}motions/{motion.pk}/", {"deliberation": deliberation.pk}, format="json")
    assert linked.status_code == 200, linked.content
    assert linked.json()["deliberation"]["id"] == deliberation.pk
    unlinked = api.patch(f"{API}motions/{motion.pk}/", {"deliberation": None}, format="json")
    assert unlinked.status_code == 200 and unlinked.json()["deliberation"] is None


# --- Members, committees, rules, photos --------------------------------------------------------------


def test_the_secretary_general_keeps_the_members_committees_and_rules():
    c = council(2)
    api = client_for(c.secretary)
    slug = c.commune.slug
    # when a committee and a member are created
    committee = api.post(f"{API}communes/{slug}/council/committees/", {"name": "Finances"}, format="json")
    assert committee.status_code == 201, committee.content
    committee_id = committee.json()["id"]
    created = api.post(
        f"{API}communes/{slug}/council/members/",
        {
            "full_name": "Adjoint Premier",
            "role": "deputy_mayor",
            "title": "1er adjoint au maire",
            "mandate_start": "2025-06-01",
            "committees": [committee_id],
        },
        format="json",
    )
    # then the member is listed with it
    assert created.status_code == 201, created.content
    member = created.json()
    assert member["committees"] == [{"id": committee_id, "name": "Finances"}]
    assert (member["role"], member["mandate_start"], member["mandate_end"]) == (
        "deputy_mayor",
        "2025-06-01",
        None,
    )
    # when the member is changed: an account linked, the committees emptied, a mandate end
    account = UserFactory()
    changed = api.patch(
        f"{API}council/members/{member['id']}/",
        {"user": account.pk, "committees": [], "mandate_end": "2030-06-01"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["has_account"] is True and changed.json()["committees"] == []
    assert CouncilMember.objects.get(pk=member["id"]).user_id == account.pk
    unlinked = api.patch(f"{API}council/members/{member['id']}/", {"user": None}, format="json")
    assert unlinked.json()["has_account"] is False
    # and the rules changed
    rules = api.patch(
        f"{API}communes/{slug}/council/rules/",
        {"tie_rule": "rejected", "quorum_rule": "fixed", "quorum_fixed": 2},
        format="json",
    )
    assert rules.status_code == 200, rules.content
    assert rules.json()["tie_rule"] == "rejected" and rules.json()["quorum_fixed"] == 2
    # and the member and the committee deleted
    assert api.delete(f"{API}council/members/{member['id']}/").status_code == 204
    assert api.delete(f"{API}council/committees/{committee_id}/").status_code == 204
    assert not CouncilMember.objects.filter(pk=member["id"]).exists()
    assert not Committee.objects.filter(pk=committee_id).exists()
    assert AuditLogEntry.objects.filter(action__startswith="council.").count() == 7


def test_a_member_on_the_record_is_not_deleted():
    c = council(9)
    seated(c)
    before = snapshot()
    response = client_for(c.secretary).delete(f"{API}council/members/{c.mayor.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_status"
    assert snapshot() == before


def test_a_member_s_photo_is_set_served_and_removed():
    c = council(2)
    api = client_for(c.secretary)
    member = c.members[1]
    photo = SimpleUploadedFile("portrait.png", png_bytes(20, 20), content_type="image/png")
    # when a photo is sent
    put = api.put(f"{API}council/members/{member.pk}/photo/", {"photo": photo}, format="multipart")
    # then the member has a photo address, served as an image, sandboxed
    assert put.status_code == 200, put.content
    url = put.json()["photo_url"]
    assert url == f"{API}council/members/{member.pk}/photo/"
    served = client_for().get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    # when a program is sent as a photo, it is refused and the photo stays
    exe = SimpleUploadedFile("portrait.png", EXE_BYTES, content_type="image/png")
    refused = api.put(f"{API}council/members/{member.pk}/photo/", {"photo": exe}, format="multipart")
    assert refused.status_code == 400, refused.content
    assert CouncilMember.objects.get(pk=member.pk).photo
    # when it is removed, there is none
    assert api.delete(f"{API}council/members/{member.pk}/photo/").status_code == 204
    assert client_for().get(url).status_code == 404
    assert CouncilMember.objects.get(pk=member.pk).photo == ""


def test_a_photo_put_without_a_file_is_400():
    c = council(2)
    response = client_for(c.secretary).put(
        f"{API}council/members/{c.members[1].pk}/photo/", {}, format="multipart"
    )
    assert response.status_code == 400 and "photo" in response.json()["error"]["fields"]


# --- Who may write -----------------------------------------------------------------------------------


def _actor(name: str, c: Council) -> Any:
    if name == "anonymous":
        return None
    if name == "citizen":
        return UserFactory()
    if name == "sg_of_another_commune":
        return staff_of(CommuneFactory(is_enabled=True), Role.SECRETARY_GENERAL)
    if name == "communication_officer":
        return staff_of(c.commune, Role.COMMUNICATION_OFFICER)
    if name == "deputy_mayor":
        return staff_of(c.commune, Role.DEPUTY_MAYOR)
    if name == "secretary_general":
        return c.secretary
    if name == "mayor":
        return staff_of(c.commune, Role.MAYOR)
    return AdminFactory()


ROLES = {
    "anonymous": 401,
    "citizen": 403,
    "sg_of_another_commune": 403,
    "communication_officer": 403,
    "deputy_mayor": 403,
    "secretary_general": None,
    "mayor": None,
    "platform_admin": None,
}


def _create_member(api: APIClient, c: Council) -> Any:
    body = {"full_name": "Nouveau Conseiller", "mandate_start": "2025-06-01"}
    return api.post(f"{API}communes/{c.commune.slug}/council/members/", body, format="json")


def _change_member(api: APIClient, c: Council) -> Any:
    return api.patch(f"{API}council/members/{c.members[1].pk}/", {"full_name": "Autre Nom"}, format="json")


def _delete_member(api: APIClient, c: Council) -> Any:
    extra = CouncilMemberFactory(commune=c.commune)
    return api.delete(f"{API}council/members/{extra.pk}/")


def _rules(api: APIClient, c: Council) -> Any:
    return api.patch(
        f"{API}communes/{c.commune.slug}/council/rules/", {"tie_rule": "rejected"}, format="json"
    )


def _committee(api: APIClient, c: Council) -> Any:
    return api.post(f"{API}communes/{c.commune.slug}/council/committees/", {"name": "Voirie"}, format="json")


def _delete_committee(api: APIClient, c: Council) -> Any:
    return api.delete(f"{API}council/committees/{CommitteeFactory(commune=c.commune).pk}/")


def _roll_call(api: APIClient, c: Council) -> Any:
    body = {"entries": [{"member": c.members[7].pk, "status": "absent"}]}
    return api.post(f"{API}sessions/{c.session.pk}/attendance/", body, format="json")


def _open(api: APIClient, c: Council) -> Any:
    return api.post(f"{API}sessions/{c.session.pk}/motions/", {"title": "Voirie"}, format="json")


def _vote(api: APIClient, c: Council) -> Any:
    motion = open_motion(c)
    body = {"votes": [{"member": c.mayor.pk, "choice": "for"}]}
    return api.post(f"{API}motions/{motion.pk}/votes/", body, format="json")


def _close(api: APIClient, c: Council) -> Any:
    return api.post(f"{API}motions/{open_motion(c).pk}/close/")


def _correct(api: APIClient, c: Council) -> Any:
    motion = open_motion(c)
    services.votes_record(actor=c.secretary, motion=motion, votes=[{"member": c.mayor.pk, "choice": "for"}])
    body = {"member": c.mayor.pk, "choice": "against", "reason": "Erreur"}
    return api.post(f"{API}motions/{motion.pk}/corrections/", body, format="json")


def _photo(api: APIClient, c: Council) -> Any:
    photo = SimpleUploadedFile("p.png", png_bytes(8, 8), content_type="image/png")
    return api.put(f"{API}council/members/{c.members[1].pk}/photo/", {"photo": photo}, format="multipart")


WRITES: dict[str, tuple[Callable[[APIClient, Council], Any], int]] = {
    "member_create": (_create_member, 201),
    "member_update": (_change_member, 200),
    "member_delete": (_delete_member, 204),
    "rules_update": (_rules, 200),
    "committee_create": (_committee, 201),
    "committee_delete": (_delete_committee, 204),
    "roll_call": (_roll_call, 200),
    "motion_open": (_open, 201),
    "votes_record": (_vote, 200),
    "motion_close": (_close, 200),
    "vote_correct": (_correct, 201),
    "photo_set": (_photo, 200),
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("write", list(WRITES))
def test_only_the_commune_s_secretary_general_or_mayor_writes(role, write):
    # given a seated council (quorum reached) and someone in a role
    c = council(9)
    seated(c)
    action, ok = WRITES[write]
    api = client_for(_actor(role, c))
    refused = ROLES[role]
    # when they write (the preconditions a write needs are set up by the secretary-general)
    before = snapshot() if refused is None else None
    response = action(api, c)
    # then the commune's secretary-general, mayor and platform administrators succeed; the others are
    # refused in the one error shape, and nothing is written
    if refused is None:
        assert response.status_code == ok, (role, write, response.content)
        assert snapshot() != before
    else:
        assert response.status_code == refused, (role, write, response.content)
        code = response.json()["error"]["code"]
        assert code == ("not_authenticated" if refused == 401 else "forbidden"), code


@pytest.mark.parametrize("role", [r for r, refused in ROLES.items() if refused])
def test_a_refused_write_changes_nothing(role):
    c = council(9)
    seated(c)
    motion = open_motion(c)
    before = snapshot()
    api = client_for(_actor(role, c))
    api.post(
        f"{API}motions/{motion.pk}/votes/",
        {"votes": [{"member": c.mayor.pk, "choice": "for"}]},
        format="json",
    )
    api.post(f"{API}motions/{motion.pk}/close/")
    _create_member(api, c)
    _rules(api, c)
    _roll_call(api, c)
    assert snapshot() == before


# --- Bad input: clear errors, nothing changed ----------------------------------------------------------


@pytest.fixture
def voting() -> tuple[Council, Motion]:
    """A council of 9, six in the room, a named motion open, the mayor's vote recorded."""
    c = council(9)
    seated(c)
    motion = open_motion(c)
    services.votes_record(actor=c.secretary, motion=motion, votes=[{"member": c.mayor.pk, "choice": "for"}])
    return c, motion


def _votes(c: Council, motion: Motion, body: Any, **kwargs: Any) -> Any:
    return client_for(c.secretary).post(f"{API}motions/{motion.pk}/votes/", body, format="json", **kwargs)


def test_a_vote_for_someone_not_on_this_council_is_400_not_a_member(voting):
    c, motion = voting
    stranger = CouncilMemberFactory()  # of another commune
    before = snapshot()
    response = _votes(
        c,
        motion,
        {"votes": [{"member": c.members[1].pk, "choice": "for"}, {"member": stranger.pk, "choice": "for"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_a_member"
    assert snapshot() == before  # the valid line is not recorded either


def test_a_second_vote_for_one_member_is_409_already_voted(voting):
    c, motion = voting
    before = snapshot()
    response = _votes(c, motion, {"votes": [{"member": c.mayor.pk, "choice": "against"}]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_voted"
    assert snapshot() == before


def test_a_vote_after_the_close_is_409_motion_closed(voting):
    c, motion = voting
    services.motion_close(actor=c.secretary, motion=motion)
    before = snapshot()
    response = _votes(c, motion, {"votes": [{"member": c.members[1].pk, "choice": "for"}]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "motion_closed"
    again = client_for(c.secretary).post(f"{API}motions/{motion.pk}/close/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "motion_closed"
    assert snapshot() == before


def test_a_vote_of_a_member_not_in_the_room_is_409_not_present(voting):
    c, motion = voting
    before = snapshot()
    response = _votes(c, motion, {"votes": [{"member": c.members[8].pk, "choice": "for"}]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_present"
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        lambda m: {},
        lambda m: {"votes": []},
        lambda m: {"votes": "for"},
        lambda m: {"votes": [{"member": str(m), "choice": "for"}]},  # a string for an id
        lambda m: {"votes": [{"member": m + 0.5, "choice": "for"}]},
        lambda m: {"votes": [{"member": True, "choice": "for"}]},
        lambda m: {"votes": [{"member": m, "choice": "maybe"}]},  # an unknown choice
        lambda m: {"votes": [{"member": m, "choice": 1}]},
        lambda m: {"votes": [{"member": m}]},  # a missing choice
        lambda m: {"votes": [{"choice": "for"}]},  # a missing member
        lambda m: {"votes": [{"member": 0, "choice": "for"}]},
        lambda m: {"votes": [[m, "for"]]},
        lambda m: {"votes": [{"member": m, "choice": "for"}] * 501},
    ],
)
def test_a_malformed_vote_is_400_invalid_with_the_field(voting, body):
    c, motion = voting
    before = snapshot()
    response = _votes(c, motion, body(c.members[1].pk))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and "votes" in error["fields"] and error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("hostile", [DEEP_ARRAYS, DEEP_OBJECTS])
def test_a_deeply_nested_body_is_400_and_changes_nothing(voting, hostile):
    c, motion = voting
    before = snapshot()
    api = client_for(c.secretary)
    for path in (f"motions/{motion.pk}/votes/", f"sessions/{c.session.pk}/attendance/"):
        response = api.post(API + path, hostile, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_body"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("attendance", {"entries": [{"member": "M1", "status": "here"}]}, "entries"),
        ("attendance", {"entries": [{"status": "present"}]}, "entries"),
        ("attendance", {"entries": {"member": "M1"}}, "entries"),
        ("attendance", {"entries": [{"member": "M1", "status": "proxy", "proxy_holder": "2"}]}, "entries"),
        ("motions", {"text": "sans titre"}, "title"),
        ("motions", {"title": "T", "secret": "yes"}, "secret"),
        ("motions", {"title": "T", "majority_rule": "loudest"}, "majority_rule"),
        ("motions", {"title": "T", "document": "3"}, "document"),
        ("motions", {"title": ["T"]}, "title"),
        ("motions", {"title": "T" * 201}, "title"),
    ],
)
def test_malformed_roll_calls_and_motions_are_400(path, body, field):
    c = council(9)
    seated(c)
    for entry in body.get("entries", []) if isinstance(body.get("entries"), list) else []:
        if entry.get("member") == "M1":
            entry["member"] = c.members[7].pk
    before = snapshot()
    response = client_for(c.secretary).post(f"{API}sessions/{c.session.pk}/{path}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


def test_a_roll_call_naming_a_stranger_is_400_not_a_member_and_a_motion_without_quorum_409():
    c = council(9)
    api = client_for(c.secretary)
    stranger = CouncilMemberFactory()
    before = snapshot()
    entries = [{"member": c.mayor.pk, "status": "present"}, {"member": stranger.pk, "status": "present"}]
    response = api.post(f"{API}sessions/{c.session.pk}/attendance/", {"entries": entries}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_a_member"
    opened = api.post(f"{API}sessions/{c.session.pk}/motions/", {"title": "Sans quorum"}, format="json")
    assert opened.status_code == 409 and opened.json()["error"]["code"] == "no_quorum"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "member"),  # neither a vote nor counts
        ({"member": "M", "reason": "x"}, "choice"),
        ({"member": "M", "choice": "against"}, "reason"),
        ({"member": "M", "choice": "against", "reason": "x", "counts": {"for": 1, "against": 0}}, "counts"),
        ({"counts": {"for": "1", "against": 0}, "reason": "x"}, "counts"),
        ({"counts": {"for": -1, "against": 0}, "reason": "x"}, "counts"),
    ],
)
def test_malformed_corrections_are_400(voting, body, field):
    c, motion = voting
    if body.get("member") == "M":
        body["member"] = c.mayor.pk
    before = snapshot()
    response = client_for(c.secretary).post(f"{API}motions/{motion.pk}/corrections/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "X"}, "mandate_start"),
        ({"mandate_start": "2025-01-01"}, "full_name"),
        ({"full_name": "X", "mandate_start": "hier"}, "mandate_start"),
        ({"full_name": "X", "mandate_start": "2025-01-01", "role": "king"}, "role"),
        ({"full_name": "X", "mandate_start": "2025-01-01", "committees": ["1"]}, "committees"),
        ({"full_name": "X", "mandate_start": "2025-01-01", "committees": [999999]}, "committees"),
        ({"full_name": "X", "mandate_start": "2025-01-01", "mandate_end": "2024-01-01"}, "mandate_end"),
        ({"full_name": "X", "mandate_start": "1890-01-01"}, "mandate_start"),
        ({"full_name": 12, "mandate_start": "2025-01-01"}, "full_name"),
        ({"full_name": "X", "mandate_start": "2025-01-01", "user": 999999}, "user"),
    ],
)
def test_malformed_members_are_400(body, field):
    c = council(2)
    before = snapshot()
    response = client_for(c.secretary).post(
        f"{API}communes/{c.commune.slug}/council/members/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quorum_rule": "most"}, "quorum_rule"),
        ({"quorum_fixed": 0}, "quorum_fixed"),
        ({"quorum_rule": "fixed"}, "quorum_fixed"),  # a fixed quorum needs its number
        ({"proxies_count_for_quorum": "yes"}, "proxies_count_for_quorum"),
    ],
)
def test_malformed_rules_are_400(body, field):
    c = council(2)
    before = snapshot()
    response = client_for(c.secretary).patch(
        f"{API}communes/{c.commune.slug}/council/rules/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


def test_counts_on_a_named_motion_and_a_duplicate_committee_are_refused(voting):
    c, motion = voting
    api = client_for(c.secretary)
    counts = api.post(f"{API}motions/{motion.pk}/counts/", {"for": 1, "against": 0}, format="json")
    assert counts.status_code == 409 and counts.json()["error"]["code"] == "wrong_status"
    missing = api.post(f"{API}motions/{motion.pk}/counts/", {"against": 0}, format="json")
    assert missing.status_code == 400 and "for" in missing.json()["error"]["fields"]
    CommitteeFactory(commune=c.commune, name="Finances")
    before = snapshot()
    twice = api.post(
        f"{API}communes/{c.commune.slug}/council/committees/", {"name": "Finances"}, format="json"
    )
    assert twice.status_code == 400 and "name" in twice.json()["error"]["fields"]
    linked = api.patch(f"{API}motions/{motion.pk}/", {"deliberation": 1}, format="json")
    assert linked.status_code == 409 and linked.json()["error"]["code"] == "wrong_status"
    assert api.patch(f"{API}motions/{motion.pk}/", {}, format="json").status_code == 400
    assert snapshot() == before


# --- Query counts -----------------------------------------------------------------------------------


def _busy_council(size: int = 12, motions: int = 2) -> Council:
    """``size`` members with committees, all but two in the room, ``motions`` closed motions voted by
    everyone in the room."""
    c = council(size)
    for committee in CommitteeFactory.create_batch(3, commune=c.commune):
        committee.members.add(*c.members[: size // 2])
    seated(c, present=size - 2)
    for number in range(motions):
        motion = services.motion_open(actor=c.secretary, session=c.session, title=f"Motion {number}")
        votes = [{"member": m.pk, "choice": "for"} for m in c.members[: size - 2]]
        services.votes_record(actor=c.secretary, motion=motion, votes=votes)
        services.motion_close(actor=c.secretary, motion=motion)
    return c


def test_the_reads_pin_their_query_counts(django_assert_num_queries):
    c = _busy_council()
    api = client_for()
    # the council: the commune, the members and their committees, the committees, the rules
    with django_assert_num_queries(5):
        assert api.get(f"{API}communes/{c.commune.slug}/council/").status_code == 200
    # a member: the member and their committees, their roll-call lines, their votes
    with django_assert_num_queries(4):
        assert api.get(f"{API}council/members/{c.members[2].pk}/").status_code == 200
    # a session's record: the session, the roll call, the members in office and their committees, the
    # rules and the count in office (the quorum), the motions and their votes
    with django_assert_num_queries(8):
        assert api.get(f"{API}sessions/{c.session.pk}/council/").status_code == 200
    # the session's motions: the session, the motions, their votes
    with django_assert_num_queries(3):
        assert api.get(f"{API}sessions/{c.session.pk}/motions/").status_code == 200
    # a motion: the motion, its votes, its corrections
    motion = Motion.objects.filter(session=c.session).first()
    assert motion is not None
    with django_assert_num_queries(3):
        assert api.get(f"{API}motions/{motion.pk}/").status_code == 200


def test_the_read_counts_do_not_grow_with_the_council(django_assert_num_queries):
    small, big = _busy_council(5, motions=1), _busy_council(16, motions=3)
    api = client_for()
    for c in (small, big):
        with django_assert_num_queries(5):
            api.get(f"{API}communes/{c.commune.slug}/council/")
        with django_assert_num_queries(8):
            api.get(f"{API}sessions/{c.session.pk}/council/")
        with django_assert_num_queries(4):
            api.get(f"{API}council/members/{c.members[1].pk}/")
