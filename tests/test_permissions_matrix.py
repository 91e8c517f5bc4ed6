"""Who may do what, as a matrix: role × (own commune, another commune) × permission.

Staff of one commune can never act on another; platform administrators can act everywhere.
"""

import pytest
from rest_framework.test import APIClient

from hub.models import Role
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    "hub.view_staff_area",
    "hub.change_commune_profile",
    "hub.manage_memberships",
    "hub.view_commune_audit_log",
    "hub.publish_in_commune",
    "hub.moderate_commune",
]

# What each role may do in its OWN commune (it may do none of it in another).
ALLOWED = {
    Role.MAYOR: set(PERMISSIONS),
    Role.SECRETARY_GENERAL: set(PERMISSIONS),
    Role.DEPUTY_MAYOR: {"hub.view_staff_area"},
    Role.COUNCILLOR: {"hub.view_staff_area"},
    Role.FOCAL_POINT: {"hub.view_staff_area", "hub.publish_in_commune"},
    Role.COMMUNICATION_OFFICER: {
        "hub.view_staff_area",
        "hub.change_commune_profile",
        "hub.publish_in_commune",
    },
    Role.MODERATOR: {"hub.view_staff_area", "hub.moderate_commune"},
}


@pytest.fixture
def communes():
    return CommuneFactory(slug="cotonou"), CommuneFactory(slug="abomey-calavi")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", PERMISSIONS)
def test_role_matrix(communes, role, perm):
    # given a staff member of commune A
    own, other = communes
    user = MembershipFactory(commune=own, role=role).user
    # then
    assert user.has_perm(perm, own) is (perm in ALLOWED[role])
    assert user.has_perm(perm, other) is False


@pytest.mark.parametrize("perm", PERMISSIONS)
def test_citizens_and_anonymous_have_no_staff_permission(communes, perm):
    from django.contrib.auth.models import AnonymousUser

    for who in (UserFactory(), AnonymousUser()):
        assert not who.has_perm(perm, communes[0])


@pytest.mark.parametrize("perm", PERMISSIONS)
def test_platform_admin_may_act_everywhere(communes, perm):
    admin = AdminFactory()
    assert all(admin.has_perm(perm, commune) for commune in communes)


@pytest.mark.parametrize("perm", ["hub.publish_in_commune", "hub.moderate_commune"])
def test_staff_of_a_commune_not_yet_enabled_cannot_publish_or_moderate(perm):
    closed = CommuneFactory(slug="parakou", is_enabled=False)
    mayor = MembershipFactory(commune=closed, role=Role.MAYOR).user
    assert not mayor.has_perm(perm, closed)


def test_an_inactive_account_loses_its_roles(communes):
    membership = MembershipFactory(commune=communes[0], role=Role.MAYOR)
    membership.user.is_active = False
    membership.user.save()
    assert not membership.user.has_perm("hub.manage_memberships", communes[0])


STAFF_ENDPOINTS = [
    ("patch", "/api/v1/communes/{slug}/", {"description": "x"}),
    ("get", "/api/v1/communes/{slug}/memberships/", None),
    ("post", "/api/v1/communes/{slug}/memberships/", {"user": "someone@example.bj", "role": "councillor"}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ENDPOINTS)
def test_staff_endpoints_over_http(communes, method, path, body):
    # given: a citizen, the mayor of B, and the mayor of A
    own, other = communes
    UserFactory(email="someone@example.bj")
    citizen = UserFactory()
    mayor_b = MembershipFactory(commune=other, role=Role.MAYOR).user
    mayor_a = MembershipFactory(commune=own, role=Role.MAYOR).user

    def call(user):
        client = APIClient()
        client.force_authenticate(user)
        return getattr(client, method)(path.format(slug=own.slug), body, format="json")

    # then
    citizen_response = call(citizen)
    assert citizen_response.status_code == 403
    assert citizen_response.json()["error"]["code"] == "permission_denied"
    assert call(mayor_b).status_code == 403
    assert call(mayor_a).status_code in (200, 201)
