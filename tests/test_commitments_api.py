"""The commitments REST API: public reads (filters, keyset pages, query counts), staff writes (role ×
action, nothing written when refused), bad input on every endpoint, the session's paths kept from
the sessions app, the exports (CSV injection neutralised), the scorecard and the photos."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import services
from commitments.models import Commitment, CommitmentUpdate, OriginKind
from hub.models import AuditLogEntry, OutboxEvent, Role
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_commitments import (
    CommitmentFactory,
    CommitmentUpdateFactory,
    accepted_proposal,
    answered_question,
)
from tests.factories_publications import EXE_BYTES, DocumentFactory, PublishedDocumentFactory, png_bytes
from tests.factories_sessions import LiveSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user=None) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def staff(commune, role=Role.MAYOR):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def png(name: str = "chantier.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(40, 30), content_type="image/png")


# --- Reading ---------------------------------------------------------------------------------------


def test_the_list_filters_by_commune_status_overdue_session_and_origin():
    # given commitments of two communes, one overdue, one done, one of a session, one from a proposal
    cotonou = CommuneFactory(slug="cotonou")
    session = LiveSessionFactory(commune=cotonou)
    late = CommitmentFactory(commune=cotonou, due_on=timezone.localdate() - datetime.timedelta(days=3))
    done = CommitmentFactory(commune=cotonou, status="done")
    of_session = CommitmentFactory(session=session)
    proposal = CommitmentFactory(commune=cotonou, origin_kind=OriginKind.PROPOSAL)
    CommitmentFactory()  # elsewhere

    def ids(**query):  # type: ignore[no-untyped-def]
        response = client_for().get("/api/v1/commitments/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then
    assert ids(commune="cotonou") == [proposal.pk, of_session.pk, done.pk, late.pk]
    assert ids(commune="cotonou", status="done") == [done.pk]
    assert ids(commune="cotonou", overdue="true") == [late.pk]
    assert (
        late.pk not in ids(commune="cotonou", overdue="false")
        and len(ids(commune="cotonou", overdue="false")) == 3
    )
    assert ids(session=session.pk) == [of_session.pk]
    assert ids(commune="cotonou", origin="proposal") == [proposal.pk]
    assert len(ids()) == 5
    row = client_for().get("/api/v1/commitments/", {"overdue": "true"}).json()["results"][0]
    assert (
        row["overdue"] is True
        and row["commune"]["slug"] == "cotonou"
        and row["path"] == f"/engagements/{late.pk}/"
    )
    assert row["status_label"] and set(row) >= {
        "session",
        "question",
        "text",
        "due_on",
        "status",
        "origin",
        "owner",
    }


def test_keyset_pages_follow_next_until_the_end():
    CommitmentFactory.create_batch(5)
    first = client_for().get("/api/v1/commitments/", {"page_size": 2}).json()
    second = client_for().get(first["next"]).json()
    third = client_for().get(second["next"]).json()
    seen = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert seen == sorted(Commitment.objects.values_list("id", flat=True), reverse=True)
    assert third["next"] is None


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "garbage"},
        {"cursor": "%%%"},
        {"cursor": "aTA"},  # "i0"
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "ten"},
        {"overdue": "maybe"},
        {"status": "forgotten"},
        {"origin": "rumour"},
        {"session": "-1"},
        {"session": "99999999999999999999"},
    ],
)
def test_bad_list_queries_are_400(query):
    CommitmentFactory()
    response = client_for().get("/api/v1/commitments/", query)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid", "invalid_cursor")


def test_the_list_and_the_detail_pin_their_query_counts(settings):
    settings.READ_CACHE = False  # the view's own queries (the read cache: test_read_cache.py)
    # given twenty commitments, one with a timeline of three entries
    CommitmentFactory.create_batch(20)
    commitment = CommitmentFactory()
    for _ in range(3):
        CommitmentUpdateFactory(commitment=commitment)
    client = client_for()
    # then a page is one query, and a commitment with its timeline three (updates, photos, itself)
    with CaptureQueriesContext(connection) as listed:
        assert client.get("/api/v1/commitments/").status_code == 200
    assert len(listed) == 1
    with CaptureQueriesContext(connection) as detailed:
        body = client.get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert len(body["timeline"]) == 3 and len(detailed) == 3


def test_the_detail_shows_the_origin_and_the_timeline():
    question = answered_question(upvoters=2)
    commune = question.session.commune
    commitment = services.commitment_create_from_question(
        actor=staff(commune),
        commune=commune,
        question_id=question.pk,
        text="Curer",
        due_on=timezone.localdate(),
    )
    services.commitment_post_update(actor=staff(commune), commitment=commitment, text="Commencé", progress=20)
    body = client_for().get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert body["origin"]["kind"] == "question" and body["origin"]["support_count"] == 2
    assert body["origin"]["author"] == question.author.display_name
    assert body["origin"]["session"]["id"] == question.session_id
    assert [(e["text"], e["progress"]) for e in body["timeline"]] == [("Commencé", 20)]
    assert client_for().get("/api/v1/commitments/999999/").status_code == 404


# --- Writing: who may -----------------------------------------------------------------------------

ROLES = {
    "mayor": Role.MAYOR,
    "secretary_general": Role.SECRETARY_GENERAL,
    "communication": Role.COMMUNICATION_OFFICER,
    "moderator": Role.MODERATOR,
    "councillor": Role.COUNCILLOR,
}
ALLOWED = {"mayor", "secretary_general", "communication"}


def user_for(who: str, commune):  # type: ignore[no-untyped-def]
    if who == "anonymous":
        return None
    if who == "citizen":
        return UserFactory()
    if who == "mayor_elsewhere":
        return staff(CommuneFactory())
    return staff(commune, ROLES[who])


ACTIONS = {
    "create": lambda c: (
        "post",
        "/api/v1/commitments/",
        {"commune": c.commune.slug, "text": "Nouvel engagement"},
    ),
    "edit": lambda c: ("patch", f"/api/v1/commitments/{c.pk}/", {"text": "Texte corrigé"}),
    "status": lambda c: ("patch", f"/api/v1/commitments/{c.pk}/", {"status": "in_progress"}),
    "update": lambda c: ("post", f"/api/v1/commitments/{c.pk}/updates/", {"text": "Avancement"}),
    "session": lambda c: ("post", f"/api/v1/sessions/{c.session_id}/commitments/", {"text": "En séance"}),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", [*ROLES, "citizen", "anonymous", "mayor_elsewhere"])
def test_writes_matrix(action, who):
    # given a commitment made in a session, and someone
    commitment = CommitmentFactory(session=LiveSessionFactory())
    user = user_for(who, commitment.commune)
    method, path, body = ACTIONS[action](commitment)
    # when they try
    response = getattr(client_for(user), method)(path, body, format="json")
    # then only the commune's publishing staff may; refusals write nothing
    if who in ALLOWED:
        assert response.status_code in (200, 201), response.content
        assert AuditLogEntry.objects.filter(actor=user, commune=commitment.commune).exists()
        return
    expected = 401 if who == "anonymous" else 403
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["error"]["code"] == "forbidden"
    assert Commitment.objects.count() == 1 and Commitment.objects.get().text == commitment.text
    assert Commitment.objects.get().status == "planned"
    assert not CommitmentUpdate.objects.exists() and not AuditLogEntry.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_unknown_commitments_communes_and_sessions_are_404():
    mayor = staff(CommuneFactory(slug="cotonou"))
    client = client_for(mayor)
    assert client.patch("/api/v1/commitments/999999/", {"text": "x"}, format="json").status_code == 404
    assert client.post("/api/v1/commitments/999999/updates/", {"text": "x"}, format="json").status_code == 404
    response = client.post("/api/v1/commitments/", {"commune": "atlantide", "text": "x"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "commune_not_found"
    assert (
        client.post("/api/v1/sessions/999999/commitments/", {"text": "x"}, format="json").status_code == 404
    )
    assert client_for().get("/api/v1/sessions/999999/commitments/").status_code == 404
    assert not Commitment.objects.exists()


# --- Writing: origins ------------------------------------------------------------------------------


def test_a_commitment_from_a_question_or_a_proposal_over_the_api():
    cotonou = CommuneFactory(slug="cotonou")
    mayor = staff(cotonou)
    question = answered_question(cotonou, upvoters=1)
    proposal = accepted_proposal(cotonou, supporters=1)
    client = client_for(mayor)
    made = client.post(
        "/api/v1/commitments/",
        {
            "commune": "cotonou",
            "origin": "question",
            "question": question.pk,
            "text": "Curer",
            "due_on": in_days(9),
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["origin"]["kind"] == "question" and made.json()["session"] == question.session_id
    made = client.post(
        "/api/v1/commitments/",
        {"commune": "cotonou", "origin": "proposal", "proposal": proposal.pk, "text": "Poubelles"},
        format="json",
    )
    assert (
        made.status_code == 201 and made.json()["proposal"] == proposal.pk and made.json()["timeline"] == []
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"origin": "question", "question": "foreign"}, 404, "not_found"),
        ({"origin": "question", "question": "unanswered"}, 409, "wrong_status"),
        ({"origin": "question"}, 400, "validation_error"),
        ({"origin": "proposal", "proposal": "foreign"}, 404, "not_found"),
        ({"origin": "proposal", "proposal": "under_study"}, 409, "wrong_status"),
        ({"origin": "rumour"}, 400, "invalid"),
        ({"text": ""}, 400, "invalid"),
        ({"text": "x" * 1001}, 400, "invalid"),
        ({"text": ["liste"]}, 400, "invalid"),
        ({"due_on": "2020-01-01"}, 400, "validation_error"),
        ({"due_on": "31/12/2027"}, 400, "invalid"),
        ({"due_on": "2027-02-30"}, 400, "invalid"),
        ({"progress": 101}, 400, "invalid"),
        ({"progress": -5}, 400, "invalid"),
        ({"progress": "beaucoup"}, 400, "invalid"),
        ({"status": "forgotten"}, 400, "invalid"),
        ({"owner_role": "king"}, 400, "invalid"),
        ({"owner_role": "mayor", "owner_office": "Services"}, 400, "validation_error"),
        ({"owner_office": "x" * 121}, 400, "invalid"),
        ({"question": 10**20, "origin": "question"}, 400, "invalid"),
    ],
)
def test_bad_commitments_are_refused_and_nothing_is_written(body, status, code):
    cotonou = CommuneFactory(slug="cotonou")
    origins = {
        "foreign": None,
        "unanswered": answered_question(cotonou, status="approved").pk,
        "under_study": accepted_proposal(cotonou, status="under_study").pk,
    }
    for key in ("question", "proposal"):
        if body.get(key) == "foreign":
            body[key] = (answered_question() if key == "question" else accepted_proposal()).pk
        elif isinstance(body.get(key), str):
            body[key] = origins[body[key]]
    response = client_for(staff(cotonou)).post(
        "/api/v1/commitments/", {"commune": "cotonou", "text": "Engagement", **body}, format="json"
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Commitment.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"progress": 150}, "invalid"),
        ({"status": "lost"}, "invalid"),
        ({"due_on": "2020-01-01"}, "validation_error"),
        ({"text": ""}, "invalid"),
        ({"owner_office": "Voirie", "owner_role": "mayor"}, "validation_error"),
        ({"due_on": 12}, "invalid"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(body, code):
    commitment = CommitmentFactory()
    response = client_for(staff(commitment.commune)).patch(
        f"/api/v1/commitments/{commitment.pk}/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    fresh = Commitment.objects.get()
    assert (fresh.text, fresh.status, fresh.due_on, fresh.progress) == (
        commitment.text,
        "planned",
        commitment.due_on,
        0,
    )


# --- The timeline over the API ---------------------------------------------------------------------


def test_an_update_with_photos_and_a_document_over_multipart():
    commitment = CommitmentFactory()
    document = PublishedDocumentFactory(commune=commitment.commune)
    response = client_for(staff(commitment.commune)).post(
        f"/api/v1/commitments/{commitment.pk}/updates/",
        {
            "text": "Chantier ouvert",
            "status": "in_progress",
            "progress": "25",
            "document": document.pk,
            "photos": [png("a.png"), png("b.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["status"] == "in_progress" and body["progress"] == 25 and body["document"]["id"] == document.pk
    )
    assert len(body["photos"]) == 2
    # the photos are served as images, never sniffed, sandboxed
    photo = client_for().get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert photo["X-Content-Type-Options"] == "nosniff" and "sandbox" in photo["Content-Security-Policy"]
    assert client_for().get("/api/v1/commitments/photos/999999/").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "validation_error"),
        ({"progress": "101"}, 400, "invalid"),
        ({"status": "lost"}, 400, "invalid"),
        ({"document": "draft"}, 400, "validation_error"),
        ({"document": "foreign"}, 400, "validation_error"),
        ({"document": "abc"}, 400, "invalid"),
        ({"photos": "five"}, 400, "validation_error"),
        ({"photos": "exe"}, 400, "unsupported_file_type"),
        ({"text": "x" * 4001}, 400, "invalid"),
    ],
)
def test_bad_updates_are_refused_and_nothing_is_written(body, status, code):
    commitment = CommitmentFactory()
    values = {
        "draft": DocumentFactory(commune=commitment.commune).pk,
        "foreign": PublishedDocumentFactory().pk,
        "five": [png(f"{i}.png") for i in range(5)],
        "exe": [SimpleUploadedFile("photo.png", EXE_BYTES, content_type="image/png")],
    }
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = client_for(staff(commitment.commune)).post(
        f"/api/v1/commitments/{commitment.pk}/updates/", body, format="multipart"
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not CommitmentUpdate.objects.exists() and not OutboxEvent.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    commitment = CommitmentFactory()
    response = client_for(staff(commitment.commune)).post(
        f"/api/v1/commitments/{commitment.pk}/updates/",
        {"text": "x", "photos": [SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 400_000)]},
        format="multipart",
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"
    assert not CommitmentUpdate.objects.exists()


# --- The session's paths, kept from the sessions app ------------------------------------------------


def test_the_session_paths_keep_their_fields_and_add_the_trackers():
    # given an answered question of a session
    question = answered_question(upvoters=1)
    session = question.session
    mayor = staff(session.commune)
    client = client_for(mayor)
    # when the console records a commitment from it, then another without a question
    made = client.post(
        f"/api/v1/sessions/{session.pk}/commitments/",
        {"text": "Forage", "due_on": in_days(30), "question": question.pk},
        format="json",
    )
    direct = client.post(f"/api/v1/sessions/{session.pk}/commitments/", {"text": "Budget"}, format="json")
    # then both are the session's, with the fields clients had and the tracker's
    assert made.status_code == 201 and direct.status_code == 201
    body = made.json()
    assert list(body)[:8] == [
        "id",
        "session",
        "question",
        "text",
        "due_on",
        "status",
        "created_at",
        "updated_at",
    ]
    assert (
        body["session"] == session.pk
        and body["question"] == question.pk
        and body["origin"]["kind"] == "question"
    )
    assert direct.json()["origin"]["kind"] == "direct" and direct.json()["question"] is None
    listed = client_for().get(f"/api/v1/sessions/{session.pk}/commitments/").json()
    assert [c["id"] for c in listed] == [body["id"], direct.json()["id"]]
    # and the console's PATCH of a status answers with the commitment
    patched = client.patch(f"/api/v1/commitments/{body['id']}/", {"status": "in_progress"}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "in_progress"
    assert patched.json()["timeline"][0]["status"] == "in_progress"


def test_a_question_of_another_session_is_404_on_the_sessions_path():
    question = answered_question()
    other = LiveSessionFactory(commune=question.session.commune)
    response = client_for(staff(other.commune)).post(
        f"/api/v1/sessions/{other.pk}/commitments/", {"text": "x", "question": question.pk}, format="json"
    )
    assert response.status_code == 404 and not Commitment.objects.exists()


# --- Open data -------------------------------------------------------------------------------------


def test_the_csv_export_neutralises_formulas_and_follows_the_filters():
    cotonou = CommuneFactory(slug="cotonou", name="Cotonou")
    CommitmentFactory(
        commune=cotonou, text='=HYPERLINK("http://evil.example","clic")', owner_office="@SUM(A1)"
    )
    CommitmentFactory(commune=cotonou, text="Éclairage; route des pêches", status="done")
    CommitmentFactory(text="Ailleurs")
    response = client_for().get(
        "/api/v1/commitments/export.csv", {"commune": "cotonou"}, HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="engagements.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffid;commune;text;status")
    lines = text.strip().split("\r\n")
    assert len(lines) == 3 and "Ailleurs" not in text
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert '"Éclairage; route des pêches"' in text
    done = client_for().get("/api/v1/commitments/export.csv", {"commune": "cotonou", "status": "done"})
    assert b"".join(done.streaming_content).decode().count("\r\n") == 2


def test_the_json_export_lists_every_match_with_its_url():
    CommitmentFactory.create_batch(30, commune=CommuneFactory(slug="cotonou"))
    response = client_for().get("/api/v1/commitments/export.json", {"commune": "cotonou"})
    rows = json.loads(response.content)
    assert response.status_code == 200 and len(rows) == 30
    assert rows[0]["url"] == f"http://testserver{rows[0]['path']}"
    assert client_for().get("/api/v1/commitments/export.json", {"overdue": "perhaps"}).status_code == 400


# --- The scorecard -----------------------------------------------------------------------------------


def test_the_scorecard_counts_commitments_kept_on_time_per_commune_and_year():
    # given Cotonou's commitments due last year: two kept on time, one late, one overdue, one dropped
    # (and one due this year, one not due yet)
    cotonou = CommuneFactory(slug="cotonou", name="Cotonou")
    CommuneFactory(slug="bohicon", name="Bohicon")
    year = timezone.localdate().year - 1
    due = datetime.date(year, 6, 30)
    on_time = datetime.datetime(year, 6, 30, 22, 30, tzinfo=datetime.UTC)  # 23:30 in Porto-Novo
    late = datetime.datetime(year, 6, 30, 23, 30, tzinfo=datetime.UTC)  # already 1 July there

    def make(**fields):  # type: ignore[no-untyped-def]
        return CommitmentFactory(commune=cotonou, **fields)

    make(status="done", due_on=due, done_at=on_time)
    make(status="done", due_on=due, done_at=on_time - datetime.timedelta(days=40))
    make(status="done", due_on=due, done_at=late)
    make(status="in_progress", due_on=due)
    make(status="dropped", due_on=due)
    make(status="planned", due_on=datetime.date(year + 1, 12, 31))
    # when the scorecard is asked for that year, and for this one
    last = {
        r["commune"]["slug"]: r
        for r in client_for().get(f"/api/v1/commitments/scorecard/?year={year}").json()
    }
    this = {r["commune"]["slug"]: r for r in client_for().get("/api/v1/commitments/scorecard/").json()}
    # then: on time is judged by the local date; the rate is over the outcomes known
    row = last["cotonou"]
    assert (row["due"], row["kept_on_time"], row["kept_late"], row["dropped"], row["overdue"]) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert row["not_due_yet"] == 0 and row["rate"] == 0.4 and row["year"] == year
    assert last["bohicon"]["due"] == 0 and last["bohicon"]["rate"] is None
    assert (
        this["cotonou"]["due"] == 1
        and this["cotonou"]["not_due_yet"] == 1
        and this["cotonou"]["rate"] is None
    )
    assert client_for().get("/api/v1/commitments/scorecard/?year=1800").status_code == 400
