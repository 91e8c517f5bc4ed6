"""Organisations, facilitators and the standing citizen council: the services (writes, audit, bad
input, role × commune), the REST API (public reads, staff writes, clear 400s, 401/403/404) and the
pages (public council page, staff page with its forms, POST then redirect)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from consultations.models import (
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    Consultation,
    CouncilOpinion,
    Facilitator,
    Organisation,
    OrganisationKind,
    Phase,
)
from consultations.permissions import can_facilitate
from consultations.services import citizen_council as council_services
from consultations.services import organisations as org_services
from hub.errors import DomainError, NotAuthenticated, PermissionDenied
from hub.models import Arrondissement, AuditLogEntry, Role
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def staff_of(commune: Any, role: str = Role.SECRETARY_GENERAL) -> Any:
    return MembershipFactory(commune=commune, role=role).user


def consultation_in(commune: Any, phase: str = Phase.OPEN) -> Consultation:
    now = timezone.now()
    return Consultation.objects.create(
        commune=commune,
        title="Plan annuel de travail 2026",
        phase=phase,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=20),
    )


def accredit(actor: Any, commune: Any, name: str = "ONG Alafia") -> Organisation:
    return org_services.organisation_accredit(
        actor=actor, commune=commune, data={"name": name, "kind": OrganisationKind.ASSOCIATION}
    )


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def fields_of(response: Any) -> dict[str, Any]:
    body = response.json()
    return dict(body["error"].get("fields") or {})


# --- Services: organisations and facilitators -------------------------------------------------------


def test_staff_accredit_an_organisation_and_it_is_audited() -> None:
    # given a commune and its secretary-general
    commune = CommuneFactory()
    sg = staff_of(commune)
    # when they accredit an organisation
    organisation = org_services.organisation_accredit(
        actor=sg,
        commune=commune,
        data={"name": "  Groupement des femmes de Zogbo ", "kind": "women", "contact": "+229 01 97 00 00 00"},
    )
    # then it is accredited, named as typed (trimmed), and the journal says who did it
    assert organisation.is_accredited and organisation.name == "Groupement des femmes de Zogbo"
    assert organisation.accredited_by == sg
    entry = AuditLogEntry.objects.get(action="consultations.organisation_accredit")
    assert entry.commune == commune and entry.actor == sg and entry.object_id == str(organisation.pk)


def test_accrediting_reports_every_bad_field_at_once_and_writes_nothing() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    with pytest.raises(DomainError) as caught:
        org_services.organisation_accredit(
            actor=sg, commune=commune, data={"name": "", "kind": "sect", "contact": 12, "extra": 1}
        )
    assert caught.value.code == "validation_error"
    assert set(caught.value.details["fields"]) == {"name", "kind", "contact", "extra"}
    assert not Organisation.objects.exists() and not AuditLogEntry.objects.exists()


def test_an_organisation_name_is_unique_in_its_commune_only() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    accredit(staff_of(commune), commune, "ONG Alafia")
    with pytest.raises(DomainError) as caught:
        accredit(staff_of(commune), commune, "ong alafia")
    assert "name" in caught.value.details["fields"]
    assert accredit(staff_of(other), other, "ONG Alafia").commune == other


@pytest.mark.parametrize(
    "who",
    ["anonymous", "citizen", "councillor", "staff_of_b", "moderator"],
)
def test_only_the_communes_managers_accredit(who: str) -> None:
    # given commune A and people who do not manage its consultations
    commune_a, commune_b = CommuneFactory(), CommuneFactory()
    actor = {
        "anonymous": None,
        "citizen": UserFactory(),
        "councillor": staff_of(commune_a, Role.COUNCILLOR),
        "staff_of_b": staff_of(commune_b),
        "moderator": staff_of(commune_a, Role.MODERATOR),
    }[who]
    # when they try to accredit in A, then they are refused and nothing is written
    expected = NotAuthenticated if actor is None else PermissionDenied
    with pytest.raises(expected):
        accredit(actor, commune_a)
    assert not Organisation.objects.exists()


def test_staff_of_another_commune_cannot_withdraw_or_update() -> None:
    commune_a, commune_b = CommuneFactory(), CommuneFactory()
    organisation = accredit(staff_of(commune_a), commune_a)
    intruder = staff_of(commune_b)
    with pytest.raises(PermissionDenied):
        org_services.organisation_withdraw(actor=intruder, organisation=organisation)
    with pytest.raises(PermissionDenied):
        org_services.organisation_update(actor=intruder, organisation=organisation, data={"name": "X"})
    organisation.refresh_from_db()
    assert organisation.is_accredited and organisation.name == "ONG Alafia"


def test_update_changes_only_what_is_sent_and_records_before_and_after() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    org_services.organisation_update(actor=sg, organisation=organisation, data={"contact": "Mme Dossou"})
    organisation.refresh_from_db()
    assert organisation.contact == "Mme Dossou" and organisation.name == "ONG Alafia"
    entry = AuditLogEntry.objects.get(action="consultations.organisation_update")
    assert entry.data == {"before": {"contact": ""}, "after": {"contact": "Mme Dossou"}}


def test_a_facilitator_is_named_by_email_or_phone_and_may_then_facilitate() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    by_mail = UserFactory(email="awa@example.bj")
    by_phone = UserFactory(email=None, phone="+2290197000001")
    assert not can_facilitate(by_mail, commune)
    org_services.facilitator_grant(
        actor=sg, commune=commune, identifier="AWA@example.bj", organisation=organisation.pk
    )
    org_services.facilitator_grant(actor=sg, commune=commune, identifier="01 97 00 00 01")
    assert can_facilitate(by_mail, commune) and can_facilitate(by_phone, commune)
    # but not in another commune
    assert not can_facilitate(by_mail, CommuneFactory())
    assert AuditLogEntry.objects.filter(action="consultations.facilitator_grant").count() == 2


def test_naming_a_facilitator_refuses_unknown_accounts_and_foreign_or_withdrawn_organisations() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    sg = staff_of(commune)
    foreign = accredit(staff_of(other), other)
    withdrawn = accredit(sg, commune, "Coopérative Aïzo")
    org_services.organisation_withdraw(actor=sg, organisation=withdrawn)
    person = UserFactory()
    for identifier, organisation, field in [
        ("nobody@example.bj", None, "identifier"),
        ("", None, "identifier"),
        ("12", None, "identifier"),
        (person.email, foreign.pk, "organisation"),
        (person.email, withdrawn.pk, "organisation"),
        (person.email, "abc", "organisation"),
    ]:
        with pytest.raises(DomainError) as caught:
            org_services.facilitator_grant(
                actor=sg, commune=commune, identifier=identifier, organisation=organisation
            )
        assert field in caught.value.details["fields"], (identifier, organisation)
    assert not Facilitator.objects.exists()


def test_a_person_is_facilitator_once_until_revoked() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    person = UserFactory()
    facilitator = org_services.facilitator_grant(actor=sg, commune=commune, identifier=person.email)
    with pytest.raises(DomainError) as caught:
        org_services.facilitator_grant(actor=sg, commune=commune, identifier=person.email)
    assert "identifier" in caught.value.details["fields"]
    org_services.facilitator_revoke(actor=sg, facilitator=facilitator)
    org_services.facilitator_revoke(actor=sg, facilitator=facilitator)  # twice: once in the journal
    assert not can_facilitate(person, commune)
    assert AuditLogEntry.objects.filter(action="consultations.facilitator_revoke").count() == 1
    # named again after the revocation
    org_services.facilitator_grant(actor=sg, commune=commune, identifier=person.email)
    assert can_facilitate(person, commune)


def test_a_withdrawn_organisations_facilitator_can_no_longer_facilitate() -> None:
    # given a facilitator for an accredited organisation
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    person = UserFactory()
    org_services.facilitator_grant(
        actor=sg, commune=commune, identifier=person.email, organisation=organisation.pk
    )
    assert can_facilitate(person, commune)
    # when the accreditation is withdrawn (twice: the second changes nothing)
    org_services.organisation_withdraw(actor=sg, organisation=organisation)
    org_services.organisation_withdraw(actor=sg, organisation=organisation)
    # then they no longer facilitate, and the journal has one entry
    assert not can_facilitate(person, commune)
    assert AuditLogEntry.objects.filter(action="consultations.organisation_withdraw").count() == 1


def test_a_focal_point_facilitates_without_being_named() -> None:
    commune = CommuneFactory()
    focal_point = staff_of(commune, Role.FOCAL_POINT)
    assert can_facilitate(focal_point, commune)
    assert not can_facilitate(focal_point, CommuneFactory())
    assert not can_facilitate(UserFactory(), commune)


# --- Services: the citizen council -------------------------------------------------------------------


def test_members_are_added_updated_and_leave_with_audit() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    arrondissement = Arrondissement.objects.create(commune=commune, name="Zogbo")
    citizen = UserFactory(email="koffi@example.bj")
    member = council_services.member_add(
        actor=sg,
        commune=commune,
        data={
            "full_name": "Koffi Agossou",
            "organisation": organisation.pk,
            "arrondissement": str(arrondissement.pk),
            "account": "koffi@example.bj",
            "role": "président",
            "joined_on": "2025-01-15",
        },
    )
    assert member.user == citizen and member.organisation == organisation and member.is_current
    council_services.member_update(actor=sg, member=member, data={"role": "secrétaire", "account": ""})
    member.refresh_from_db()
    assert member.role == "secrétaire" and member.user is None
    council_services.member_leave(actor=sg, member=member, left_on="2025-06-30")
    member.refresh_from_db()
    assert member.left_on == datetime.date(2025, 6, 30) and not member.is_current
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {
        "consultations.council_member_add",
        "consultations.council_member_update",
        "consultations.council_member_leave",
    } <= actions


def test_member_input_is_checked_field_by_field() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    sg = staff_of(commune)
    foreign_arrondissement = Arrondissement.objects.create(commune=other, name="Ailleurs")
    with pytest.raises(DomainError) as caught:
        council_services.member_add(
            actor=sg,
            commune=commune,
            data={
                "full_name": "",
                "arrondissement": foreign_arrondissement.pk,
                "account": "nobody@example.bj",
                "joined_on": "15/01/2025",
                "organisation": 999999,
            },
        )
    assert set(caught.value.details["fields"]) == {
        "full_name",
        "arrondissement",
        "account",
        "joined_on",
        "organisation",
    }
    with pytest.raises(DomainError) as caught:
        council_services.member_add(
            actor=sg,
            commune=commune,
            data={"full_name": "A", "joined_on": "2025-05-01", "left_on": "2025-04-01"},
        )
    assert "left_on" in caught.value.details["fields"]
    assert not CitizenCouncilMember.objects.exists()


def test_meeting_minutes_must_be_a_published_document_of_the_commune() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    sg = staff_of(commune)
    draft = DocumentFactory(commune=commune)
    foreign = PublishedDocumentFactory(commune=other)
    for minutes in (draft.pk, foreign.pk, "x"):
        with pytest.raises(DomainError) as caught:
            council_services.meeting_record(
                actor=sg, commune=commune, data={"held_on": "2025-03-01", "minutes": minutes}
            )
        assert "minutes" in caught.value.details["fields"]
    published = PublishedDocumentFactory(commune=commune, title="PV du conseil citoyen")
    meeting = council_services.meeting_record(
        actor=sg, commune=commune, data={"held_on": "2025-03-01", "place": "Mairie", "minutes": published.pk}
    )
    assert meeting.minutes == published
    assert AuditLogEntry.objects.filter(action="consultations.council_meeting_record").count() == 1


def test_one_opinion_per_consultation_updated_when_recorded_again() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    sg = staff_of(commune)
    consultation = consultation_in(commune, Phase.CLOSED)
    meeting = council_services.meeting_record(actor=sg, commune=commune, data={"held_on": "2025-03-01"})
    foreign_meeting = council_services.meeting_record(
        actor=staff_of(other), commune=other, data={"held_on": "2025-03-01"}
    )
    with pytest.raises(DomainError) as caught:
        council_services.opinion_record(
            actor=sg, consultation=consultation, text="Avis", meeting=foreign_meeting.pk
        )
    assert "meeting" in caught.value.details["fields"]
    with pytest.raises(DomainError) as caught:
        council_services.opinion_record(actor=sg, consultation=consultation, text="   ")
    assert "text" in caught.value.details["fields"]
    council_services.opinion_record(
        actor=sg, consultation=consultation, text="Avis favorable", meeting=meeting.pk
    )
    council_services.opinion_record(actor=sg, consultation=consultation, text="Avis réservé")
    opinion = CouncilOpinion.objects.get()
    assert opinion.text == "Avis réservé" and opinion.meeting is None
    with pytest.raises(PermissionDenied):
        council_services.opinion_record(actor=staff_of(other), consultation=consultation, text="Intrus")


# --- API ---------------------------------------------------------------------------------------------


def test_api_accredit_then_public_list_hides_the_contact() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    url = f"{API}communes/{commune.slug}/organisations/"
    response = api(sg).post(
        url, {"name": "ONG Alafia", "kind": "association", "contact": "97 00"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["contact"] == "97 00"
    public = api().get(url)
    assert public.status_code == 200
    [row] = public.json()["organisations"]
    assert row["name"] == "ONG Alafia" and row["contact"] is None and row["is_accredited"] is True
    assert api(sg).get(url).json()["organisations"][0]["contact"] == "97 00"


def test_api_bad_input_is_a_clear_400_with_fields() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    url = f"{API}communes/{commune.slug}/organisations/"
    response = api(sg).post(url, {"name": "", "kind": "sect"}, format="json")
    assert response.status_code == 400
    assert {"name", "kind"} <= set(fields_of(response))
    response = api(sg).post(url, {"name": 12, "kind": "women"}, format="json")
    assert response.status_code == 400 and "name" in fields_of(response)
    facilitators = f"{API}communes/{commune.slug}/facilitators/"
    response = api(sg).post(facilitators, {"identifier": "nobody@example.bj"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error" and "identifier" in fields_of(response)
    response = api(sg).post(facilitators, {"identifier": "x", "organisation": "1"}, format="json")
    assert response.status_code == 400 and "organisation" in fields_of(response)
    assert not Organisation.objects.exists() and not Facilitator.objects.exists()


def test_api_permissions_role_by_commune() -> None:
    commune_a, commune_b = CommuneFactory(), CommuneFactory()
    url = f"{API}communes/{commune_a.slug}/organisations/"
    body = {"name": "ONG", "kind": "other"}
    assert api().post(url, body, format="json").status_code == 401
    for user in (UserFactory(), staff_of(commune_b), staff_of(commune_a, Role.COUNCILLOR)):
        response = api(user).post(url, body, format="json")
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    # bad input from someone not allowed is still a 403, not a 400
    assert api(staff_of(commune_b)).post(url, {"kind": 1}, format="json").status_code == 403
    facilitators = f"{API}communes/{commune_a.slug}/facilitators/"
    assert api().get(facilitators).status_code == 401
    assert api(staff_of(commune_b)).get(facilitators).status_code == 403
    assert api(staff_of(commune_a)).get(facilitators).status_code == 200
    assert not Organisation.objects.exists()


def test_api_an_organisation_of_another_commune_is_not_found_under_this_one() -> None:
    commune_a, commune_b = CommuneFactory(), CommuneFactory()
    organisation = accredit(staff_of(commune_b), commune_b)
    sg_a = staff_of(commune_a)
    response = api(sg_a).post(f"{API}communes/{commune_a.slug}/organisations/{organisation.pk}/withdraw/")
    assert response.status_code == 404
    response = api(sg_a).patch(
        f"{API}communes/{commune_a.slug}/organisations/{organisation.pk}/", {"name": "X"}, format="json"
    )
    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.is_accredited
    assert api().get(f"{API}communes/nowhere/organisations/").status_code == 404


def test_api_facilitators_grant_list_revoke_and_withdraw() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    person = UserFactory()
    base = f"{API}communes/{commune.slug}/"
    response = api(sg).post(
        base + "facilitators/", {"identifier": person.email, "organisation": organisation.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    facilitator_id = response.json()["id"]
    assert response.json()["can_record"] is True
    assert api(sg).post(base + f"organisations/{organisation.pk}/withdraw/").status_code == 200
    [row] = api(sg).get(base + "facilitators/").json()["facilitators"]
    assert row["can_record"] is False and row["user"]["display_name"] == person.display_name
    assert not can_facilitate(person, commune)
    assert api(sg).delete(base + f"facilitators/{facilitator_id}/").status_code == 204
    assert api(sg).get(base + "facilitators/").json()["facilitators"] == []


def test_api_citizen_council_public_read_and_staff_writes() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    organisation = accredit(sg, commune)
    arrondissement = Arrondissement.objects.create(commune=commune, name="Zogbo")
    minutes = PublishedDocumentFactory(commune=commune, title="PV de la séance")
    base = f"{API}communes/{commune.slug}/citizen-council/"
    response = api(sg).post(
        base + "members/",
        {
            "full_name": "Awa Hounsa",
            "organisation": organisation.pk,
            "arrondissement": arrondissement.pk,
            "joined_on": "2025-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    member_id = response.json()["id"]
    gone = api(sg).post(base + "members/", {"full_name": "Ancien", "joined_on": "2024-01-01"}, format="json")
    assert (
        api(sg)
        .post(base + f"members/{gone.json()['id']}/leave/", {"left_on": "2024-12-31"}, format="json")
        .status_code
        == 200
    )
    response = api(sg).post(
        base + "meetings/", {"held_on": "2025-02-01", "minutes": minutes.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    bad = api(sg).post(base + "meetings/", {"held_on": "hier"}, format="json")
    assert bad.status_code == 400 and "held_on" in fields_of(bad)
    patch = api(sg).patch(base + f"members/{member_id}/", {"role": "présidente"}, format="json")
    assert patch.status_code == 200 and patch.json()["role"] == "présidente"
    # the public read: current members with names of organisation and arrondissement, minutes linked
    body = api().get(base).json()
    [member] = body["members"]
    assert member["full_name"] == "Awa Hounsa"
    assert member["organisation"]["name"] == "ONG Alafia" and member["arrondissement"]["name"] == "Zogbo"
    [meeting] = body["meetings"]
    assert meeting["minutes"]["title"] == "PV de la séance"
    assert meeting["minutes"]["path"] == minutes.get_absolute_url()
    assert (
        api(UserFactory()).post(base + "meetings/", {"held_on": "2025-02-01"}, format="json").status_code
        == 403
    )


def test_api_opinion_public_when_the_consultation_is_public() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    public = consultation_in(commune, Phase.CLOSED)
    draft = consultation_in(commune, Phase.DRAFT)
    url = f"{API}consultations/{public.pk}/opinion/"
    assert api().get(url).status_code == 404
    assert api().put(url, {"text": "Avis"}, format="json").status_code == 401
    assert api(UserFactory()).put(url, {"text": "Avis"}, format="json").status_code == 403
    bad = api(sg).put(url, {"text": ""}, format="json")
    assert bad.status_code == 400 and "text" in fields_of(bad)
    assert api(sg).put(url, {"text": "Avis favorable"}, format="json").status_code == 200
    body = api().get(url).json()
    assert body["text"] == "Avis favorable" and body["consultation"]["id"] == public.pk
    draft_url = f"{API}consultations/{draft.pk}/opinion/"
    assert api(sg).put(draft_url, {"text": "Brouillon"}, format="json").status_code == 200
    assert api().get(draft_url).status_code == 404
    assert api(staff_of(CommuneFactory())).get(draft_url).status_code == 404
    assert api(sg).get(draft_url).status_code == 200
    assert api().get(f"{API}consultations/999999/opinion/").status_code == 404


# --- Pages -------------------------------------------------------------------------------------------


def test_public_citizen_council_page_shows_members_meetings_and_opinions() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    council_services.member_add(
        actor=sg, commune=commune, data={"full_name": "Awa Hounsa", "joined_on": "2025-01-01"}
    )
    minutes = PublishedDocumentFactory(commune=commune, title="PV de février")
    council_services.meeting_record(
        actor=sg,
        commune=commune,
        data={"held_on": "2025-02-01", "place": "Salle des fêtes", "minutes": minutes.pk},
    )
    consultation = consultation_in(commune, Phase.CLOSED)
    council_services.opinion_record(actor=sg, consultation=consultation, text="Avis favorable au plan")
    hidden = consultation_in(commune, Phase.DRAFT)
    council_services.opinion_record(actor=sg, consultation=hidden, text="Avis sur un brouillon")
    response = Client().get(reverse("frontend:citizen-council", args=[commune.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Awa Hounsa" in page and "Salle des fêtes" in page
    assert minutes.get_absolute_url() in page
    assert "Avis favorable au plan" in page and "Avis sur un brouillon" not in page
    assert Client().get(reverse("frontend:citizen-council", args=["nowhere"])).status_code == 404


def test_staff_page_refuses_others() -> None:
    commune, other = CommuneFactory(), CommuneFactory()
    url = reverse("frontend:consultation-organisations", args=[commune.slug])
    response = Client().get(url)
    assert response.status_code == 302 and reverse("frontend:login") in response["Location"]
    client = Client()
    client.force_login(staff_of(other))
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"action": "organisation_accredit", "name": "X", "kind": "other"}).status_code == 403
    )
    assert not Organisation.objects.exists()


def test_staff_page_accredits_names_adds_records_then_redirects() -> None:
    commune = CommuneFactory()
    sg = staff_of(commune)
    client = Client(enforce_csrf_checks=False)
    client.force_login(sg)
    url = reverse("frontend:consultation-organisations", args=[commune.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "organisation_accredit", "name": "ONG Alafia", "kind": "association"}
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    person = UserFactory()
    response = client.post(
        url, {"action": "facilitator_grant", "identifier": person.email, "organisation": str(organisation.pk)}
    )
    assert response.status_code == 302 and can_facilitate(person, commune)
    response = client.post(
        url,
        {
            "action": "member_add",
            "full_name": "Koffi",
            "joined_on": "2025-01-01",
            "organisation": str(organisation.pk),
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"action": "meeting_record", "held_on": "2025-02-01", "place": "Mairie"})
    assert response.status_code == 302
    member = CitizenCouncilMember.objects.get()
    assert client.post(url, {"action": "member_leave", "member": str(member.pk)}).status_code == 302
    assert (
        client.post(
            url, {"action": "organisation_withdraw", "organisation": str(organisation.pk)}
        ).status_code
        == 302
    )
    assert not can_facilitate(person, commune)
    facilitator = Facilitator.objects.get()
    assert (
        client.post(url, {"action": "facilitator_revoke", "facilitator": str(facilitator.pk)}).status_code
        == 302
    )
    assert CitizenCouncilMeeting.objects.count() == 1
    page = client.get(url).content.decode()
    assert "ONG Alafia" in page and "Koffi" in page


def test_staff_page_shows_errors_next_to_the_fields() -> None:
    commune = CommuneFactory()
    client = Client()
    client.force_login(staff_of(commune))
    url = reverse("frontend:consultation-organisations", args=[commune.slug])
    response = client.post(url, {"action": "facilitator_grant", "identifier": "nobody@example.bj"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_fac_identifier_error"' in page and "nobody@example.bj" in page
    response = client.post(url, {"action": "member_add", "full_name": "", "joined_on": "2025-01-01"})
    assert response.status_code == 400
    assert 'id="id_member_full_name_error"' in response.content.decode()
    # the service's refusal goes next to its field too
    response = client.post(url, {"action": "member_add", "full_name": "Koffi", "joined_on": "demain"})
    assert response.status_code == 400
    assert 'id="id_member_joined_on_error"' in response.content.decode()
    assert not Facilitator.objects.exists() and not CitizenCouncilMember.objects.exists()


def test_staff_page_forms_need_their_csrf_token() -> None:
    commune = CommuneFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_of(commune))
    url = reverse("frontend:consultation-organisations", args=[commune.slug])
    response = client.post(url, {"action": "organisation_accredit", "name": "ONG", "kind": "other"})
    assert response.status_code == 403
    assert not Organisation.objects.exists()
