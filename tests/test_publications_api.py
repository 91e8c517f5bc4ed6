"""The publications API: documents, files, contracts, agenda, register; the permission matrix, every bad
input over HTTP, downloads' headers, exports, the iCalendar feed and pinned query counts."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from hub.models import OutboxEvent, Role
from publications.models import Document, PublicationState
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_publications import (
    EXE_BYTES,
    AgendaEventFactory,
    ContractFactory,
    DocumentFactory,
    DocumentFileFactory,
    PublishedAgendaEventFactory,
    PublishedContractFactory,
    PublishedDocumentFactory,
    pdf_bytes,
    png_bytes,
    png_header_only,
    publisher,
)

pytestmark = pytest.mark.django_db

PUBLISHER_ROLES = {Role.MAYOR, Role.SECRETARY_GENERAL, Role.FOCAL_POINT, Role.COMMUNICATION_OFFICER}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def abomey():
    return CommuneFactory(slug="abomey-calavi", name="Abomey-Calavi")


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def upload(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def create_document(client, slug="cotonou", **extra):
    data = {
        "type": "budget_primitive",
        "fiscal_year": 2025,
        "title": "Budget primitif 2025",
        "summary": "Le budget voté le 12 décembre.",
        "files": [upload(pdf_bytes("Budget primitif"), "budget.pdf")],
    }
    data.update(extra)
    return client.post(f"/api/v1/communes/{slug}/documents/", data, format="multipart")


# --- The happy path ---------------------------------------------------------------------------------


def test_a_publisher_creates_publishes_and_the_public_downloads(cotonou):
    # given
    officer = client_for(publisher(cotonou))
    # when
    created = create_document(officer)
    assert created.status_code == 201, created.content
    document_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    published = officer.post(f"/api/v1/documents/{document_id}/publish/")
    # then
    assert published.status_code == 200
    body = published.json()
    assert body["state"] == "published" and body["path"] == f"/communes/cotonou/documents/{document_id}/"
    [file] = body["files"]
    assert (file["kind"], file["version"], file["original_name"]) == ("pdf", 1, "budget.pdf")
    download = APIClient().get(file["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="budget-primitif-2025.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    listed = APIClient().get("/api/v1/documents/", {"commune": "cotonou"}).json()
    assert [d["id"] for d in listed["results"]] == [document_id]


def test_document_types_are_listed_with_their_labels():
    body = APIClient().get("/api/v1/document-types/").json()
    assert {"value": "municipal_order", "label": body[7]["label"]} in body
    assert len(body) == 11


def test_a_json_draft_then_files_added_and_replaced(cotonou):
    officer = client_for(publisher(cotonou))
    created = officer.post(
        "/api/v1/communes/cotonou/documents/",
        {"type": "municipal_order", "fiscal_year": 2025, "title": "Arrêté n° 12"},
        format="json",
    )
    assert created.status_code == 201, created.content
    document_id = created.json()["id"]
    added = officer.post(
        f"/api/v1/documents/{document_id}/files/",
        {"file": upload(png_bytes(), "scan.png"), "label": "Arrêté signé"},
        format="multipart",
    )
    assert added.status_code == 201, added.content
    assert (added.json()["kind"], added.json()["width"]) == ("png", 4)
    replaced = officer.post(
        f"/api/v1/documents/{document_id}/files/{added.json()['id']}/replace/",
        {"file": upload(pdf_bytes("Arrêté"), "arrete.pdf")},
        format="multipart",
    )
    assert replaced.status_code == 201
    detail = officer.get(f"/api/v1/documents/{document_id}/").json()
    assert [(f["version"], f["kind"], f["is_current"]) for f in detail["history"]] == [
        (2, "pdf", True),
        (1, "png", False),
    ]
    assert [f["label"] for f in detail["files"]] == ["Arrêté signé"]


def test_patch_and_delete_a_draft(cotonou):
    officer = client_for(publisher(cotonou))
    document_id = create_document(officer).json()["id"]
    patched = officer.patch(f"/api/v1/documents/{document_id}/", {"title": "Budget 2025 (v2)"}, format="json")
    assert patched.json()["title"] == "Budget 2025 (v2)"
    assert officer.delete(f"/api/v1/documents/{document_id}/").status_code == 204
    assert not Document.objects.exists()


# --- Bad input, each sent over HTTP ----------------------------------------------------------------------


def test_publishing_to_another_commune_is_403(cotonou, abomey):
    response = create_document(client_for(publisher(cotonou, Role.MAYOR)), slug="abomey-calavi")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Document.objects.exists()


def test_an_executable_renamed_pdf_is_400(cotonou):
    response = create_document(client_for(publisher(cotonou)), files=[upload(EXE_BYTES, "budget.pdf")])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_file_type"
    assert "file" in response.json()["error"]["fields"]
    assert not Document.objects.exists()


def test_an_oversized_upload_is_413_before_the_body_is_parsed(cotonou, settings, monkeypatch):
    # given a small limit, and a parser that must never run
    settings.UPLOAD_MAX_BYTES = 1000
    from django.http import multipartparser

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", never)
    big = pdf_bytes("x" * 400_000)
    # when
    response = create_document(client_for(publisher(cotonou)), files=[upload(big, "gros.pdf")])
    # then
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_an_upload_past_the_limit_but_under_the_declared_margin_is_still_413(cotonou, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = create_document(client_for(publisher(cotonou)), files=[upload(pdf_bytes("x" * 3000), "a.pdf")])
    assert response.status_code == 413
    assert not Document.objects.exists()


def test_oversized_upload_from_a_browser_session_is_413_before_the_csrf_check(cotonou, settings):
    # given a signed-in browser (session + CSRF enforced: the CSRF check reads the body)
    settings.UPLOAD_MAX_BYTES = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher(cotonou))
    # when
    response = client.post(
        "/api/v1/communes/cotonou/documents/",
        {
            "type": "budget_primitive",
            "fiscal_year": 2025,
            "title": "x",
            "files": [upload(b"%PDF-" + b"0" * 400_000, "a.pdf")],
        },
    )
    # then
    assert response.status_code == 413


def test_an_image_of_fifty_thousand_pixels_square_is_400(cotonou):
    bomb = png_header_only(50_000, 50_000)
    assert len(bomb) < 100
    response = create_document(client_for(publisher(cotonou)), files=[upload(bomb, "photo.png")])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_too_large"


def test_an_image_over_the_pixel_setting_is_400(cotonou, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    response = create_document(
        client_for(publisher(cotonou)), files=[upload(png_header_only(2000, 1000), "photo.png")]
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_too_large"


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "horoscope"), ("fiscal_year", timezone.localdate().year + 2), ("fiscal_year", "MMXXV")],
)
def test_unknown_type_or_a_fiscal_year_beyond_next_year_is_400(cotonou, field, value):
    response = create_document(client_for(publisher(cotonou)), **{field: value})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Document.objects.exists()


def test_a_draft_fetched_by_a_citizen_is_404_and_so_is_its_file(cotonou):
    document = DocumentFactory(commune=cotonou)
    row = DocumentFileFactory(document=document)
    for client in (APIClient(), client_for(UserFactory())):
        assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
        assert client.get(f"/api/v1/documents/{document.pk}/files/{row.pk}/download/").status_code == 404
    assert client.get("/api/v1/documents/", {"commune": "cotonou"}).json()["count"] == 0
    assert client.get("/api/v1/documents/", {"commune": "cotonou", "state": "draft"}).status_code == 403


def test_the_files_of_a_withdrawn_document_are_404_but_its_notice_is_public(cotonou):
    document = PublishedDocumentFactory(
        commune=cotonou, state=PublicationState.WITHDRAWN, withdrawal_reason="Chiffres erronés"
    )
    row = DocumentFileFactory(document=document)
    notice = APIClient().get(f"/api/v1/documents/{document.pk}/")
    assert notice.status_code == 200 and notice.json()["withdrawal_reason"] == "Chiffres erronés"
    assert APIClient().get(f"/api/v1/documents/{document.pk}/files/{row.pk}/download/").status_code == 404
    staff = client_for(publisher(cotonou))
    assert staff.get(f"/api/v1/documents/{document.pk}/files/{row.pk}/download/").status_code == 200
    withdrawn = APIClient().get("/api/v1/documents/", {"state": "withdrawn"}).json()
    assert [d["id"] for d in withdrawn["results"]] == [document.pk]


def test_a_file_of_another_document_is_404(cotonou):
    document = PublishedDocumentFactory(commune=cotonou)
    other_file = DocumentFileFactory(document=PublishedDocumentFactory(commune=cotonou))
    response = APIClient().get(f"/api/v1/documents/{document.pk}/files/{other_file.pk}/download/")
    assert response.status_code == 404


# --- Withdrawn means gone: no cached copy served without asking, no file listed ------------------------


def published_with_a_replaced_file(officer):
    """A published document whose file was replaced once (a current version and a history)."""
    document_id = create_document(officer, publish=True).json()["id"]
    [first] = officer.get(f"/api/v1/documents/{document_id}/").json()["files"]
    replaced = officer.post(
        f"/api/v1/documents/{document_id}/files/{first['id']}/replace/",
        {"file": upload(pdf_bytes("Budget primitif, version corrigée"), "budget-v2.pdf")},
        format="multipart",
    )
    assert replaced.status_code == 201, replaced.content
    return document_id, replaced.json()


def test_a_published_file_is_revalidated_by_caches_and_a_withdrawal_ends_it_at_the_next_request(cotonou):
    # given a published file downloaded once, as a shared cache would store it
    officer = client_for(publisher(cotonou))
    document_id, current = published_with_a_replaced_file(officer)
    first = APIClient().get(current["download_url"])
    etag = first["ETag"]
    # then it may be stored, but not used without asking again, and the validator is strong
    assert first["Cache-Control"] == "public, no-cache"
    assert etag.startswith('"') and not etag.startswith("W/")
    # when the cache asks again with its copy's validator, the unchanged file is not sent again
    again = APIClient().get(current["download_url"], HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert (again["ETag"], again["Cache-Control"]) == (etag, "public, no-cache")
    assert APIClient().get(current["download_url"], HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # when the document is withdrawn, the very next revalidation is refused: the copy is dead
    withdrawn = officer.post(
        f"/api/v1/documents/{document_id}/withdraw/", {"reason": "Erreur"}, format="json"
    )
    assert withdrawn.status_code == 200
    gone = APIClient().get(current["download_url"], HTTP_IF_NONE_MATCH=etag)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "publication_not_found"
    # and its publishers still get it, never stored by any cache
    private = officer.get(current["download_url"])
    assert private.status_code == 200
    assert private["Cache-Control"] == "private, no-store" and not private.has_header("ETag")
    assert officer.get(current["download_url"], HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_renamed_file_gets_a_new_validator():
    """A cache revalidating after a new label must not keep the old ``Content-Disposition``."""
    from publications.downloads import file_etag

    row = DocumentFileFactory(document=PublishedDocumentFactory(), label="Budget")
    before = file_etag(row)
    row.label = "Budget voté"
    assert file_etag(row) != before


def test_a_withdrawn_documents_public_detail_lists_and_exports_name_no_file(cotonou):
    # given a published document with a current file and an earlier version, then withdrawn
    officer = client_for(publisher(cotonou))
    document_id, current = published_with_a_replaced_file(officer)
    withdrawn = officer.post(
        f"/api/v1/documents/{document_id}/withdraw/", {"reason": "Erreur"}, format="json"
    )
    assert withdrawn.status_code == 200
    for reader in (APIClient(), client_for(UserFactory()), client_for(publisher(CommuneFactory()))):
        # when the public reads its notice, the lists and the exports
        detail = reader.get(f"/api/v1/documents/{document_id}/")
        lists = [
            reader.get("/api/v1/documents/", {"state": state}).json()["results"]
            for state in ("withdrawn", "public")
        ]
        exported = reader.get("/api/v1/documents/export.json", {"state": "withdrawn"}).json()
        csv_export = reader.get("/api/v1/documents/export.csv", {"state": "withdrawn"})
        csv_text = b"".join(csv_export.streaming_content).decode()
        # then the notice is there, and nothing of its files: no name, no size, no link
        assert detail.status_code == 200 and detail.json()["state"] == "withdrawn"
        assert (detail.json()["files"], detail.json()["history"]) == ([], [])
        assert [d["files"] for d in lists[0] + lists[1] + exported] == [[]] * 3
        everything = detail.content.decode() + json.dumps([*lists, exported]) + csv_text
        assert csv_text.splitlines()[1].split(";")[-2:] == ["0", ""]  # file_count, file_urls
        for trace in ("download_url", "/download/", "budget-v2.pdf", "budget.pdf", '"size"'):
            assert trace not in everything
    # and the commune's publishers still see the files they withdrew
    own = officer.get(f"/api/v1/documents/{document_id}/").json()
    assert [f["id"] for f in own["files"]] == [current["id"]] and len(own["history"]) == 2


def test_double_submission_of_publish_is_one_publication_and_one_outbox_event(cotonou):
    officer = client_for(publisher(cotonou))
    document_id = create_document(officer).json()["id"]
    first = officer.post(f"/api/v1/documents/{document_id}/publish/")
    second = officer.post(f"/api/v1/documents/{document_id}/publish/")
    assert (first.status_code, second.status_code) == (200, 200)
    assert OutboxEvent.objects.filter(kind="document.published").count() == 1
    assert Document.objects.get().publication_count == 1


def test_withdraw_needs_a_reason(cotonou):
    officer = client_for(publisher(cotonou))
    document_id = create_document(officer, publish=True).json()["id"]
    assert officer.post(f"/api/v1/documents/{document_id}/withdraw/", {}, format="json").status_code == 400
    response = officer.post(f"/api/v1/documents/{document_id}/withdraw/", {"reason": "Erreur"}, format="json")
    assert response.json()["state"] == "withdrawn"


def test_malformed_filters_are_400():
    assert APIClient().get("/api/v1/documents/", {"fiscal_year": "demain"}).status_code == 400
    assert APIClient().get("/api/v1/documents/", {"type": "horoscope"}).status_code == 400
    assert APIClient().get("/api/v1/contracts/", {"min_amount": "-1"}).status_code == 400


# --- The permission matrix: role × own/other commune × draft/published -----------------------------


WHO = [
    *[(role, "own") for role in Role],
    *[(role, "other") for role in Role],
    ("citizen", None),
    ("anonymous", None),
    ("admin", None),
]


def actor_for(who, where, own, other):
    if who == "citizen":
        return UserFactory()
    if who == "anonymous":
        return None
    if who == "admin":
        return AdminFactory()
    return MembershipFactory(commune=own if where == "own" else other, role=who).user


@pytest.mark.parametrize(("who", "where"), WHO, ids=lambda value: str(value))
@pytest.mark.parametrize("state", ["draft", "published"])
def test_matrix_view_publish_withdraw(cotonou, abomey, who, where, state):
    # given a document of Cotonou
    factory = PublishedDocumentFactory if state == "published" else DocumentFactory
    document = factory(commune=cotonou)
    DocumentFileFactory(document=document)
    client = client_for(actor_for(who, where, cotonou, abomey))
    manages = who == "admin" or (who in PUBLISHER_ROLES and where == "own")
    # when / then: seeing it
    seen = client.get(f"/api/v1/documents/{document.pk}/").status_code
    assert seen == (200 if state == "published" or manages else 404)
    # publishing (a draft) or withdrawing (a published one)
    if state == "draft":
        response = client.post(f"/api/v1/documents/{document.pk}/publish/")
    else:
        response = client.post(
            f"/api/v1/documents/{document.pk}/withdraw/", {"reason": "Test"}, format="json"
        )
    if manages:
        assert response.status_code == 200
    elif who == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == (403 if state == "published" else 404)
    assert OutboxEvent.objects.count() == (1 if manages and state == "draft" else 0)


@pytest.mark.parametrize(("who", "where"), WHO, ids=lambda value: str(value))
def test_matrix_create(cotonou, abomey, who, where):
    client = client_for(actor_for(who, where, cotonou, abomey))
    response = create_document(client)
    allowed = who == "admin" or (who in PUBLISHER_ROLES and where == "own")
    if allowed:
        assert response.status_code == 201
    elif who == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 403


# --- Lists and their query counts ------------------------------------------------------------------------


def test_document_list_query_count_is_constant(cotonou, django_assert_num_queries):
    # given several published documents with files, and drafts that must not show
    for year in (2023, 2024, 2025):
        document = PublishedDocumentFactory(commune=cotonou, fiscal_year=year)
        DocumentFileFactory(document=document)
        DocumentFileFactory(document=document)
    DocumentFactory(commune=cotonou)
    # then: count, page, files
    with django_assert_num_queries(3):
        body = APIClient().get("/api/v1/documents/", {"commune": "cotonou"}).json()
    assert [d["fiscal_year"] for d in body["results"]] == [2025, 2024, 2023]
    assert all(len(d["files"]) == 2 for d in body["results"])


def test_document_list_filters(cotonou, abomey):
    PublishedDocumentFactory(commune=cotonou, fiscal_year=2024, type="administrative_account")
    PublishedDocumentFactory(commune=cotonou, fiscal_year=2025)
    PublishedDocumentFactory(commune=abomey, fiscal_year=2025)
    api = APIClient()
    assert api.get("/api/v1/documents/").json()["count"] == 3
    assert api.get("/api/v1/documents/", {"commune": "cotonou", "fiscal_year": 2025}).json()["count"] == 1
    assert api.get("/api/v1/documents/", {"type": "administrative_account"}).json()["count"] == 1


def test_contract_list_query_count_is_constant(cotonou, django_assert_num_queries):
    for _index in range(4):
        PublishedContractFactory(commune=cotonou)
    ContractFactory(commune=cotonou)
    with django_assert_num_queries(2):
        body = APIClient().get("/api/v1/contracts/", {"commune": "cotonou"}).json()
    assert body["count"] == 4


def test_contract_filters(cotonou, abomey):
    PublishedContractFactory(commune=cotonou, amount_xof=5_000_000, procedure="request_for_quotations")
    PublishedContractFactory(commune=cotonou, amount_xof=90_000_000, awardee="Groupement Houénou")
    PublishedContractFactory(commune=abomey, fiscal_year=2024, award_date=datetime.date(2024, 6, 1))
    api = APIClient()
    assert (
        api.get("/api/v1/contracts/", {"min_amount": 10_000_000, "commune": "cotonou"}).json()["count"] == 1
    )
    assert api.get("/api/v1/contracts/", {"procedure": "request_for_quotations"}).json()["count"] == 1
    assert api.get("/api/v1/contracts/", {"q": "houénou"}).json()["count"] in (
        0,
        1,
    )  # SQLite: ASCII case only
    assert api.get("/api/v1/contracts/", {"q": "Houénou"}).json()["count"] == 1
    assert api.get("/api/v1/contracts/", {"fiscal_year": 2024}).json()["count"] == 1


def test_contract_create_and_publish_over_the_api(cotonou, abomey):
    officer = client_for(publisher(cotonou, Role.FOCAL_POINT))
    data = {
        "reference": "DC/2025/07",
        "title": "Fourniture de tables-bancs",
        "awardee": "Menuiserie Dossou",
        "amount_xof": 7_500_000,
        "procedure": "request_for_quotations",
        "award_date": "2025-05-20",
        "publish": True,
    }
    created = officer.post("/api/v1/communes/cotonou/contracts/", data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "published" and created.json()["fiscal_year"] == 2025
    assert OutboxEvent.objects.get().kind == "contract.published"
    assert officer.post("/api/v1/communes/cotonou/contracts/", data, format="json").status_code == 409
    assert officer.post("/api/v1/communes/abomey-calavi/contracts/", data, format="json").status_code == 403


# --- Exports ------------------------------------------------------------------------------------------------


def test_contract_csv_export_neutralises_formulas(cotonou):
    # given a contract whose object starts like a spreadsheet formula
    PublishedContractFactory(
        commune=cotonou, title='=HYPERLINK("http://evil.example","clic")', awardee="+33 Sarl"
    )
    # when
    response = APIClient().get("/api/v1/contracts/export.csv", {"commune": "cotonou"}, HTTP_ACCEPT="text/csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("id;commune;commune_name;reference;title")
    assert ';"\'=HYPERLINK(""http://evil.example"",""clic"")";' in row
    assert ";'+33 Sarl;" in row
    assert ";45000000;" in row


def test_contract_json_export_is_not_paginated(cotonou):
    for _index in range(3):
        PublishedContractFactory(commune=cotonou)
    body = APIClient().get("/api/v1/contracts/export.json").json()
    assert len(body) == 3 and body[0]["url"].startswith("http://testserver/communes/cotonou/marches/")


def test_document_index_exports(cotonou):
    document = PublishedDocumentFactory(commune=cotonou, title="-2 % de dépenses")
    DocumentFileFactory(document=document)
    text = b"".join(APIClient().get("/api/v1/documents/export.csv").streaming_content).decode("utf-8-sig")
    assert ";'-2 % de dépenses;" in text
    body = APIClient().get("/api/v1/documents/export.json").json()
    assert body[0]["file_count"] == 1 and body[0]["file_urls"].startswith(
        "http://testserver/api/v1/documents/"
    )


# --- Agenda -------------------------------------------------------------------------------------------------


def test_agenda_lists_upcoming_public_events_with_cancellations(cotonou):
    PublishedAgendaEventFactory(commune=cotonou, title="Audience")
    PublishedAgendaEventFactory(commune=cotonou, title="Annulée", state=PublicationState.WITHDRAWN)
    AgendaEventFactory(commune=cotonou, title="Brouillon")
    PublishedAgendaEventFactory(
        commune=cotonou,
        title="Passée",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=timezone.now() - datetime.timedelta(days=10),
    )
    body = APIClient().get("/api/v1/agenda/", {"commune": "cotonou"}).json()
    assert sorted((e["title"], e["is_cancelled"]) for e in body["results"]) == [
        ("Annulée", True),
        ("Audience", False),
    ]


def test_agenda_ics_feed(cotonou):
    event = PublishedAgendaEventFactory(
        commune=cotonou, title="Conseil communal; session ordinaire", description="Ordre du jour :\n1. Budget"
    )
    PublishedAgendaEventFactory(commune=cotonou, state=PublicationState.WITHDRAWN)
    AgendaEventFactory(commune=cotonou, title="Brouillon")
    response = APIClient().get("/api/v1/communes/cotonou/agenda.ics", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:agenda-{event.pk}@127.0.0.1" in text
    assert "SUMMARY:Conseil communal\\; session ordinaire" in text
    assert "DESCRIPTION:Ordre du jour :\\n1. Budget" in text
    assert text.count("BEGIN:VEVENT") == 2 and "STATUS:CANCELLED" in text
    assert "Brouillon" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_agenda_event_create_over_the_api(cotonou):
    mayor = client_for(publisher(cotonou, Role.MAYOR))
    response = mayor.post(
        "/api/v1/communes/cotonou/agenda/",
        {
            "title": "Reddition de comptes",
            "starts_at": "2026-12-12T09:00:00+01:00",
            "place": "Place de l'Étoile rouge",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "draft"
    event_id = response.json()["id"]
    assert APIClient().get(f"/api/v1/agenda/{event_id}/").status_code == 404
    assert mayor.post(f"/api/v1/agenda/{event_id}/publish/").json()["state"] == "published"
    assert APIClient().get(f"/api/v1/agenda/{event_id}/").status_code == 200


# --- Schema -------------------------------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_publications_api():
    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/json").content)
    paths = set(schema["paths"])
    assert {
        "/api/v1/documents/",
        "/api/v1/communes/{slug}/documents/",
        "/api/v1/documents/{document_id}/files/{file_id}/download/",
        "/api/v1/contracts/export.csv",
        "/api/v1/communes/{slug}/agenda.ics",
        "/api/v1/communes/{slug}/register/",
        "/api/v1/register/",
    } <= paths
    create = schema["paths"]["/api/v1/communes/{slug}/documents/"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
