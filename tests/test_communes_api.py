"""Communes over the API: list with filters, detail, follow, memberships, audit log, query counts."""

import pytest
from rest_framework.test import APIClient

from hub.models import AuditLogEntry, Follow, Membership, Role
from tests.factories import AdminFactory, CommuneFactory, FollowFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_puts_pilot_communes_first_and_filters(api, reference_data):
    # when
    everything = api.get("/api/v1/communes/", {"page_size": 100}).json()
    # then
    names = [c["name"] for c in everything["results"]]
    assert everything["count"] == 77
    assert names[:3] == ["Abomey-Calavi", "Akpro-Missérété", "Cotonou"]
    assert api.get("/api/v1/communes/", {"q": "misserete"}).json()["results"][0]["slug"] == "akpro-misserete"
    littoral = api.get("/api/v1/communes/", {"department": "littoral"}).json()
    assert [c["slug"] for c in littoral["results"]] == ["cotonou"]
    enabled = api.get("/api/v1/communes/", {"enabled": "true"}).json()
    assert enabled["count"] == 3


def test_list_rejects_bad_filters(api, reference_data):
    response = api.get("/api/v1/communes/", {"enabled": "peut-etre"})
    assert response.status_code == 400
    assert "enabled" in response.json()["error"]["fields"]


def test_list_query_count_is_constant(api, reference_data, django_assert_num_queries):
    # given a signed-in user (the follow flag is part of the same query)
    user = UserFactory()
    FollowFactory(user=user, commune=CommuneFactory(slug="cotonou"))
    client = client_for(user)
    # then: one count and one page query, whatever the page holds
    with django_assert_num_queries(2):
        body = client.get("/api/v1/communes/").json()
    assert [c["is_followed"] for c in body["results"] if c["slug"] == "cotonou"] == [True]


def test_detail_lists_public_officials_in_role_order(api, reference_data, django_assert_num_queries):
    # given
    cotonou = CommuneFactory(slug="cotonou")
    MembershipFactory(commune=cotonou, role=Role.COUNCILLOR, user__display_name="C")
    MembershipFactory(commune=cotonou, role=Role.MAYOR, user__display_name="M")
    MembershipFactory(commune=cotonou, role=Role.MODERATOR, is_public=False)
    # when
    with django_assert_num_queries(2):
        response = api.get("/api/v1/communes/cotonou/")
    # then
    officials = response.json()["officials"]
    assert [o["role"] for o in officials] == ["mayor", "councillor"]
    assert response.json()["department_name"] == "Littoral"


def test_unknown_commune_is_404_json(api):
    response = api.get("/api/v1/communes/atlantide/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "commune_not_found", "message": response.json()["error"]["message"]}
    }


def test_unknown_api_path_is_404_json(api):
    response = api.get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_follow_is_idempotent_and_unfollow_removes_it(reference_data):
    # given
    user = UserFactory()
    client = client_for(user)
    # when
    first = client.post("/api/v1/communes/cotonou/follow/")
    second = client.post("/api/v1/communes/cotonou/follow/")
    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert Follow.objects.filter(user=user).count() == 1
    assert [f["commune"]["slug"] for f in client.get("/api/v1/me/follows/").json()] == ["cotonou"]
    assert first.json() == {"commune": "cotonou", "is_followed": True, "follower_count": 1}
    unfollowed = client.delete("/api/v1/communes/cotonou/follow/")
    assert unfollowed.status_code == 200
    assert unfollowed.json() == {"commune": "cotonou", "is_followed": False, "follower_count": 0}
    assert not Follow.objects.filter(user=user).exists()


def test_follow_needs_an_account_and_an_existing_commune(api, reference_data):
    assert api.post("/api/v1/communes/cotonou/follow/").status_code in (401, 403)
    assert client_for(UserFactory()).post("/api/v1/communes/atlantide/follow/").status_code == 404


def test_mayor_appoints_staff_in_own_commune_and_it_is_audited(reference_data):
    # given
    mayor = MembershipFactory(commune=CommuneFactory(slug="cotonou"), role=Role.MAYOR).user
    newcomer = UserFactory(phone="+2290197001122")
    # when
    response = client_for(mayor).post(
        "/api/v1/communes/cotonou/memberships/",
        {"user": "97 00 11 22", "role": "communication_officer", "title": "Chargée de communication"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    assert Membership.objects.filter(user=newcomer, role="communication_officer").exists()
    entry = AuditLogEntry.objects.get(action="membership.granted")
    assert (entry.actor, entry.commune.slug, entry.data["role"]) == (
        mayor,
        "cotonou",
        "communication_officer",
    )
    # and granting it twice is a conflict, not a second row
    again = client_for(mayor).post(
        "/api/v1/communes/cotonou/memberships/",
        {"user": newcomer.phone, "role": "communication_officer"},
        format="json",
    )
    assert again.status_code == 409


def test_membership_grant_rejects_bad_input(reference_data):
    mayor = MembershipFactory(commune=CommuneFactory(slug="cotonou"), role=Role.MAYOR).user
    client = client_for(mayor)
    unknown_role = client.post(
        "/api/v1/communes/cotonou/memberships/", {"user": "x@y.bj", "role": "king"}, format="json"
    )
    unknown_user = client.post(
        "/api/v1/communes/cotonou/memberships/",
        {"user": "ghost@example.bj", "role": "councillor"},
        format="json",
    )
    assert unknown_role.status_code == 400 and "role" in unknown_role.json()["error"]["fields"]
    assert unknown_user.status_code == 404 and unknown_user.json()["error"]["code"] == "user_not_found"


def test_only_a_platform_admin_appoints_a_mayor(reference_data):
    cotonou = CommuneFactory(slug="cotonou")
    sg = MembershipFactory(commune=cotonou, role=Role.SECRETARY_GENERAL).user
    candidate = UserFactory()
    body = {"user": candidate.email, "role": "mayor"}
    assert (
        client_for(sg).post("/api/v1/communes/cotonou/memberships/", body, format="json").status_code == 403
    )
    assert (
        client_for(AdminFactory())
        .post("/api/v1/communes/cotonou/memberships/", body, format="json")
        .status_code
        == 201
    )


def test_revoking_a_membership_of_another_commune_through_mine_is_not_found(reference_data):
    # given
    mayor_a = MembershipFactory(commune=CommuneFactory(slug="cotonou"), role=Role.MAYOR).user
    other = MembershipFactory(commune=CommuneFactory(slug="abomey-calavi"), role=Role.COUNCILLOR)
    # when
    response = client_for(mayor_a).delete(f"/api/v1/communes/cotonou/memberships/{other.pk}/")
    # then
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_profile_update_by_communication_officer_is_audited_and_validated(reference_data):
    officer = MembershipFactory(commune=CommuneFactory(slug="cotonou"), role=Role.COMMUNICATION_OFFICER).user
    client = client_for(officer)
    ok = client.patch(
        "/api/v1/communes/cotonou/",
        {"website": "https://cotonou.bj", "contact_phone": "21 30 00 00"},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["contact_phone"] == "+2290121300000"
    assert AuditLogEntry.objects.filter(action="commune.profile_updated", actor=officer).count() == 1
    renamed = client.patch("/api/v1/communes/cotonou/", {"name": "Cotonou-Plage"}, format="json")
    assert renamed.status_code == 400 and "name" in renamed.json()["error"]["fields"]
    bad_url = client.patch("/api/v1/communes/cotonou/", {"website": "javascript:alert(1)"}, format="json")
    assert bad_url.status_code == 400


def test_audit_log_is_for_admins_and_commune_heads_only(reference_data):
    # given
    cotonou, calavi = CommuneFactory(slug="cotonou"), CommuneFactory(slug="abomey-calavi")
    admin = AdminFactory()
    client_for(admin).patch("/api/v1/communes/cotonou/", {"description": "A"}, format="json")
    client_for(admin).patch("/api/v1/communes/abomey-calavi/", {"description": "B"}, format="json")
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    councillor = MembershipFactory(commune=calavi, role=Role.COUNCILLOR).user
    # then
    assert client_for(admin).get("/api/v1/audit/").json()["count"] == 2
    assert [e["commune"] for e in client_for(mayor).get("/api/v1/audit/").json()["results"]] == ["cotonou"]
    assert client_for(councillor).get("/api/v1/audit/").status_code == 403
    assert client_for(UserFactory()).get("/api/v1/audit/").status_code == 403
    filtered = client_for(admin).get("/api/v1/audit/", {"commune": "abomey-calavi"}).json()
    assert filtered["count"] == 1


def test_platform_admin_reads_the_audit_log_in_django_admin_and_cannot_edit_it(reference_data):
    from django.test import Client

    from hub.models import AuditLogEntry

    admin = AdminFactory()
    client_for(admin).patch("/api/v1/communes/cotonou/", {"description": "Ville"}, format="json")
    entry = AuditLogEntry.objects.get()
    web = Client()
    web.force_login(admin)
    listing = web.get("/admin/hub/auditlogentry/")
    assert listing.status_code == 200 and b"commune.profile_updated" in listing.content
    assert web.post(f"/admin/hub/auditlogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
