"""The agenda of a session before it starts: rename, remove and reorder items (services and REST), the
whole agenda replaced through ``session_update``, and the rules they share: staff of the commune only,
scheduled sessions only (items can only be added once it is live), each change audited and sent to
viewers as ``agenda.changed`` with the whole agenda. Also: scheduling and settings report every bad
field at once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hub.errors import NotFound, PermissionDenied
from hub.models import AuditLogEntry, Role
from sessions_live.errors import Invalid, WrongStatus
from sessions_live.models import AgendaItem, LiveSession, SessionEvent, SessionStatus
from sessions_live.services import agenda, sessions
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import AgendaItemFactory, LiveSessionFactory, staff_of

pytestmark = pytest.mark.django_db


def with_agenda(*titles, **fields):
    session = LiveSessionFactory(**fields)
    for position, title in enumerate(titles, start=1):
        AgendaItemFactory(session=session, position=position, title=title)
    return session


def titles(session):
    return [item.title for item in AgendaItem.objects.filter(session=session).order_by("position")]


def last_event(session):
    return SessionEvent.objects.filter(session=session).order_by("-seq").first()


# --- Services --------------------------------------------------------------------------------------


def test_an_item_is_renamed_audited_and_the_whole_agenda_sent():
    # given a scheduled session with three items
    session = with_agenda("Budget", "Eau", "Voirie")
    mayor = staff_of(session.commune)
    water = session.agenda_items.get(title="Eau")
    # when the mayor renames one
    item = agenda.agenda_item_update(
        actor=mayor, session=session, item_id=water.pk, title="  Adduction d'eau "
    )
    # then it keeps its place and identity, the change is audited and viewers get the whole agenda
    assert (item.pk, item.title, item.position) == (water.pk, "Adduction d'eau", 2)
    assert titles(session) == ["Budget", "Adduction d'eau", "Voirie"]
    event = last_event(session)
    assert event.name == "agenda.changed"
    assert [row["title"] for row in event.data["agenda"]] == titles(session)
    entry = AuditLogEntry.objects.get(action="session.agenda_update")
    assert entry.data == {"before": "Eau", "after": "Adduction d'eau"}


def test_removing_an_item_moves_the_next_ones_up_and_unsets_it_if_current():
    # given a scheduled session whose second item is the current one
    session = with_agenda("Budget", "Eau", "Voirie")
    mayor = staff_of(session.commune)
    water = session.agenda_items.get(title="Eau")
    agenda.agenda_current_set(actor=mayor, session=session, item_id=water.pk)
    # when it is removed
    agenda.agenda_item_remove(actor=mayor, session=session, item_id=water.pk)
    # then the others are 1 and 2, no item is current, and viewers are told
    rows = list(AgendaItem.objects.filter(session=session).order_by("position"))
    assert [(row.title, row.position) for row in rows] == [("Budget", 1), ("Voirie", 2)]
    assert LiveSession.objects.get(pk=session.pk).current_item_id is None
    assert last_event(session).data["current_item"] is None
    assert AuditLogEntry.objects.filter(action="session.agenda_remove").count() == 1


def test_the_agenda_is_reordered_by_naming_every_item_once():
    session = with_agenda("Budget", "Eau", "Voirie")
    mayor = staff_of(session.commune)
    budget, water, roads = session.agenda_items.order_by("position")
    ordered = agenda.agenda_reorder(actor=mayor, session=session, item_ids=[roads.pk, budget.pk, water.pk])
    assert [item.pk for item in ordered] == [roads.pk, budget.pk, water.pk]
    assert titles(session) == ["Voirie", "Budget", "Eau"]
    assert [row["id"] for row in last_event(session).data["agenda"]] == [roads.pk, budget.pk, water.pk]


@pytest.mark.parametrize(
    "ids",
    ["none", "missing one", "twice", "foreign", "not a list"],
)
def test_a_reorder_that_does_not_name_every_item_once_is_refused(ids):
    # given a scheduled session with three items, and an item of another session
    session = with_agenda("Budget", "Eau", "Voirie")
    budget, water, _roads = session.agenda_items.order_by("position")
    foreign = AgendaItemFactory()
    ids = {
        "none": [],
        "missing one": [budget.pk, water.pk],
        "twice": [budget.pk, water.pk, water.pk],
        "foreign": [budget.pk, water.pk, foreign.pk],
        "not a list": str(budget.pk),
    }[ids]
    # when it is reordered with them, then it is refused and nothing moves
    with pytest.raises(Invalid) as caught:
        agenda.agenda_reorder(actor=staff_of(session.commune), session=session, item_ids=ids)
    assert "items" in caught.value.details["fields"]
    assert titles(session) == ["Budget", "Eau", "Voirie"] and not SessionEvent.objects.exists()


@pytest.mark.parametrize("status", [SessionStatus.LIVE, SessionStatus.ENDED])
def test_after_the_start_items_can_no_longer_be_renamed_removed_or_reordered(status):
    session = with_agenda("Budget", "Eau", status=status)
    mayor = staff_of(session.commune)
    budget, water = session.agenda_items.order_by("position")
    for change in (
        lambda: agenda.agenda_item_update(actor=mayor, session=session, item_id=budget.pk, title="X"),
        lambda: agenda.agenda_item_remove(actor=mayor, session=session, item_id=budget.pk),
        lambda: agenda.agenda_reorder(actor=mayor, session=session, item_ids=[water.pk, budget.pk]),
        lambda: sessions.session_update(actor=mayor, session=session, changes={"agenda": ["X"]}),
        lambda: sessions.session_update(actor=mayor, session=session, changes={"kind": "hearing"}),
    ):
        with pytest.raises(WrongStatus):
            change()
    assert titles(session) == ["Budget", "Eau"] and not AuditLogEntry.objects.exists()


def test_an_item_of_another_session_is_not_found():
    session = with_agenda("Budget")
    other = AgendaItemFactory()
    mayor = staff_of(session.commune)
    with pytest.raises(NotFound):
        agenda.agenda_item_update(actor=mayor, session=session, item_id=other.pk, title="X")
    with pytest.raises(NotFound):
        agenda.agenda_item_remove(actor=mayor, session=session, item_id=other.pk)
    assert AgendaItem.objects.get(pk=other.pk).title != "X"


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, None, 12])
def test_a_bad_title_is_refused(title):
    session = with_agenda("Budget")
    item = session.agenda_items.get()
    with pytest.raises(Invalid):
        agenda.agenda_item_update(
            actor=staff_of(session.commune), session=session, item_id=item.pk, title=title
        )
    assert titles(session) == ["Budget"]


@pytest.mark.parametrize("role", ["moderator", "councillor", "citizen", "mayor_elsewhere"])
def test_only_staff_who_publish_in_the_commune_change_the_agenda(role):
    session = with_agenda("Budget", "Eau")
    user = {
        "moderator": lambda: staff_of(session.commune, Role.MODERATOR),
        "councillor": lambda: staff_of(session.commune, Role.COUNCILLOR),
        "citizen": UserFactory,
        "mayor_elsewhere": lambda: staff_of(CommuneFactory()),
    }[role]()
    budget, water = session.agenda_items.order_by("position")
    with pytest.raises(PermissionDenied):
        agenda.agenda_item_update(actor=user, session=session, item_id=budget.pk, title="X")
    with pytest.raises(PermissionDenied):
        agenda.agenda_item_remove(actor=user, session=session, item_id=budget.pk)
    with pytest.raises(PermissionDenied):
        agenda.agenda_reorder(actor=user, session=session, item_ids=[water.pk, budget.pk])
    assert titles(session) == ["Budget", "Eau"]


def test_the_whole_agenda_is_replaced_keeping_the_items_whose_title_stays():
    # given a scheduled session with three items
    session = with_agenda("Budget", "Eau", "Voirie", "Divers")
    mayor = staff_of(session.commune)
    budget, water, roads, other = session.agenda_items.order_by("position")
    # when the agenda is sent as titles: reordered, one renamed, one dropped, one added
    sessions.session_update(
        actor=mayor,
        session=session,
        changes={"agenda": ["Voirie", "Budget", "Eau potable", "Marché", "Clôture"]},
    )
    # then unchanged titles keep their item, the rest are renamed in order, then added
    rows = list(AgendaItem.objects.filter(session=session).order_by("position"))
    assert [row.title for row in rows] == ["Voirie", "Budget", "Eau potable", "Marché", "Clôture"]
    assert [row.pk for row in rows[:4]] == [roads.pk, budget.pk, water.pk, other.pk]
    assert [row.position for row in rows] == [1, 2, 3, 4, 5]
    assert AuditLogEntry.objects.get(action="session.update").data["fields"] == ["agenda"]
    # and emptied: every item goes
    sessions.session_update(actor=mayor, session=session, changes={"agenda": []})
    assert titles(session) == []


def test_scheduling_reports_every_bad_field_at_once_and_writes_nothing():
    commune = CommuneFactory()
    with pytest.raises(Invalid) as caught:
        sessions.session_schedule(
            actor=staff_of(commune),
            commune=commune,
            kind="party",
            title="",
            starts_at=datetime.datetime(2026, 3, 1, 10, 0),  # naive
            agenda=["Budget", "x" * 201],
            stream_url="http://www.youtube.com/embed/x",
            slow_mode_seconds=-1,
            documents=[999999],
        )
    fields = caught.value.details["fields"]
    assert set(fields) == {
        "kind",
        "title",
        "starts_at",
        "agenda",
        "stream_url",
        "slow_mode_seconds",
        "documents",
    }
    assert fields["agenda"] == ["Point 2 : 200 caractères au plus."]
    assert not LiveSession.objects.exists()


def test_too_many_items_are_refused_when_scheduling_and_when_adding():
    commune = CommuneFactory()
    mayor = staff_of(commune)
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(Invalid) as caught:
        sessions.session_schedule(
            actor=mayor, commune=commune, kind="ordinary", title="S", starts_at=start, agenda=["P"] * 101
        )
    assert caught.value.details["fields"]["agenda"] == ["Au plus 100 points à l'ordre du jour."]
    full = sessions.session_schedule(
        actor=mayor, commune=commune, kind="ordinary", title="S", starts_at=start, agenda=["P"] * 100
    )
    with pytest.raises(Invalid):
        agenda.agenda_item_add(actor=mayor, session=full, title="Un de trop")
    assert full.agenda_items.count() == 100


# --- REST ------------------------------------------------------------------------------------------


def api_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_items_are_renamed_removed_and_reordered_over_rest():
    session = with_agenda("Budget", "Eau", "Voirie")
    api = api_for(staff_of(session.commune))
    budget, water, roads = session.agenda_items.order_by("position")
    base = f"/api/v1/sessions/{session.pk}/agenda/"
    renamed = api.patch(f"{base}{water.pk}/", {"title": "Eau potable"}, format="json")
    assert renamed.status_code == 200 and renamed.json() == {
        "id": water.pk,
        "position": 2,
        "title": "Eau potable",
    }
    ordered = api.post(f"{base}order/", {"items": [roads.pk, water.pk, budget.pk]}, format="json")
    assert [row["title"] for row in ordered.json()] == ["Voirie", "Eau potable", "Budget"]
    assert api.delete(f"{base}{budget.pk}/").status_code == 204
    detail = api.get(f"/api/v1/sessions/{session.pk}/").json()
    assert [(row["title"], row["position"]) for row in detail["agenda"]] == [
        ("Voirie", 1),
        ("Eau potable", 2),
    ]


def test_the_agenda_and_the_kind_are_patched_with_the_session():
    session = with_agenda("Budget", "Eau")
    api = api_for(staff_of(session.commune))
    response = api.patch(
        f"/api/v1/sessions/{session.pk}/", {"agenda": ["Eau", "Marché"], "kind": "hearing"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [row["title"] for row in response.json()["agenda"]] == ["Eau", "Marché"]
    assert response.json()["kind"] == "hearing"


def test_bad_input_over_rest():
    session = with_agenda("Budget", "Eau")
    api = api_for(staff_of(session.commune))
    budget, _water = session.agenda_items.order_by("position")
    base = f"/api/v1/sessions/{session.pk}/agenda/"
    empty = api.patch(f"{base}{budget.pk}/", {"title": ""}, format="json")
    assert empty.status_code == 400 and "title" in empty.json()["error"]["fields"]
    missing = api.post(f"{base}order/", {"items": [budget.pk]}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "validation_error"
    assert api.post(f"{base}order/", {"items": "x"}, format="json").status_code == 400
    assert api.patch(f"{base}{AgendaItemFactory().pk}/", {"title": "X"}, format="json").status_code == 404
    assert titles(session) == ["Budget", "Eau"]


STATUSES = ["scheduled", "live", "ended"]
ROLES = {"mayor": Role.MAYOR, "communication": Role.COMMUNICATION_OFFICER, "moderator": Role.MODERATOR}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", [*ROLES, "citizen", "anonymous", "mayor_elsewhere"])
@pytest.mark.parametrize("action", ["rename", "remove", "reorder"])
def test_agenda_rest_matrix(action, role, status):
    # given a session in some state with two items, and a person of some role
    session = with_agenda("Budget", "Eau", status=status)
    budget, water = session.agenda_items.order_by("position")
    if role == "anonymous":
        user = None
    elif role == "citizen":
        user = UserFactory()
    elif role == "mayor_elsewhere":
        user = staff_of(CommuneFactory())
    else:
        user = staff_of(session.commune, ROLES[role])
    api = api_for(user)
    base = f"/api/v1/sessions/{session.pk}/agenda/"
    # when they change the agenda
    response = {
        "rename": lambda: api.patch(f"{base}{budget.pk}/", {"title": "Budget 2027"}, format="json"),
        "remove": lambda: api.delete(f"{base}{budget.pk}/"),
        "reorder": lambda: api.post(f"{base}order/", {"items": [water.pk, budget.pk]}, format="json"),
    }[action]()
    # then only publishers of the commune may, and only before the start
    if role == "anonymous":
        assert response.status_code == 401
    elif role not in ("mayor", "communication"):
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    elif status == "scheduled":
        assert response.status_code in (200, 204), response.content
        assert AuditLogEntry.objects.filter(actor=user, commune=session.commune).exists()
        return
    else:
        assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_status"
    assert titles(session) == ["Budget", "Eau"] and not AuditLogEntry.objects.exists()
