"""Who keeps the council's record, as a matrix: role × action. The commune's secretary-general and
mayor and platform administrators may; every other role of the commune, citizens, the signed-out,
staff of another commune and the secretary-general of a disabled commune may not, and a refused
write changes nothing (no row, no event, no audit entry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

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
from hub.errors import DomainError
from hub.models import AuditLogEntry, Commune, Role, User
from publications.models import DocumentType
from sessions_live.models import LiveSession, SessionEvent
from tests.factories import AdminFactory, CommuneFactory, UserFactory
from tests.factories_council import Council, CouncilMemberFactory, council
from tests.factories_publications import PublishedDocumentFactory
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db


# --- Who -----------------------------------------------------------------------------------------


def _staff(role: str) -> Callable[[Council], Any]:
    return lambda c: staff_of(c.commune, role)


def _seated_councillor(c: Council) -> User:
    """A councillor with the councillor role and a seat on the council (their account linked)."""
    user = staff_of(c.commune, Role.COUNCILLOR)
    CouncilMember.objects.filter(pk=c.members[3].pk).update(user=user)
    return user


def _inactive_secretary(c: Council) -> User:
    User.objects.filter(pk=c.secretary.pk).update(is_active=False)
    return User.objects.get(pk=c.secretary.pk)


def _disabled_communes_secretary(c: Council) -> User:
    Commune.objects.filter(pk=c.commune.pk).update(is_enabled=False)
    return User.objects.get(pk=c.secretary.pk)


ALLOWED: dict[str, Callable[[Council], Any]] = {
    "secretary_general": lambda c: c.secretary,
    "mayor": _staff(Role.MAYOR),
    "platform_admin": lambda c: AdminFactory(),
}
FORBIDDEN: dict[str, Callable[[Council], Any]] = {
    "deputy_mayor": _staff(Role.DEPUTY_MAYOR),
    "focal_point": _staff(Role.FOCAL_POINT),
    "communication_officer": _staff(Role.COMMUNICATION_OFFICER),
    "moderator": _staff(Role.MODERATOR),
    "councillor": _seated_councillor,
    "citizen": lambda c: UserFactory(),
    "secretary_general_of_another_commune": lambda c: staff_of(CommuneFactory(), Role.SECRETARY_GENERAL),
    "mayor_of_another_commune": lambda c: staff_of(CommuneFactory(), Role.MAYOR),
    "secretary_general_of_a_disabled_commune": _disabled_communes_secretary,
}
SIGNED_OUT: dict[str, Callable[[Council], Any]] = {
    "anonymous": lambda c: AnonymousUser(),
    "nobody": lambda c: None,
    "deactivated_secretary_general": _inactive_secretary,
}


# --- What ----------------------------------------------------------------------------------------


def _session(c: Council) -> LiveSession:
    return LiveSession.objects.select_related("commune").get(pk=c.session.pk)


def _motion(pk: int) -> Motion:
    return Motion.objects.select_related("commune", "session").get(pk=pk)


def _member(pk: int) -> CouncilMember:
    return CouncilMember.objects.select_related("commune").get(pk=pk)


def _commune(c: Council) -> Commune:
    return Commune.objects.get(pk=c.commune.pk)


def _open(c: Council, **fields: Any) -> Motion:
    return services.motion_open(actor=c.secretary, session=c.session, title="Budget primitif", **fields)


def _closed_adopted(c: Council) -> Motion:
    motion = _open(c)
    services.vote_record(actor=c.secretary, motion=motion, member=c.members[0].pk, choice="for")
    return services.motion_close(actor=c.secretary, motion=motion)


def prepare(action: str, c: Council) -> Callable[[Any], Any]:
    """Set the stage for ``action`` (as the secretary-general), then the write as ``actor``."""
    m = c.members
    if action == "roll_call":
        return lambda actor: services.roll_call(
            actor=actor, session=_session(c), entries=[{"member": m[8].pk, "status": "late"}]
        )
    if action == "motion_open":
        return lambda actor: services.motion_open(actor=actor, session=_session(c), title="Éclairage public")
    if action == "votes_record":
        pk = _open(c).pk
        return lambda actor: services.votes_record(
            actor=actor, motion=_motion(pk), votes=[{"member": m[1].pk, "choice": "for"}]
        )
    if action == "counts_record":
        pk = _open(c, secret=True).pk
        return lambda actor: services.counts_record(
            actor=actor, motion=_motion(pk), counts={"for": 4, "against": 2}
        )
    if action == "motion_close":
        pk = _open(c).pk
        return lambda actor: services.motion_close(actor=actor, motion=_motion(pk))
    if action == "vote_correct":
        pk = _closed_adopted(c).pk
        return lambda actor: services.vote_correct(
            actor=actor, motion=_motion(pk), member=m[0].pk, choice="against", reason="Erreur de saisie"
        )
    if action == "counts_correct":
        motion = _open(c, secret=True)
        services.counts_record(actor=c.secretary, motion=motion, counts={"for": 4, "against": 2})
        return lambda actor: services.counts_correct(
            actor=actor, motion=_motion(motion.pk), counts={"for": 2, "against": 4}, reason="Recompté"
        )
    if action == "motion_link_deliberation":
        pk = _closed_adopted(c).pk
        document = PublishedDocumentFactory(commune=c.commune, type=DocumentType.COUNCIL_DELIBERATION)
        return lambda actor: services.motion_link_deliberation(
            actor=actor, motion=_motion(pk), document=document.pk
        )
    if action == "member_create":
        return lambda actor: services.member_create(
            actor=actor, commune=_commune(c), full_name="Rachidatou Orou", mandate_start="2020-06-01"
        )
    if action == "member_update":
        return lambda actor: services.member_update(
            actor=actor, member=_member(m[2].pk), title="2e adjoint au maire"
        )
    if action == "member_delete":
        pk = CouncilMemberFactory(commune=c.commune).pk
        return lambda actor: services.member_delete(actor=actor, member=_member(pk))
    if action == "member_photo_remove":
        return lambda actor: services.member_photo_set(actor=actor, member=_member(m[2].pk), upload=None)
    if action == "committee_create":
        return lambda actor: services.committee_create(
            actor=actor, commune=_commune(c), name="Commission des affaires sociales et culturelles"
        )
    if action == "committee_delete":
        pk = Committee.objects.create(commune=c.commune, name="Commission des finances").pk
        return lambda actor: services.committee_delete(
            actor=actor, committee=Committee.objects.select_related("commune").get(pk=pk)
        )
    if action == "rules_update":
        return lambda actor: services.rules_update(
            actor=actor, commune=_commune(c), tie_rule="rejected", proxies_count_for_quorum=True
        )
    raise AssertionError(action)


ACTIONS = [
    "roll_call",
    "motion_open",
    "votes_record",
    "counts_record",
    "motion_close",
    "vote_correct",
    "counts_correct",
    "motion_link_deliberation",
    "member_create",
    "member_update",
    "member_delete",
    "member_photo_remove",
    "committee_create",
    "committee_delete",
    "rules_update",
]


def ready_council() -> Council:
    """A council of 9 with 8 in the room (the roll call taken by its secretary-general)."""
    c = council(9)
    services.roll_call(
        actor=c.secretary,
        session=c.session,
        entries=[{"member": x.pk, "status": "present"} for x in c.members[:8]],
    )
    return c


def everything(c: Council) -> tuple[Any, ...]:
    """All a council write may change."""
    return (
        list(CouncilMember.objects.order_by("pk").values()),
        list(Committee.objects.order_by("pk").values()),
        list(CouncilRules.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
        list(Motion.objects.order_by("pk").values()),
        list(MotionVote.objects.order_by("pk").values()),
        list(Correction.objects.order_by("pk").values()),
        list(SessionEvent.objects.order_by("pk").values_list("pk", "seq", "name")),
        AuditLogEntry.objects.count(),
    )


# --- The matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(ALLOWED))
def test_the_secretary_general_the_mayor_and_platform_admins_keep_the_record(who, action):
    # given a seated council and the stage for the action
    c = ready_council()
    write = prepare(action, c)
    actor = ALLOWED[who](c)
    audited = AuditLogEntry.objects.count()
    # when they act
    write(actor)
    # then it is done, in their name in the audit log
    assert AuditLogEntry.objects.count() == audited + 1
    assert AuditLogEntry.objects.order_by("-id").first().actor_id == actor.pk


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(FORBIDDEN))
def test_everyone_else_is_forbidden_and_nothing_changes(who, action):
    # given a seated council, the stage for the action, and someone without the right here
    c = ready_council()
    write = prepare(action, c)
    actor = FORBIDDEN[who](c)
    before = everything(c)
    # when they try, then forbidden (403), and nothing changed
    with pytest.raises(DomainError) as refused:
        write(actor)
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    assert everything(c) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(SIGNED_OUT))
def test_the_signed_out_are_asked_to_sign_in_and_nothing_changes(who, action):
    c = ready_council()
    write = prepare(action, c)
    actor = SIGNED_OUT[who](c)
    before = everything(c)
    with pytest.raises(DomainError) as refused:
        write(actor)
    assert (refused.value.code, refused.value.status) == ("not_authenticated", 401)
    assert everything(c) == before


def test_the_right_is_checked_before_the_input():
    # given a forbidden user and a signed-out one sending garbage
    c = ready_council()
    before = everything(c)
    deputy = staff_of(c.commune, Role.DEPUTY_MAYOR)
    # then they learn they may not act, not what is wrong with their input
    for actor, code in ((deputy, "forbidden"), (AnonymousUser(), "not_authenticated")):
        with pytest.raises(DomainError) as refused:
            services.roll_call(actor=actor, session=c.session, entries="n'importe quoi")
        assert refused.value.code == code
        with pytest.raises(DomainError) as refused:
            services.motion_open(actor=actor, session=c.session, title=None, majority_rule="x")
        assert refused.value.code == code
    assert everything(c) == before


def test_a_platform_admin_keeps_the_record_of_a_disabled_commune():
    # given a disabled commune (its own secretary-general is refused, see the matrix)
    c = ready_council()
    Commune.objects.filter(pk=c.commune.pk).update(is_enabled=False)
    session = _session(c)
    # when a platform administrator opens a motion there, then it is opened
    motion = services.motion_open(actor=AdminFactory(), session=session, title="Budget primitif")
    assert motion.pk is not None


def test_staff_of_another_commune_cannot_reach_this_communes_members_through_their_own():
    # given the secretary-general of commune B and a member of commune A's council
    c = ready_council()
    other = council(3)
    before = everything(c)
    # when B's secretary-general edits A's member, or records a vote of A's motion, then forbidden
    with pytest.raises(DomainError) as refused:
        services.member_update(actor=other.secretary, member=_member(c.members[1].pk), full_name="Intrus")
    assert refused.value.code == "forbidden"
    assert everything(c) == before
    motion = _open(c)
    before = everything(c)
    with pytest.raises(DomainError) as refused:
        services.vote_record(actor=other.secretary, motion=motion, member=c.members[0].pk, choice="for")
    assert refused.value.code == "forbidden"
    assert everything(c) == before
