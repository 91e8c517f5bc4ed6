"""Forum permissions as a matrix: role × own or other commune × action. Staff of commune A can
never act in commune B; a citizen can never act as the town hall or as a moderator."""

from __future__ import annotations

import pytest

from forums import services
from hub.errors import PermissionDenied
from hub.models import Role
from tests.factories import AdminFactory, CommuneFactory
from tests.factories_forums import CategoryFactory, staff, veteran

pytestmark = pytest.mark.django_db

TOWN_HALL = {"answer", "status", "category"}
MODERATION = {"lock", "hide", "mute"}
ALLOWED_IN_OWN_COMMUNE = {
    "citizen": set(),
    Role.COUNCILLOR: TOWN_HALL,
    Role.COMMUNICATION_OFFICER: TOWN_HALL,
    Role.MODERATOR: TOWN_HALL | MODERATION,
    Role.MAYOR: TOWN_HALL | MODERATION,
    Role.SECRETARY_GENERAL: TOWN_HALL | MODERATION,
    "platform_admin": TOWN_HALL | MODERATION,
}


def act(action, actor, thread):
    commune = thread.commune
    if action == "answer":
        services.post_create(actor=actor, thread=thread, body="Réponse", official=True)
    elif action == "status":
        services.thread_status_set(actor=actor, thread=thread, status="closed")
    elif action == "category":
        services.category_save(actor=actor, commune=commune, name="Santé")
    elif action == "lock":
        services.thread_lock_set(actor=actor, thread=thread, locked=True)
    elif action == "hide":
        services.content_hide(actor=actor, thread=thread, reason="x")
    elif action == "mute":
        services.user_mute(actor=actor, commune=commune, user=veteran(), days=1, reason="x")


def make_actor(role, commune):
    if role == "citizen":
        return veteran()
    if role == "platform_admin":
        return AdminFactory()
    return staff(commune, role)


@pytest.mark.parametrize("role", list(ALLOWED_IN_OWN_COMMUNE))
@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("action", sorted(TOWN_HALL | MODERATION))
def test_permission_matrix(role, where, action):
    # given a thread in Cotonou and an actor holding `role` in Cotonou or in Ouidah
    cotonou, ouidah = CommuneFactory(slug="cotonou"), CommuneFactory(slug="ouidah")
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=CategoryFactory(commune=cotonou),
        title="Un sujet",
        body="Texte",
        kind="question",
    )
    actor = make_actor(role, cotonou if where == "own" else ouidah)
    allowed = action in ALLOWED_IN_OWN_COMMUNE[role] and (where == "own" or role == "platform_admin")
    # when / then
    if allowed:
        act(action, actor, thread)
    else:
        with pytest.raises(PermissionDenied):
            act(action, actor, thread)


def test_every_signed_in_citizen_may_participate_anywhere():
    commune = CommuneFactory(slug="cotonou")
    thread = services.thread_create(
        actor=veteran(),
        commune=commune,
        category=CategoryFactory(commune=commune),
        title="Un sujet",
        body="T",
        kind="question",
    )
    services.post_create(actor=veteran(), thread=thread, body="Réponse")
    services.support_set(actor=veteran(), thread=thread, supported=True)
