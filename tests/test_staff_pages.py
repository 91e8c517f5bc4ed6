"""The team page (appoint and revoke roles) and the commune's public profile page, through Django's
test client: who may use them (role × action, nothing written when refused), every bad input of
their forms (the API's words, next to the field, what was typed kept, nothing written), the audit
entries, and a revoked role's access ending at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hub.models import AuditLogEntry, Commune, Membership, Role, User
from hub.services.communes import membership_revoke
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.test_publications_staff_pages import (
    WHO,
    api_for,
    as_json,
    assert_refused_like_the_api,
    browser_for,
    field_errors,
    page,
    person,
    to_login,
)

pytestmark = pytest.mark.django_db

HEADS = {"mayor", "secretary_general"}
STAFF = {"mayor", "secretary_general", "communication_officer", "focal_point", "moderator", "councillor"}
PROFILE_EDITORS = {"mayor", "secretary_general", "communication_officer"}


@pytest.fixture
def cotonou() -> Commune:
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def calavi() -> Commune:
    return CommuneFactory(slug="abomey-calavi", name="Abomey-Calavi")


def writes(commune: Commune) -> tuple[Any, ...]:
    commune.refresh_from_db()
    return (
        sorted(Membership.objects.values_list("user_id", "commune_id", "role", "title", "is_public")),
        AuditLogEntry.objects.count(),
        (commune.description, commune.website, commune.contact_email, commune.contact_phone),
    )


def appointment(member: User, role: str = "moderator", **extra: str) -> dict[str, str]:
    data = {"user": member.email or "", "role": role, "title": "Modératrice du forum", "is_public": "on"}
    data.update(extra)
    return data


# --- Role × action -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_who_may_see_the_team_appoint_and_revoke(who: str, cotonou: Commune, calavi: Commune):
    # given Cotonou's team with a councillor, someone to appoint, and someone
    councillor = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR)
    newcomer = UserFactory()
    client = browser_for(person(who, cotonou, calavi))
    before = writes(cotonou)

    # when they open the team page, appoint the newcomer and revoke the councillor
    seen = client.get("/communes/cotonou/equipe/")
    appointed = client.post("/communes/cotonou/equipe/", appointment(newcomer))
    revoked = client.post(f"/communes/cotonou/equipe/{councillor.pk}/retirer/")

    # then the heads of the commune may do all three; its other staff only read; the rest, nothing
    if who in HEADS:
        assert seen.status_code == 200 and 'name="user"' in page(seen)
        assert appointed.status_code == 302 and revoked.status_code == 302
        assert Membership.objects.filter(user=newcomer, commune=cotonou, role="moderator").exists()
        assert not Membership.objects.filter(pk=councillor.pk).exists()
        return
    if who in STAFF:
        assert seen.status_code == 200
        assert councillor.user.display_name in page(seen)
        assert 'name="user"' not in page(seen) and "/retirer/" not in page(seen)
    elif who == "anonymous":
        assert to_login(seen)
    else:
        assert seen.status_code == 403
    for response in (appointed, revoked):
        assert to_login(response) if who == "anonymous" else response.status_code == 403
    assert writes(cotonou) == before


@pytest.mark.parametrize("who", WHO)
def test_who_may_edit_the_public_profile(who: str, cotonou: Commune, calavi: Commune):
    client = browser_for(person(who, cotonou, calavi))
    before = writes(cotonou)
    seen = client.get("/communes/cotonou/profil/")
    saved = client.post("/communes/cotonou/profil/", {"description": "Capitale économique du Bénin."})
    if who in PROFILE_EDITORS:
        assert seen.status_code == 200 and saved.status_code == 302
        assert Commune.objects.get(pk=cotonou.pk).description == "Capitale économique du Bénin."
        return
    for response in (seen, saved):
        assert to_login(response) if who == "anonymous" else response.status_code == 403
    assert writes(cotonou) == before


def test_the_team_and_profile_of_an_unknown_commune_are_404():
    client = browser_for(AdminFactory())
    assert client.get("/communes/atlantide/equipe/").status_code == 404
    assert client.get("/communes/atlantide/profil/").status_code == 404


def test_a_platform_admin_appoints_a_mayor(cotonou: Commune):
    candidate = UserFactory()
    response = browser_for(AdminFactory()).post("/communes/cotonou/equipe/", appointment(candidate, "mayor"))
    assert response.status_code == 302
    assert Membership.objects.filter(user=candidate, role="mayor").exists()


# --- Appointing ---------------------------------------------------------------------------------------


def test_the_mayor_appoints_by_phone_number_and_it_is_audited(cotonou: Commune, calavi: Commune):
    # given the mayor and a person known by her phone number only
    mayor = person("mayor", cotonou, calavi)
    newcomer = UserFactory(email=None, phone="+2290197001122")
    client = browser_for(mayor)

    # when the mayor appoints her communication officer, not shown publicly, typing the number as usual
    response = client.post(
        "/communes/cotonou/equipe/",
        {"user": "97 00 11 22", "role": "communication_officer", "title": "Chargée de communication"},
    )

    # then
    assert response.status_code == 302 and response["Location"] == "/communes/cotonou/equipe/"
    membership = Membership.objects.get(user=newcomer)
    assert (membership.role, membership.title, membership.is_public) == (
        "communication_officer",
        "Chargée de communication",
        False,  # the box was left unticked
    )
    entry = AuditLogEntry.objects.get(action="membership.granted")
    assert (entry.actor, entry.commune, entry.data["role"]) == (mayor, cotonou, "communication_officer")
    team = page(client.get("/communes/cotonou/equipe/"))
    assert newcomer.display_name in team and "Non affiché sur la page de la commune" in team
    # and she may publish at once
    assert browser_for(newcomer).get("/communes/cotonou/marches/nouveau/").status_code == 200


def test_the_role_list_offers_only_the_roles_one_may_grant(cotonou: Commune, calavi: Commune):
    sg_form = page(browser_for(person("secretary_general", cotonou, calavi)).get("/communes/cotonou/equipe/"))
    admin_form = page(browser_for(AdminFactory()).get("/communes/cotonou/equipe/"))
    assert '<option value="moderator">' in sg_form and '<option value="mayor">' not in sg_form
    assert '<option value="mayor">' in admin_form


APPOINT_BAD_INPUT = {
    "no one": {"user": ""},
    "overlong identifier": {"user": "a" * 250 + "@x.bj"},
    "unknown e-mail address": {"user": "fantome@example.bj"},
    "bad phone number": {"user": "12 34"},
    "unknown phone number": {"user": "+229 01 90 00 00 00"},
    "unknown role": {"role": "roi"},
    "no role": {"role": ""},
    "a role the actor may not grant": {"role": "mayor"},
    "overlong title": {"title": "t" * 121},
}


@pytest.mark.parametrize("bad", APPOINT_BAD_INPUT.values(), ids=APPOINT_BAD_INPUT.keys())
def test_bad_appointments_are_refused_as_the_api_refuses_them(
    bad: dict[str, str], cotonou: Commune, calavi: Commune
):
    # given the secretary-general and someone to appoint
    sg = person("secretary_general", cotonou, calavi)
    data = appointment(UserFactory(), **bad)
    api_answer = api_for(sg).post(
        "/api/v1/communes/cotonou/memberships/", {**as_json(data), "is_public": True}, format="json"
    )
    before = writes(cotonou)

    # when the same input comes through the page
    response = browser_for(sg).post("/communes/cotonou/equipe/", data)

    # then the API's status and words, next to the field the refusal is about
    assert response.status_code == api_answer.status_code
    error = api_answer.json()["error"]
    if "fields" in error:
        assert_refused_like_the_api(response, api_answer, kept={"user": data["user"]} if data["user"] else {})
    else:  # a refusal the API gives for the whole request (404 user_not_found, 403 for the role)
        field = "user" if error["code"] == "user_not_found" else "role"
        assert error["message"] in field_errors(page(response), field)
        assert "data-error-summary" in page(response)
    assert writes(cotonou) == before


def test_appointing_someone_to_a_role_they_hold_is_refused_next_to_the_person(
    cotonou: Commune, calavi: Commune
):
    moderator = MembershipFactory(commune=cotonou, role=Role.MODERATOR).user
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes(cotonou)
    response = client.post("/communes/cotonou/equipe/", appointment(moderator))
    assert response.status_code == 409
    assert "Cette personne occupe déjà ce rôle dans cette commune." in field_errors(page(response), "user")
    assert writes(cotonou) == before


def test_a_disabled_commune_takes_no_appointment(calavi: Commune):
    closed = CommuneFactory(slug="ouinhi", is_enabled=False)
    admin = AdminFactory()
    before = writes(closed)
    response = browser_for(admin).post("/communes/ouinhi/equipe/", appointment(UserFactory()))
    assert response.status_code == 409 and "data-error-summary" in page(response)
    assert writes(closed) == before


# --- Revoking -----------------------------------------------------------------------------------------


def test_revoking_ends_the_access_at_once_and_is_audited(cotonou: Commune, calavi: Commune):
    # given a moderator of Cotonou who is using the moderation queue
    mayor = person("mayor", cotonou, calavi)
    membership = MembershipFactory(commune=cotonou, role=Role.MODERATOR)
    moderator = browser_for(membership.user)
    assert moderator.get("/communes/cotonou/forum/moderation/").status_code == 200

    # when the mayor revokes the role
    response = browser_for(mayor).post(f"/communes/cotonou/equipe/{membership.pk}/retirer/")

    # then the moderator's next request is refused, and the audit log says who did it
    assert response.status_code == 302
    assert moderator.get("/communes/cotonou/forum/moderation/").status_code == 403
    entry = AuditLogEntry.objects.get(action="membership.revoked")
    assert (entry.actor, entry.data) == (mayor, {"user_id": membership.user_id, "role": "moderator"})


def test_revoking_twice_revokes_once(cotonou: Commune, calavi: Commune):
    mayor = person("mayor", cotonou, calavi)
    membership = MembershipFactory(commune=cotonou, role=Role.FOCAL_POINT)
    client = browser_for(mayor)
    assert client.post(f"/communes/cotonou/equipe/{membership.pk}/retirer/").status_code == 302
    assert client.post(f"/communes/cotonou/equipe/{membership.pk}/retirer/").status_code == 404
    # and the service, handed a stale row (two heads at the same moment), removes it once
    stale = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR)
    assert membership_revoke(actor=mayor, membership=stale) is True
    assert membership_revoke(actor=mayor, membership=stale) is False
    assert AuditLogEntry.objects.filter(action="membership.revoked").count() == 2


def test_the_secretary_general_cannot_revoke_the_mayor(cotonou: Commune, calavi: Commune):
    sg = person("secretary_general", cotonou, calavi)
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR)
    team = page(browser_for(sg).get("/communes/cotonou/equipe/"))
    assert f"/equipe/{mayor.pk}/retirer/" not in team  # no button for it
    before = writes(cotonou)
    assert browser_for(sg).post(f"/communes/cotonou/equipe/{mayor.pk}/retirer/").status_code == 403
    assert writes(cotonou) == before


def test_a_membership_of_another_commune_is_not_found_through_mine(cotonou: Commune, calavi: Commune):
    other = MembershipFactory(commune=calavi, role=Role.COUNCILLOR)
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes(cotonou)
    response = client.post(f"/communes/cotonou/equipe/{other.pk}/retirer/")
    assert response.status_code == 404
    assert writes(cotonou) == before


def test_revoking_needs_a_post(cotonou: Commune, calavi: Commune):
    membership = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR)
    client = browser_for(person("mayor", cotonou, calavi))
    assert client.get(f"/communes/cotonou/equipe/{membership.pk}/retirer/").status_code == 405
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_forms_still_check_csrf(cotonou: Commune, calavi: Commune):
    mayor = person("mayor", cotonou, calavi)
    membership = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mayor)
    before = writes(cotonou)
    assert client.post("/communes/cotonou/equipe/", appointment(UserFactory())).status_code == 403
    assert client.post(f"/communes/cotonou/equipe/{membership.pk}/retirer/").status_code == 403
    assert client.post("/communes/cotonou/profil/", {"description": "X"}).status_code == 403
    assert client.post("/communes/cotonou/marches/nouveau/", {}).status_code == 403
    assert writes(cotonou) == before


# --- The public profile -------------------------------------------------------------------------------


def test_the_communication_officer_updates_the_profile(cotonou: Commune, calavi: Commune):
    # given the communication officer of Cotonou
    officer = person("communication_officer", cotonou, calavi)
    Commune.objects.filter(pk=cotonou.pk).update(website="https://ancien.bj")

    # when she fills in the profile, the number written the usual way
    response = browser_for(officer).post(
        "/communes/cotonou/profil/",
        {
            "description": "Capitale économique du Bénin.",
            "website": "https://www.mairie-cotonou.bj",
            "contact_email": "contact@mairie-cotonou.bj",
            "contact_phone": "21 30 00 00",
        },
    )

    # then the commune's page shows it, the number stored in full, and the audit log has it
    assert response.status_code == 302 and response["Location"] == "/communes/cotonou/"
    public = page(Client().get("/communes/cotonou/"))
    assert "Capitale économique du Bénin." in public and "+229 01 21 30 00 00" in public
    entry = AuditLogEntry.objects.get(action="commune.profile_updated")
    assert entry.actor == officer
    assert entry.data["before"]["website"] == "https://ancien.bj"
    assert entry.data["after"]["contact_phone"] == "+2290121300000"


def test_the_profile_form_shows_what_the_commune_holds(cotonou: Commune, calavi: Commune):
    Commune.objects.filter(pk=cotonou.pk).update(contact_email="mairie@cotonou.bj", description="Ville")
    text = page(browser_for(person("mayor", cotonou, calavi)).get("/communes/cotonou/profil/"))
    assert 'value="mairie@cotonou.bj"' in text and "Ville</textarea>" in text


def test_saving_the_profile_unchanged_writes_nothing(cotonou: Commune, calavi: Commune):
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes(cotonou)
    response = client.post(
        "/communes/cotonou/profil/",
        {"description": "", "website": "", "contact_email": "", "contact_phone": ""},
    )
    assert response.status_code == 302
    assert writes(cotonou) == before


PROFILE_BAD_INPUT = {
    "overlong description": {"description": "d" * 4001},
    "script address": {"website": "javascript:alert(1)"},
    "not an address": {"website": "mairie cotonou"},
    "overlong address": {"website": "https://" + "a" * 200 + ".bj"},
    "bad e-mail address": {"contact_email": "mairie-at-cotonou"},
    "overlong e-mail address": {"contact_email": "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".bj"},
    "bad phone number": {"contact_phone": "12345"},
    "foreign phone number": {"contact_phone": "+33 1 23 45 67 89"},
    "overlong phone number": {"contact_phone": "9" * 33},
}


@pytest.mark.parametrize("bad", PROFILE_BAD_INPUT.values(), ids=PROFILE_BAD_INPUT.keys())
def test_bad_profile_input_is_refused_as_the_api_refuses_it(
    bad: dict[str, str], cotonou: Commune, calavi: Commune
):
    mayor = person("mayor", cotonou, calavi)
    api_answer = api_for(mayor).patch("/api/v1/communes/cotonou/", bad, format="json")
    before = writes(cotonou)
    data = {"description": "", "website": "", "contact_email": "", "contact_phone": "", **bad}
    response = browser_for(mayor).post("/communes/cotonou/profil/", data)
    assert_refused_like_the_api(response, api_answer, kept=bad)
    assert writes(cotonou) == before
