"""Staff pages that change a session, through Django's test client: schedule, edit, start, end, and
the links to them. Who may do what is a role × action matrix (the API's rules: ``publish_in_commune``
schedules and manages, ``moderate_commune`` moderates; staff of another commune get 403 and nothing
is written). Every bad input is sent to the page and, where the API takes the same input, to the API:
the page shows the API's own words next to the field, keeps what was typed, and writes nothing."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from hub.models import AuditLogEntry, OutboxEvent, Role
from publications.models import PublicationState
from sessions_live.models import (
    AgendaItem,
    LiveSession,
    PollStatus,
    SessionDocument,
    SessionEvent,
    SessionStatus,
)
from sessions_live.services.sessions import PAST_START_GRACE
from tests.factories import CommuneFactory, UserFactory
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory
from tests.factories_sessions import (
    AgendaItemFactory,
    LiveSessionFactory,
    PollFactory,
    QuestionFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db

ROLES = {
    "mayor": Role.MAYOR,
    "secretary_general": Role.SECRETARY_GENERAL,
    "communication_officer": Role.COMMUNICATION_OFFICER,
    "focal_point": Role.FOCAL_POINT,
    "moderator": Role.MODERATOR,
    "councillor": Role.COUNCILLOR,
}
EVERYONE = [*ROLES, "citizen", "anonymous", "mayor_elsewhere"]
PUBLISHERS = {"mayor", "secretary_general", "communication_officer", "focal_point"}
MODERATORS = {"mayor", "secretary_general", "moderator"}
# Sessions are scheduled ahead: the dates below fall next year, whenever the tests run.
YEAR = timezone.localdate().year + 1


# --- Given ---------------------------------------------------------------------------------------


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


def user_for(role, commune):
    if role == "anonymous":
        return None
    if role == "citizen":
        return UserFactory()
    if role == "mayor_elsewhere":
        return staff_of(CommuneFactory(), Role.MAYOR)
    return staff_of(commune, ROLES[role])


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(response):
    return response.content.decode()


def form_data(**overrides):
    """What the schedule form sends, all good unless overridden (None leaves a field out)."""
    data = {
        "kind": "ordinary",
        "title": "Session ordinaire de mars",
        "starts_on": f"{YEAR}-03-15",
        "starts_time": "10:00",
        "description": "Budget et eau.",
        "agenda": "Budget primitif\nAdduction d'eau",
        "stream_url": "",
        "audio_url": "",
        "slow_mode_seconds": "0",
        "questions_premoderated": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def api_body(commune, **overrides):
    """The same session as the API takes it."""
    body = {
        "commune": commune.slug,
        "kind": "ordinary",
        "title": "Session ordinaire de mars",
        "starts_at": f"{YEAR}-03-15T10:00:00+01:00",
        "description": "Budget et eau.",
        "agenda": ["Budget primitif", "Adduction d'eau"],
        "questions_premoderated": True,
    }
    body.update(overrides)
    return body


def field_error(html, field):
    """The text of the error block next to a field (empty if none)."""
    match = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def api_messages(fields, name):
    """A field's messages in an API error (a list's item errors flattened)."""
    value = fields[name]
    if isinstance(value, dict):
        return [message for item in value.values() for message in api_messages({"x": item}, "x")]
    return [str(message) for message in value]


def nothing_written():
    return (
        LiveSession.objects.count() == 0
        and AgendaItem.objects.count() == 0
        and not AuditLogEntry.objects.filter(action__startswith="session.").exists()
        and not OutboxEvent.objects.filter(kind__startswith="session.").exists()
    )


def new_url(commune):
    return f"/communes/{commune.slug}/seances/nouvelle/"


# --- Schedule: role × action --------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_open_the_schedule_form(cotonou, role):
    # given a person of some role, and the schedule page of Cotonou
    client = client_for(user_for(role, cotonou))
    # when they open it
    response = client.get(new_url(cotonou))
    # then publishers of Cotonou get the form, the anonymous sign in first, everyone else a 403
    if role in PUBLISHERS:
        assert response.status_code == 200 and 'name="title"' in page(response)
    elif role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    else:
        assert response.status_code == 403 and 'name="title"' not in page(response)


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_schedule_a_session_through_the_form(cotonou, role):
    # given a person of some role
    user = user_for(role, cotonou)
    # when they send a good form
    response = client_for(user).post(new_url(cotonou), form_data())
    # then only publishers of Cotonou schedule it (audited, followers told), the others write nothing
    if role in PUBLISHERS:
        session = LiveSession.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/seances/{session.pk}/"
        assert session.commune == cotonou and session.created_by == user
        assert AuditLogEntry.objects.filter(action="session.schedule", actor=user).exists()
        assert OutboxEvent.objects.filter(kind="session.scheduled").count() == 1
    else:
        assert response.status_code in (302, 403)
        assert nothing_written()


def test_staff_of_a_commune_not_yet_open_cannot_schedule(cotonou):
    # given the mayor of a commune that is not enabled yet
    cotonou.is_enabled = False
    cotonou.save()
    mayor = staff_of(cotonou)
    # when they open the form or send it, then it is a 403 (as over the API) and nothing is written
    assert client_for(mayor).get(new_url(cotonou)).status_code == 403
    assert client_for(mayor).post(new_url(cotonou), form_data()).status_code == 403
    assert nothing_written()


def test_an_unknown_commune_is_a_404(cotonou):
    assert client_for(staff_of(cotonou)).get("/communes/atlantide/seances/nouvelle/").status_code == 404


def test_the_form_schedules_with_everything_the_api_takes(cotonou):
    # given the mayor and two published documents of Cotonou
    mayor = staff_of(cotonou)
    budget, minutes = PublishedDocumentFactory(commune=cotonou), PublishedDocumentFactory(commune=cotonou)
    # when they fill every field (French date and time typed by hand, blank agenda lines)
    data = form_data(
        kind="accountability",
        starts_on=f"15/03/{YEAR}",
        starts_time="10h30",
        agenda="Budget primitif\n\n  Adduction d'eau  \n",
        stream_url="https://www.youtube-nocookie.com/embed/abc123",
        audio_url="https://radio.example.bj/live.mp3",
        slow_mode_seconds="20",
        documents=[str(minutes.pk), str(budget.pk)],
    )
    data.pop("questions_premoderated")
    response = client_for(mayor).post(new_url(cotonou), data)
    # then the session holds each of them, the start read in Benin's time (UTC+1)
    assert response.status_code == 302
    session = LiveSession.objects.get()
    assert session.kind == "accountability" and session.title == "Session ordinaire de mars"
    assert session.starts_at == datetime.datetime(YEAR, 3, 15, 9, 30, tzinfo=datetime.UTC)
    assert [item.title for item in session.agenda_items.all()] == ["Budget primitif", "Adduction d'eau"]
    assert session.stream_url.endswith("/embed/abc123") and session.audio_url.endswith("live.mp3")
    assert session.slow_mode_seconds == 20 and session.questions_premoderated is False
    assert set(SessionDocument.objects.filter(session=session).values_list("document_id", flat=True)) == {
        budget.pk,
        minutes.pk,
    }


def test_only_published_documents_of_the_commune_are_offered(cotonou):
    # given a published document, a draft and another commune's published document
    published = PublishedDocumentFactory(commune=cotonou, title="Budget publié")
    DocumentFactory(commune=cotonou, title="Brouillon secret")
    PublishedDocumentFactory(title="Budget d'ailleurs")
    # when the mayor opens the form
    html = page(client_for(staff_of(cotonou)).get(new_url(cotonou)))
    # then only the published document of Cotonou is a choice
    assert f'value="{published.pk}"' in html and "Budget publié" in html
    assert "Brouillon secret" not in html and "Budget d&#x27;ailleurs" not in html


# --- Schedule: bad input ---------------------------------------------------------------------------

LONG = "x" * 201

# (page input, the same input to the API or None when the page's input differs, field in error)
BAD_INPUT = {
    "empty title": ({"title": ""}, {"title": ""}, "title"),
    "blank title": ({"title": "   "}, {"title": "   "}, "title"),
    "title too long": ({"title": LONG}, {"title": LONG}, "title"),
    "unknown kind": ({"kind": "party"}, {"kind": "party"}, "kind"),
    "description too long": ({"description": "d" * 4001}, {"description": "d" * 4001}, "description"),
    "too many agenda items": (
        {"agenda": "\n".join(f"Point {n}" for n in range(101))},
        {"agenda": [f"Point {n}" for n in range(101)]},
        "agenda",
    ),
    "agenda item too long": ({"agenda": f"Budget\n{LONG}"}, {"agenda": ["Budget", LONG]}, "agenda"),
    "stream not https": (
        {"stream_url": "http://www.youtube.com/embed/abc"},
        {"stream_url": "http://www.youtube.com/embed/abc"},
        "stream_url",
    ),
    "stream not an embed": (
        {"stream_url": "https://vimeo.com/123"},
        {"stream_url": "https://vimeo.com/123"},
        "stream_url",
    ),
    "stream not an address": ({"stream_url": "ma vidéo"}, {"stream_url": "ma vidéo"}, "stream_url"),
    "audio not https": (
        {"audio_url": "ftp://radio.bj/live"},
        {"audio_url": "ftp://radio.bj/live"},
        "audio_url",
    ),
    "audio too long": (
        {"audio_url": "https://radio.bj/" + "a" * 500},
        {"audio_url": "https://radio.bj/" + "a" * 500},
        "audio_url",
    ),
    "slow mode negative": ({"slow_mode_seconds": "-1"}, {"slow_mode_seconds": -1}, "slow_mode_seconds"),
    "slow mode too long": ({"slow_mode_seconds": "3601"}, {"slow_mode_seconds": 3601}, "slow_mode_seconds"),
    "slow mode not a number": (
        {"slow_mode_seconds": "vite"},
        {"slow_mode_seconds": "vite"},
        "slow_mode_seconds",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_shows_the_apis_words_next_to_the_field_and_writes_nothing(cotonou, case):
    # given the mayor, and the API's answer to the same input
    mayor = staff_of(cotonou)
    overrides, api_overrides, field = BAD_INPUT[case]
    api = APIClient()
    api.force_authenticate(mayor)
    api_answer = api.post("/api/v1/sessions/", api_body(cotonou, **api_overrides), format="json")
    assert api_answer.status_code == 400, api_answer.content
    expected = api_messages(api_answer.json()["error"]["fields"], field)
    # when the page gets it
    response = client_for(mayor).post(new_url(cotonou), form_data(**overrides))
    # then it answers 400 with the API's words next to the field, a summary that links to it,
    html = page(response)
    assert response.status_code == 400
    shown = field_error(html, field)
    for message in expected:
        assert escape(message) in shown, (message, shown)
    assert f'href="#id_{field}"' in html and "data-error-summary" in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html)
    # what was typed is kept, and nothing is written
    assert escape(form_data(**overrides)["title"]) in html
    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"starts_on": ""}, "starts_on", "Indiquez la date de la séance."),
        ({"starts_on": "2026-02-30"}, "starts_on", "Indiquez une date valide, par exemple 15/03/2026."),
        ({"starts_on": "demain"}, "starts_on", "Indiquez une date valide, par exemple 15/03/2026."),
        ({"starts_time": ""}, "starts_time", "Indiquez l'heure de début de la séance."),
        ({"starts_time": "25:00"}, "starts_time", "Indiquez une heure valide, par exemple 10:00."),
        ({"starts_time": "10:75"}, "starts_time", "Indiquez une heure valide, par exemple 10:00."),
        ({"starts_on": None, "starts_time": None}, "starts_on", "Indiquez la date de la séance."),
    ],
)
def test_a_start_that_cannot_be_read_is_named_by_the_page(cotonou, overrides, field, message):
    # given the mayor, when the date or the time cannot be read (the API takes one ISO value instead)
    response = client_for(staff_of(cotonou)).post(new_url(cotonou), form_data(**overrides))
    # then the page says which one, in its own words, and writes nothing
    assert response.status_code == 400
    assert escape(message) in field_error(page(response), field)
    assert nothing_written()


def test_every_bad_field_is_reported_at_once(cotonou):
    # given a form with a bad start, a bad stream and a bad slow mode
    data = form_data(starts_time="midi", stream_url="https://vimeo.com/1", title="")
    # when it is sent
    html = page(client_for(staff_of(cotonou)).post(new_url(cotonou), data))
    # then the shape errors and the page's own come together (the service's follow once they are fixed)
    assert field_error(html, "title") and field_error(html, "starts_time")
    fixed = page(client_for(staff_of(cotonou)).post(new_url(cotonou), form_data(stream_url="http://x.bj")))
    assert field_error(fixed, "stream_url")
    assert nothing_written()


@pytest.mark.parametrize("which", ["draft", "withdrawn", "other commune", "missing", "not a number"])
def test_a_document_that_is_not_a_published_one_of_the_commune_is_refused(cotonou, which):
    # given the mayor and a document id that is not one of Cotonou's published documents
    mayor = staff_of(cotonou)
    bad = {
        "draft": lambda: str(DocumentFactory(commune=cotonou).pk),
        "withdrawn": lambda: str(DocumentFactory(commune=cotonou, state=PublicationState.WITHDRAWN).pk),
        "other commune": lambda: str(PublishedDocumentFactory().pk),
        "missing": lambda: "999999",
        "not a number": lambda: "budget",
    }[which]()
    good = str(PublishedDocumentFactory(commune=cotonou).pk)
    # when the form is sent with it (a tampered form) and a good one
    response = client_for(mayor).post(new_url(cotonou), form_data(documents=[good, bad]))
    # then the documents field says why, as the API does, and nothing is written
    assert response.status_code == 400
    assert field_error(page(response), "documents")
    if which != "not a number":
        api = APIClient()
        api.force_authenticate(mayor)
        answer = api.post(
            "/api/v1/sessions/", api_body(cotonou, documents=[int(good), int(bad)]), format="json"
        )
        for message in api_messages(answer.json()["error"]["fields"], "documents"):
            assert escape(message) in field_error(page(response), "documents")
    assert nothing_written()


def test_more_than_fifty_documents_are_refused_as_by_the_api(cotonou):
    mayor = staff_of(cotonou)
    ids = [str(document.pk) for document in PublishedDocumentFactory.create_batch(51, commune=cotonou)]
    response = client_for(mayor).post(new_url(cotonou), form_data(documents=ids))
    api = APIClient()
    api.force_authenticate(mayor)
    answer = api.post(
        "/api/v1/sessions/", api_body(cotonou, documents=[int(pk) for pk in ids]), format="json"
    )
    assert response.status_code == 400
    for message in api_messages(answer.json()["error"]["fields"], "documents"):
        assert escape(message) in page(response)
    assert nothing_written()


def local_start(moment):
    """A moment as the form types it (the commune's date and time, to the minute) and as the API."""
    local = timezone.localtime(moment).replace(second=0, microsecond=0)
    return {"starts_on": local.date().isoformat(), "starts_time": local.strftime("%H:%M")}, local.isoformat()


PAST = {
    "the review's 15/01/2020": lambda: (
        {"starts_on": "15/01/2020", "starts_time": "10:00"},
        "2020-01-15T10:00:00+01:00",
    ),
    "earlier today": lambda: local_start(timezone.now() - PAST_START_GRACE - datetime.timedelta(minutes=5)),
}


@pytest.mark.parametrize("when", list(PAST))
def test_a_start_in_the_past_is_refused_next_to_the_date_as_by_the_api(cotonou, when):
    # given the mayor, and the API's answer to a session starting in the past
    mayor = staff_of(cotonou)
    typed, iso = PAST[when]()
    api = APIClient()
    api.force_authenticate(mayor)
    api_answer = api.post("/api/v1/sessions/", api_body(cotonou, starts_at=iso), format="json")
    assert api_answer.status_code == 400, api_answer.content
    assert api_answer.json()["error"]["code"] == "validation_error"
    expected = api_messages(api_answer.json()["error"]["fields"], "starts_at")
    assert expected and nothing_written()
    # when the page gets the same start
    response = client_for(mayor).post(new_url(cotonou), form_data(**typed))
    # then it answers 400 with the API's words next to the date, linked from the summary
    html = page(response)
    assert response.status_code == 400
    for message in expected:
        assert escape(message) in field_error(html, "starts_on"), field_error(html, "starts_on")
    assert 'href="#id_starts_on"' in html and not field_error(html, "starts_time")
    # and nothing is written, and no follower is told
    assert nothing_written()


def test_a_start_a_little_in_the_past_is_taken(cotonou):
    # given the mayor, when they schedule the session starting now (a few minutes ago, within the grace)
    typed, _iso = local_start(timezone.now() - PAST_START_GRACE + datetime.timedelta(minutes=10))
    response = client_for(staff_of(cotonou)).post(new_url(cotonou), form_data(**typed))
    # then it is scheduled and followers are told
    assert response.status_code == 302 and LiveSession.objects.count() == 1
    assert OutboxEvent.objects.filter(kind="session.scheduled").count() == 1


# --- Edit ------------------------------------------------------------------------------------------


def scheduled(commune, **fields):
    session = LiveSessionFactory(commune=commune, title="Session de mars", **fields)
    for position, title in enumerate(["Budget", "Eau", "Voirie"], start=1):
        AgendaItemFactory(session=session, position=position, title=title)
    return session


def edit_data(session, **overrides):
    local = timezone.localtime(session.starts_at)
    data = {
        "kind": session.kind,
        "title": session.title,
        "starts_on": local.date().isoformat(),
        "starts_time": local.strftime("%H:%M"),
        "description": session.description,
        "agenda": "\n".join(item.title for item in session.agenda_items.all()),
        "stream_url": session.stream_url,
        "audio_url": session.audio_url,
        "recording_url": session.recording_url,
        "slow_mode_seconds": str(session.slow_mode_seconds),
    }
    if session.questions_premoderated:
        data["questions_premoderated"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("status", ["scheduled", "live", "ended"])
@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_edit_a_session(cotonou, role, status):
    # given a session of Cotonou in some state, and a person of some role
    session = scheduled(cotonou, status=status)
    user = user_for(role, cotonou)
    client = client_for(user)
    # when they open its edit page and send a new description
    opened = client.get(f"/seances/{session.pk}/modifier/")
    sent = client.post(
        f"/seances/{session.pk}/modifier/", edit_data(session, description="Ordre du jour revu.")
    )
    session.refresh_from_db()
    # then publishers of Cotonou edit it in every state; the others see 403 (or sign in) and change nothing
    if role in PUBLISHERS:
        assert opened.status_code == 200 and sent.status_code == 302, page(sent)[:2000]
        assert session.description == "Ordre du jour revu."
        assert AuditLogEntry.objects.filter(action="session.update", actor=user).exists()
    else:
        expected = 302 if role == "anonymous" else 403
        assert opened.status_code == expected and sent.status_code == expected
        assert session.description == "" and not AuditLogEntry.objects.exists()


def test_an_unknown_session_is_a_404(cotonou):
    assert client_for(staff_of(cotonou)).get("/seances/999999/modifier/").status_code == 404


def test_editing_changes_only_what_changed_and_keeps_the_agenda_items_that_stay(cotonou):
    # given a scheduled session with an agenda of three items
    mayor = staff_of(cotonou)
    session = scheduled(cotonou)
    budget, water, roads = session.agenda_items.all()
    # when the mayor renames it, changes its kind and start, and reorders, edits and drops items
    data = edit_data(
        session,
        title="Session extraordinaire",
        kind="extraordinary",
        starts_on=f"{YEAR}-04-02",
        starts_time="09:00",
        agenda="Voirie\nBudget\nMarché central",
    )
    response = client_for(mayor).post(f"/seances/{session.pk}/modifier/", data)
    # then the session holds it; items that stay keep their identity, in the new order
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.kind) == ("Session extraordinaire", "extraordinary")
    assert session.starts_at == datetime.datetime(YEAR, 4, 2, 8, 0, tzinfo=datetime.UTC)
    items = list(session.agenda_items.all())
    assert [(item.title, item.position) for item in items] == [
        ("Voirie", 1),
        ("Budget", 2),
        ("Marché central", 3),
    ]
    assert items[0].pk == roads.pk and items[1].pk == budget.pk and items[2].pk == water.pk  # renamed
    # and the live page is told: the settings, then the whole agenda
    names = list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("name", flat=True))
    assert names == ["session.updated", "agenda.changed"]
    entry = AuditLogEntry.objects.get(action="session.update")
    assert entry.data["fields"] == ["agenda", "kind", "starts_at", "title"]


def test_saving_an_unchanged_form_writes_nothing(cotonou):
    mayor = staff_of(cotonou)
    session = scheduled(cotonou, stream_url="https://www.youtube.com/embed/x")
    response = client_for(mayor).post(f"/seances/{session.pk}/modifier/", edit_data(session), follow=True)
    assert response.status_code == 200 and "Rien n&#x27;a changé." in page(response)
    assert not SessionEvent.objects.exists() and not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"stream_url": "http://www.youtube.com/embed/x"}, "stream_url"),
        ({"agenda": "\n".join(f"Point {n}" for n in range(101))}, "agenda"),
        ({"starts_time": "99:99"}, "starts_time"),
        ({"slow_mode_seconds": "7200"}, "slow_mode_seconds"),
    ],
)
def test_bad_input_on_the_edit_page_changes_nothing(cotonou, overrides, field):
    mayor = staff_of(cotonou)
    session = scheduled(cotonou)
    response = client_for(mayor).post(f"/seances/{session.pk}/modifier/", edit_data(session, **overrides))
    assert response.status_code == 400 and field_error(page(response), field)
    session.refresh_from_db()
    assert session.title == "Session de mars" and session.agenda_items.count() == 3
    assert not SessionEvent.objects.exists() and not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("over", ["page", "api"])
def test_a_scheduled_session_cannot_be_moved_into_the_past(cotonou, over):
    # given a scheduled session
    mayor = staff_of(cotonou)
    session = scheduled(cotonou)
    announced = session.starts_at
    typed, iso = local_start(timezone.now() - datetime.timedelta(days=2))
    # when its start is moved two days back, with a new title
    if over == "page":
        data = edit_data(session, title="Titre revu", **typed)
        response = client_for(mayor).post(f"/seances/{session.pk}/modifier/", data)
        # then the page says so next to the date
        assert response.status_code == 400 and field_error(page(response), "starts_on")
    else:
        api = APIClient()
        api.force_authenticate(mayor)
        response = api.patch(
            f"/api/v1/sessions/{session.pk}/", {"starts_at": iso, "title": "Titre revu"}, format="json"
        )
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"starts_at"}
    # and nothing changes, nothing is announced
    session.refresh_from_db()
    assert session.starts_at == announced and session.title == "Session de mars"
    assert not SessionEvent.objects.exists() and not AuditLogEntry.objects.exists()


def test_a_late_session_can_still_be_edited_without_moving_its_start(cotonou):
    # given a scheduled session whose start passed two hours ago (it has not started yet)
    session = scheduled(cotonou, starts_at=timezone.now() - datetime.timedelta(hours=2))
    # when its edit form is sent with its start unchanged and a new title
    data = edit_data(session, title="Séance retardée")
    response = client_for(staff_of(cotonou)).post(f"/seances/{session.pk}/modifier/", data)
    # then it is saved
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Séance retardée"


def test_a_live_session_cannot_change_its_kind_or_agenda_here(cotonou):
    # given a live session
    mayor = staff_of(cotonou)
    session = scheduled(cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    # when its edit page is opened, then the kind and the agenda are not fields, and the agenda is shown
    html = page(client_for(mayor).get(f"/seances/{session.pk}/modifier/"))
    assert 'name="kind"' not in html and 'name="agenda"' not in html and "Voirie" in html
    # and a tampered form that sends them changes neither
    data = edit_data(session, kind="hearing", agenda="Autre chose", title="Titre revu")
    assert client_for(mayor).post(f"/seances/{session.pk}/modifier/", data).status_code == 302
    session.refresh_from_db()
    assert session.kind == "accountability" and session.title == "Titre revu"
    assert [item.title for item in session.agenda_items.all()] == ["Budget", "Eau", "Voirie"]


def test_an_ended_session_takes_a_recording_and_a_description(cotonou):
    mayor = staff_of(cotonou)
    session = scheduled(cotonou, status=SessionStatus.ENDED)
    html = page(client_for(mayor).get(f"/seances/{session.pk}/modifier/"))
    assert 'name="recording_url"' in html and 'name="title"' not in html
    data = {"description": "Compte rendu.", "recording_url": "https://www.youtube.com/watch?v=x"}
    assert client_for(mayor).post(f"/seances/{session.pk}/modifier/", data).status_code == 302
    session.refresh_from_db()
    assert session.recording_url.endswith("v=x") and session.title == "Session de mars"
    bad = client_for(mayor).post(f"/seances/{session.pk}/modifier/", {"recording_url": "http://x.bj"})
    assert bad.status_code == 400 and field_error(page(bad), "recording_url")


# --- Start and end ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["start", "end"])
@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_start_and_end_a_session(cotonou, role, action):
    # given a session ready for the action, and a person of some role
    status = SessionStatus.SCHEDULED if action == "start" else SessionStatus.LIVE
    session = LiveSessionFactory(commune=cotonou, status=status)
    client = client_for(user_for(role, cotonou))
    path = f"/seances/{session.pk}/{'demarrer' if action == 'start' else 'terminer'}/"
    # when they open the confirmation page, post without confirming, then confirm
    asked = client.get(path)
    unconfirmed = client.post(path)
    session.refresh_from_db()
    status_before_confirming = session.status
    confirmed = client.post(path, {"confirmed": "1"})
    session.refresh_from_db()
    # then publishers of Cotonou are asked, then act (a start leads to the console); others cannot
    assert status_before_confirming == status
    if role in PUBLISHERS:
        assert asked.status_code == 200 and unconfirmed.status_code == 200
        assert 'name="confirmed" value="1"' in page(asked)
        if action == "start":
            assert session.status == SessionStatus.LIVE
            assert confirmed["Location"] == f"/seances/{session.pk}/console/"
        else:
            assert session.status == SessionStatus.ENDED
            assert confirmed["Location"] == f"/seances/{session.pk}/"
    else:
        expected = 302 if role == "anonymous" else 403
        assert {asked.status_code, unconfirmed.status_code, confirmed.status_code} == {expected}
        assert session.status == status and not AuditLogEntry.objects.exists()


def test_a_start_or_end_that_does_not_fit_the_state_says_so(cotonou):
    mayor = staff_of(cotonou)
    ended = LiveSessionFactory(commune=cotonou, status=SessionStatus.ENDED)
    scheduled_one = LiveSessionFactory(commune=cotonou)
    client = client_for(mayor)
    # an ended session cannot start again: the page says so (409), and a confirmed POST is refused
    assert client.get(f"/seances/{ended.pk}/demarrer/").status_code == 409
    refused = client.post(f"/seances/{ended.pk}/demarrer/", {"confirmed": "1"}, follow=True)
    assert "Cette séance est terminée." in page(refused)
    ended.refresh_from_db()
    assert ended.status == SessionStatus.ENDED
    # a scheduled session cannot end
    assert client.get(f"/seances/{scheduled_one.pk}/terminer/").status_code == 409
    client.post(f"/seances/{scheduled_one.pk}/terminer/", {"confirmed": "1"})
    scheduled_one.refresh_from_db()
    assert scheduled_one.status == SessionStatus.SCHEDULED


def test_start_and_end_need_a_post_with_the_csrf_token(cotonou):
    mayor = staff_of(cotonou)
    session = LiveSessionFactory(commune=cotonou)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mayor)
    assert client.post(f"/seances/{session.pk}/demarrer/", {"confirmed": "1"}).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


# --- Links -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_the_session_page_and_the_list_link_staff_to_the_consoles(cotonou, role):
    # given a live session of Cotonou, and a person of some role
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    client = client_for(user_for(role, cotonou))
    console = f'href="/seances/{session.pk}/console/"'
    moderation = f'href="/seances/{session.pk}/moderation/"'
    edit = f'href="/seances/{session.pk}/modifier/"'
    # when they open the session's page, the sessions list and Cotonou's sessions list
    pages = [
        page(client.get(f"/seances/{session.pk}/")),
        page(client.get("/seances/")),
        page(client.get("/communes/cotonou/seances/")),
    ]
    # then each shows the links to what this person may open, and only those
    for html in pages:
        assert (console in html) == (role in PUBLISHERS)
        assert (edit in html) == (role in PUBLISHERS)
        assert (moderation in html) == (role in MODERATORS)
    assert bool(re.search(r"data-end[ >]", pages[0])) == (role in PUBLISHERS)


@pytest.mark.parametrize("role", EVERYONE)
def test_the_commune_page_and_its_sessions_list_offer_to_schedule_to_publishers(cotonou, role):
    client = client_for(user_for(role, cotonou))
    link = 'href="/communes/cotonou/seances/nouvelle/"'
    assert (link in page(client.get("/communes/cotonou/"))) == (role in PUBLISHERS)
    assert (link in page(client.get("/communes/cotonou/seances/"))) == (role in PUBLISHERS)
    assert (link in page(client.get("/seances/"))) == (role in PUBLISHERS)


def test_an_ended_sessions_archive_links_staff_to_the_console_and_the_edit_page(cotonou):
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.ENDED)
    html = page(client_for(staff_of(cotonou)).get(f"/seances/{session.pk}/"))
    assert (
        f'href="/seances/{session.pk}/console/"' in html and f'href="/seances/{session.pk}/modifier/"' in html
    )
    assert not re.search(r"data-(start|end)[ >]", html)
    assert f'href="/seances/{session.pk}/console/"' not in page(Client().get(f"/seances/{session.pk}/"))


def test_the_sessions_list_keeps_its_query_count_with_staff_links(cotonou, django_assert_max_num_queries):
    # given a mayor and many sessions of their commune
    mayor = staff_of(cotonou)
    LiveSessionFactory.create_batch(15, commune=cotonou)
    client = client_for(mayor)
    client.get("/seances/")  # warm the session and the caches
    # when the list is opened, then the rights cost one query for the roles, not one per session
    with django_assert_max_num_queries(12):
        client.get("/seances/")


# --- The console after the end ---------------------------------------------------------------------


class Tags(HTMLParser):
    """The start tags of a page with their attributes, for structure assertions: not those of the
    <template> markup the scripts clone, nor the page's root (its data-* attributes are labels)."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.in_template = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            self.in_template += 1
        elif not self.in_template and "data-session" not in dict(attrs):
            self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1

    def having(self, attribute):
        return [attrs for _tag, attrs in self.tags if attribute in attrs]


def console_with_everything(commune, status):
    session = LiveSessionFactory(
        commune=commune, status=status, started_at=timezone.now(), ended_at=None, questions_premoderated=False
    )
    item = AgendaItemFactory(session=session, position=1, title="Budget")
    draft = PollFactory(session=session, status=PollStatus.DRAFT)
    question = QuestionFactory(session=session, status="approved")
    if status == SessionStatus.ENDED:
        LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    return session, item, draft, question


# Controls of the console the services refuse after the end (409): hidden then.
UNTIL_ENDED = {
    "data-set-current",
    "data-clear-current",
    "data-agenda-form",
    "data-poll-create",
    "data-poll-open",
}
# What they still take after the end: answering questions, commitments, the recording link.
STILL_TAKEN = {"data-answering", "data-answered", "data-commit", "data-commitment-form", "data-settings-form"}


@pytest.mark.parametrize("status", [SessionStatus.LIVE, SessionStatus.ENDED])
def test_the_console_shows_only_the_controls_the_session_still_takes(cotonou, status):
    # given a session with an agenda item, a draft poll and an approved question, live or ended
    session, _item, _draft, _question = console_with_everything(cotonou, status)
    # when the mayor opens its console
    response = client_for(staff_of(cotonou)).get(f"/seances/{session.pk}/console/")
    assert response.status_code == 200
    tags = Tags(page(response))
    ended = status == SessionStatus.ENDED
    # then every control marked to go at the end is hidden once it has ended (forms stay hidden
    # when the script reveals the others), and shown while it is live
    marked = tags.having("data-until-ended")
    for attribute in UNTIL_ENDED:
        found = tags.having(attribute)
        assert found, attribute
        for attrs in found:
            wrapped = attribute == "data-clear-current"  # its paragraph carries the mark
            assert wrapped or "data-until-ended" in attrs, attribute
    for attrs in marked:
        if "data-needs-js" in attrs:  # hidden until the script shows it, unless initially hidden
            assert ("data-initially-hidden" in attrs) == ended, attrs
        else:
            assert ("hidden" in attrs) == ended, attrs
    # only the stream, audio, slow mode and pre-moderation settings go: the recording stays
    settings_fields = [attrs for attrs in marked if attrs.get("class", "").startswith("field")]
    assert len(settings_fields) == 4
    assert tags.having("data-settings-form") and [a for _t, a in tags.tags if a.get("id") == "set-recording"]
    # what the services still take has no such mark and is not hidden
    for attribute in STILL_TAKEN:
        found = tags.having(attribute)
        assert found, attribute
        for attrs in found:
            assert "data-until-ended" not in attrs and "data-initially-hidden" not in attrs, attribute
            if "data-needs-js" not in attrs:
                assert "hidden" not in attrs, attribute
    # start and end are gone after the end; the note about the end shows, with its links
    (notice,) = tags.having("data-ended-notice")
    assert ("hidden" in notice) == (not ended)
    (archive,) = tags.having("data-archive-link")
    (recording,) = tags.having("data-recording-link")
    assert archive["href"] == f"/seances/{session.pk}/"
    assert recording["href"] == f"/seances/{session.pk}/modifier/"
    (end,) = [attrs for attrs in tags.having("data-action") if attrs["data-action"] == "end"]
    assert ("hidden" in end) == ended


def test_what_the_ended_console_hides_is_what_the_services_refuse(cotonou):
    # given an ended session with an agenda item, a draft poll and an approved question
    session, item, draft, question = console_with_everything(cotonou, SessionStatus.ENDED)
    api = APIClient()
    api.force_authenticate(staff_of(cotonou))
    base = f"/api/v1/sessions/{session.pk}/"
    # when the staff try what the console hides, then the API refuses it (409)
    refused = [
        api.post(f"{base}agenda/current/", {"item": item.pk}, format="json"),
        api.post(f"{base}agenda/current/", {"item": None}, format="json"),
        api.post(f"{base}agenda/", {"title": "Divers"}, format="json"),
        api.post(f"{base}polls/", {"question": "Q ?", "options": ["Oui", "Non"]}, format="json"),
        api.post(f"{base}polls/{draft.pk}/open/"),
        api.patch(base, {"stream_url": "", "slow_mode_seconds": 0}, format="json"),
    ]
    assert [response.status_code for response in refused] == [409] * len(refused)
    # and what it keeps is taken: answering, a commitment, the recording link
    answered = api.post(f"{base}questions/{question.pk}/answer/", {"status": "answered"}, format="json")
    committed = api.post(f"{base}commitments/", {"text": "Paver la rue"}, format="json")
    recorded = api.patch(base, {"recording_url": "https://www.youtube.com/watch?v=x"}, format="json")
    assert (answered.status_code, committed.status_code, recorded.status_code) == (200, 201, 200)


# --- The consoles on a desk ----------------------------------------------------------------------


def test_the_console_offers_set_as_current_on_every_item_but_the_current_one(cotonou):
    # given a live session with two agenda items, the second one current
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    first = AgendaItemFactory(session=session, position=1, title="Budget")
    current = AgendaItemFactory(session=session, position=2, title="Eau")
    LiveSession.objects.filter(pk=session.pk).update(current_item=current)
    # when the mayor opens its console
    tags = Tags(page(client_for(staff_of(cotonou)).get(f"/seances/{session.pk}/console/")))
    # then the current item's button is not offered (hidden), the other item's is
    items = {attrs["data-item-id"]: attrs for attrs in tags.having("data-item-id")}
    assert "aria-current" in items[str(current.pk)] and "aria-current" not in items[str(first.pk)]
    buttons = tags.having("data-set-current")
    assert len(buttons) == 2
    assert ["hidden" in attrs for attrs in buttons] == [False, True]
    # and "No current item" is offered, since one is current
    (clear,) = tags.having("data-clear-current")
    assert "hidden" not in clear


def test_the_console_offers_no_current_item_button_when_none_is_current(cotonou):
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    AgendaItemFactory(session=session, position=1, title="Budget")
    tags = Tags(page(client_for(staff_of(cotonou)).get(f"/seances/{session.pk}/console/")))
    (clear,) = tags.having("data-clear-current")
    assert "hidden" in clear
    assert ["hidden" in attrs for attrs in tags.having("data-set-current")] == [False]


def test_the_poll_form_takes_as_many_answers_as_the_service_and_the_api_refuses_one_more(cotonou):
    from sessions_live.services.polls import MAX_OPTIONS

    # given a live session and its mayor
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    mayor = staff_of(cotonou)
    # when the mayor opens the console, then the answers' rows go from 2 to the service's maximum
    (box,) = Tags(page(client_for(mayor).get(f"/seances/{session.pk}/console/"))).having("data-poll-options")
    assert (box["data-min"], box["data-max"]) == ("2", str(MAX_OPTIONS))
    # and through the API, one answer more than that is refused and nothing is written
    api = APIClient()
    api.force_authenticate(mayor)
    too_many = [f"Choix {n}" for n in range(MAX_OPTIONS + 1)]
    refused = api.post(
        f"/api/v1/sessions/{session.pk}/polls/", {"question": "Q ?", "options": too_many}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
    assert not session.polls.exists()
    # while the maximum itself is taken
    taken = api.post(
        f"/api/v1/sessions/{session.pk}/polls/", {"question": "Q ?", "options": too_many[:-1]}, format="json"
    )
    assert taken.status_code == 201


def test_the_staff_console_shows_the_chat_read_only(cotonou):
    # given a live session with a citizen's message
    from tests.factories_sessions import ChatMessageFactory

    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    ChatMessageFactory(session=session, text="Bonjour à tous")
    # when the mayor opens the console
    html = page(client_for(staff_of(cotonou)).get(f"/seances/{session.pk}/console/"))
    tags = Tags(html)
    # then the message is in the console's chat, with no action on it
    assert "Bonjour à tous" in html
    assert len(tags.having("data-message-id")) == 1
    assert (
        not tags.having("data-chat-delete") and not tags.having("data-mute") and not tags.having("data-ban")
    )
    assert tags.having("data-chat-new")


def moderation_page(commune, session):
    return page(client_for(staff_of(commune, Role.MODERATOR)).get(f"/seances/{session.pk}/moderation/"))


def test_the_moderation_console_offers_no_sanction_on_the_communes_staff(cotonou):
    from tests.factories_sessions import ChatMessageFactory

    # given a live session where a citizen, the mayor, a communication officer and an administrator
    # of the platform have written
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    citizen = ChatMessageFactory(session=session, author=UserFactory())
    staff = [
        ChatMessageFactory(session=session, author=staff_of(cotonou, Role.MAYOR)),
        ChatMessageFactory(session=session, author=staff_of(cotonou, Role.COMMUNICATION_OFFICER)),
        ChatMessageFactory(session=session, author=UserFactory(is_superuser=True)),
    ]
    # and a mayor of another commune (a citizen here)
    elsewhere = ChatMessageFactory(session=session, author=staff_of(CommuneFactory(), Role.MAYOR))
    # when a moderator opens the moderation console
    html = moderation_page(cotonou, session)
    tags = Tags(html)

    def buttons_of(message):
        start = html.index(f'data-message-id="{message.pk}"')
        end = html.index("</li>", start)
        return {name for name in ("data-chat-delete", "data-mute", "data-ban") if name in html[start:end]}

    # then the citizens' messages have Delete, Mute and Ban; the staff's only Delete
    assert buttons_of(citizen) == buttons_of(elsewhere) == {"data-chat-delete", "data-mute", "data-ban"}
    for message in staff:
        assert buttons_of(message) == {"data-chat-delete"}
    # and the script gets the staff's ids for the messages that arrive live
    (desk,) = tags.having("data-staff-ids")
    ids = set(desk["data-staff-ids"].split())
    assert {str(m.author_id) for m in staff} <= ids
    assert str(citizen.author_id) not in ids and str(elsewhere.author_id) not in ids


def test_the_services_refuse_to_sanction_a_moderator(cotonou):
    # given a live session and two moderators of the commune
    session = LiveSessionFactory(commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now())
    moderator, other = staff_of(cotonou, Role.MODERATOR), staff_of(cotonou, Role.MODERATOR)
    api = APIClient()
    api.force_authenticate(moderator)
    # when one tries to mute the other, then it is refused
    response = api.post(
        f"/api/v1/sessions/{session.pk}/moderation/sanctions/",
        {"user": other.pk, "kind": "mute"},
        format="json",
    )
    assert response.status_code in (400, 403, 409)


def test_pending_questions_loaded_with_the_page_read_as_those_that_arrive_live(cotonou):
    # given a pending question
    session = LiveSessionFactory(
        commune=cotonou, status=SessionStatus.LIVE, started_at=timezone.now(), questions_premoderated=True
    )
    question = QuestionFactory(session=session, status="pending", anonymous=True)
    # when a moderator opens the moderation console
    html = moderation_page(cotonou, session)
    # then its status is named with the label the script uses for a live one, and its author shown
    label = re.search(r'data-q-pending="([^"]*)"', html).group(1)
    start = html.index(f'data-question-id="{question.pk}"')
    item = html[start : html.index("</li>", start)]
    assert re.search(r'data-part="status">([^<]*)<', item).group(1) == label
    assert escape(question.author.display_name) in item
    # and the live template is the same partial (its status and author parts, its moderation buttons)
    template = html[html.index('<template id="tpl-question">') :]
    template = template[: template.index("</template>")]
    for marker in (
        'data-part="status"',
        'data-part="author"',
        'data-moderate="approve"',
        'data-moderate="reject"',
    ):
        assert marker in item and marker in template


def test_an_anonymous_question_stays_anonymous_on_the_staff_console():
    # given a live session with an anonymous question, approved, from a named citizen
    session = LiveSessionFactory(status="live")
    asker = UserFactory(display_name="Afiavi Secrète")
    QuestionFactory(session=session, author=asker, anonymous=True, text="Où va l'argent du marché ?")
    # when the mayor opens the console (what they may read aloud or project)
    html = page(client_for(staff_of(session.commune, Role.MAYOR)).get(f"/seances/{session.pk}/console/"))
    # then the question is there, without its author's name
    assert "Où va l&#x27;argent du marché ?" in html or "Où va l'argent du marché ?" in html
    assert "Afiavi Secrète" not in html
