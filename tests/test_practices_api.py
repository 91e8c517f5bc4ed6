"""The practices REST API: public reads (filters, pages, query counts pinned), themes and following
them, asking a question, the staff writes (role × commune: staff of another commune get 403 JSON),
and bad input on every endpoint answered 400 in the one error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from forums.models import Thread
from hub.models import AuditLogEntry, Role
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, ThemeFollow
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_practices import (
    PracticeSheetFactory,
    ThemeFactory,
    ThemeFollowFactory,
    publisher,
    sheet_data,
)
from tests.factories_publications import PublishedDocumentFactory

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


# --- Reading -------------------------------------------------------------------------------------


def test_the_list_filters_by_theme_commune_and_words_and_pages():
    cotonou, calavi = CommuneFactory(slug="cotonou"), CommuneFactory(slug="calavi")
    budget, market = ThemeFactory(slug="budget"), ThemeFactory(slug="marches")
    explained = PracticeSheetFactory(commune=cotonou, themes=[budget], title="Le budget expliqué")
    mobile = PracticeSheetFactory(commune=calavi, themes=[market, budget], title="Taxes par mobile money")
    PracticeSheetFactory(commune=cotonou, status=SheetStatus.DRAFT)

    def ids(**query: str) -> list[int]:
        response = client_for().get("/api/v1/practices/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [mobile.pk, explained.pk]
    assert ids(theme="marches") == [mobile.pk]
    assert ids(theme="budget") == [mobile.pk, explained.pk]
    assert ids(commune="cotonou") == [explained.pk]
    assert ids(q="EXPLIQUE") == [explained.pk]
    assert ids(theme="inconnu") == [] and ids(commune="atlantide") == []
    row = client_for().get("/api/v1/practices/", {"commune": "calavi"}).json()["results"][0]
    assert row["commune"] == {"id": calavi.pk, "slug": "calavi", "name": calavi.name}
    assert [t["slug"] for t in row["themes"]] == ["budget", "marches"]  # in the themes' order
    assert row["path"] == f"/bonnes-pratiques/{mobile.pk}/" and row["status"] == "published"


def test_the_list_pages_by_twenty_and_its_query_count_does_not_grow(django_assert_max_num_queries):
    theme = ThemeFactory()
    for _ in range(25):
        PracticeSheetFactory(themes=[theme, ThemeFactory()])
    first = client_for().get("/api/v1/practices/").json()
    assert first["count"] == 25 and len(first["results"]) == 20 and first["next"]
    second = client_for().get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    # count, page, themes (one prefetch), whatever the number of sheets and themes
    with django_assert_max_num_queries(4):
        client_for().get("/api/v1/practices/")


@pytest.mark.parametrize(
    "query",
    [
        {"theme": ""},
        {"theme": "Pas un slug!"},
        {"commune": ""},
        {"q": "x" * 101},
        {"page": "0"},
        {"page": "x"},
    ],
)
def test_bad_list_queries_are_400(query):
    response = client_for().get("/api/v1/practices/", query)
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"


def test_a_sheets_detail_and_who_sees_a_draft():
    sheet = PracticeSheetFactory(contact_phone="+2290197000010")
    document = PublishedDocumentFactory(commune=sheet.commune, title="Rapport")
    sheet.documents.set([document, PublishedDocumentFactory()])  # a document of another commune never shows
    body = client_for().get(f"/api/v1/practices/{sheet.pk}/").json()
    assert body["problem"] == sheet.problem and body["contact"]["phone"] == "+2290197000010"
    assert [d["id"] for d in body["documents"]] == [document.pk]
    assert body["documents"][0]["path"] == document.get_absolute_url()
    assert body["questions"] == []
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT)
    for user in (None, UserFactory(), publisher(CommuneFactory())):
        response = client_for(user).get(f"/api/v1/practices/{draft.pk}/")
        assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert (
        client_for(publisher(draft.commune)).get(f"/api/v1/practices/{draft.pk}/").json()["status"] == "draft"
    )
    assert client_for().get("/api/v1/practices/999999/").status_code == 404


def test_the_communes_list_has_its_drafts_for_its_staff_only():
    commune = CommuneFactory(slug="cotonou")
    published = PracticeSheetFactory(commune=commune)
    draft = PracticeSheetFactory(commune=commune, status=SheetStatus.DRAFT)
    public = [row["id"] for row in client_for().get("/api/v1/communes/cotonou/practices/").json()]
    assert public == [published.pk]
    staff = [
        row["id"] for row in client_for(publisher(commune)).get("/api/v1/communes/cotonou/practices/").json()
    ]
    assert sorted(staff) == sorted([published.pk, draft.pk])
    assert client_for().get("/api/v1/communes/atlantide/practices/").status_code == 404


# --- Themes and following them -------------------------------------------------------------------


def test_themes_list_counts_published_sheets_and_says_what_you_follow():
    theme, other = ThemeFactory(slug="budget"), ThemeFactory(slug="marches")
    PracticeSheetFactory(themes=[theme])
    PracticeSheetFactory(themes=[theme], status=SheetStatus.DRAFT)
    user = UserFactory()
    ThemeFollowFactory(user=user, theme=other)
    anonymous = {row["slug"]: row for row in client_for().get("/api/v1/practices/themes/").json()}
    assert anonymous["budget"]["sheet_count"] == 1 and anonymous["budget"]["followed"] is False
    assert anonymous["budget"]["path"] == "/bonnes-pratiques/themes/budget/"
    mine = {row["slug"]: row for row in client_for(user).get("/api/v1/practices/themes/").json()}
    assert mine["marches"]["followed"] is True and mine["budget"]["followed"] is False
    english = client_for().get("/api/v1/practices/themes/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {row["slug"]: row["name"] for row in english}["budget"] == theme.name_en


def test_following_a_theme_over_the_api():
    ThemeFactory(slug="budget")
    user = UserFactory()
    api = client_for(user)
    created = api.post("/api/v1/practices/themes/budget/follow/")
    assert created.status_code == 201 and created.json() == {"theme": "budget", "followed": True}
    assert api.post("/api/v1/practices/themes/budget/follow/").status_code == 200
    assert ThemeFollow.objects.filter(user=user).count() == 1
    gone = api.delete("/api/v1/practices/themes/budget/follow/")
    assert gone.status_code == 200 and gone.json()["followed"] is False and not ThemeFollow.objects.exists()
    assert api.post("/api/v1/practices/themes/inconnu/follow/").status_code == 404
    anonymous = client_for().post("/api/v1/practices/themes/budget/follow/")
    assert anonymous.status_code == 401 and error(anonymous)["code"] == "not_authenticated"


# --- Asking ---------------------------------------------------------------------------------------


def test_asking_a_question_over_the_api():
    sheet = PracticeSheetFactory()
    asker = MembershipFactory(role=Role.SECRETARY_GENERAL).user
    response = client_for(asker).post(
        f"/api/v1/practices/{sheet.pk}/questions/", {"body": "Quel opérateur ?\nMerci."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    question = PracticeQuestion.objects.get()
    assert body["thread_id"] == question.thread_id and body["title"] == "Quel opérateur ?"
    assert body["asker_role"] == Role.SECRETARY_GENERAL and body["answered"] is False
    assert question.thread.commune == sheet.commune
    detail = client_for().get(f"/api/v1/practices/{sheet.pk}/").json()
    assert [q["id"] for q in detail["questions"]] == [question.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": 42}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"body": "Une question ?", "title": "Ab"}, "title"),
        ({"body": "Une question ?", "title": ["liste"]}, "title"),
    ],
)
def test_bad_questions_are_400_with_the_field(body, field):
    sheet = PracticeSheetFactory()
    response = client_for(UserFactory()).post(f"/api/v1/practices/{sheet.pk}/questions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in error(response)["fields"]
    assert not Thread.objects.exists()


def test_asking_signed_out_or_about_a_draft():
    sheet = PracticeSheetFactory()
    response = client_for().post(
        f"/api/v1/practices/{sheet.pk}/questions/", {"body": "Hein ?"}, format="json"
    )
    assert response.status_code == 401
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT)
    response = client_for(UserFactory()).post(
        f"/api/v1/practices/{draft.pk}/questions/", {"body": "Une question ?"}, format="json"
    )
    assert response.status_code == 404
    assert not Thread.objects.exists()


# --- Staff writes ----------------------------------------------------------------------------------


def test_staff_write_publish_edit_and_withdraw_over_the_api():
    commune = CommuneFactory(slug="cotonou")
    officer = publisher(commune)
    theme = ThemeFactory()
    document = PublishedDocumentFactory(commune=commune)
    api = client_for(officer)
    created = api.post(
        "/api/v1/practices/",
        {**sheet_data(theme, documents=[document.pk]), "commune": "cotonou"},
        format="json",
    )
    assert created.status_code == 201, created.content
    sheet_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["documents"][0]["id"] == document.pk
    patched = api.patch(f"/api/v1/practices/{sheet_id}/", {"title": "Un titre corrigé"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Un titre corrigé"
    published = api.post(f"/api/v1/practices/{sheet_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    twice = api.post(f"/api/v1/practices/{sheet_id}/publish/")
    assert twice.status_code == 409 and error(twice)["code"] == "wrong_status"
    withdrawn = api.post(f"/api/v1/practices/{sheet_id}/withdraw/", {"reason": "À revoir"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "practice.create",
        "practice.update",
        "practice.publish",
        "practice.withdraw",
    ]


@pytest.mark.parametrize("who", ["mayor_elsewhere", "citizen", "moderator", "anonymous"])
def test_tenant_isolation_and_roles_on_every_staff_write(who):
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT)
    user = {
        "mayor_elsewhere": lambda: MembershipFactory(role=Role.MAYOR).user,
        "citizen": UserFactory,
        "moderator": lambda: MembershipFactory(commune=sheet.commune, role=Role.MODERATOR).user,
        "anonymous": lambda: None,
    }[who]()
    api = client_for(user)
    expected = 401 if user is None else 403
    answers = [
        api.post("/api/v1/practices/", {**sheet_data(), "commune": sheet.commune.slug}, format="json"),
        api.patch(f"/api/v1/practices/{sheet.pk}/", {"title": "Détourné"}, format="json"),
        api.post(f"/api/v1/practices/{sheet.pk}/publish/"),
        api.post(f"/api/v1/practices/{sheet.pk}/withdraw/", {}, format="json"),
    ]
    for response in answers:
        assert response.status_code == expected, response.content
        assert error(response)["code"] in {"forbidden", "not_authenticated", "permission_denied"}
    sheet.refresh_from_db()
    assert PracticeSheet.objects.count() == 1 and sheet.status == SheetStatus.DRAFT
    assert sheet.title != "Détourné" and not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"themes": "budget"}, "themes"),
        ({"themes": []}, "themes"),
        ({"themes": [1]}, "themes"),
        ({"documents": ["1"]}, "documents"),
        ({"documents": [0]}, "documents"),
        ({"title": None}, "title"),
        ({"title": 12}, "title"),
        ({"contact_phone": "0033612345678"}, "contact_phone"),
        ({"contact_email": "x@"}, "contact_email"),
        ({"summary": "x" * 601}, "summary"),
    ],
)
def test_bad_sheets_are_400_with_the_field(body, field):
    commune = CommuneFactory(slug="cotonou")
    payload = {**sheet_data(ThemeFactory()), "commune": "cotonou", **body}
    response = client_for(publisher(commune)).post("/api/v1/practices/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in error(response)["fields"]
    assert not PracticeSheet.objects.exists()


def test_a_new_sheet_in_an_unknown_commune_is_404_and_an_admin_may_write_anywhere():
    payload = {**sheet_data(ThemeFactory()), "commune": "atlantide"}
    assert client_for(AdminFactory()).post("/api/v1/practices/", payload, format="json").status_code == 404
    CommuneFactory(slug="cotonou")
    payload["commune"] = "cotonou"
    assert client_for(AdminFactory()).post("/api/v1/practices/", payload, format="json").status_code == 201


def test_a_bad_patch_changes_nothing():
    sheet = PracticeSheetFactory()
    api = client_for(publisher(sheet.commune))
    response = api.patch(
        f"/api/v1/practices/{sheet.pk}/", {"title": "", "themes": ["inconnu"]}, format="json"
    )
    assert response.status_code == 400 and "title" in error(response)["fields"]
    response = api.patch(f"/api/v1/practices/{sheet.pk}/", {"themes": ["inconnu"]}, format="json")
    assert response.status_code == 400 and "themes" in error(response)["fields"]
    old = sheet.title
    sheet.refresh_from_db()
    assert sheet.title == old and not AuditLogEntry.objects.exists()


def test_the_schema_documents_the_practices_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/practices/",
        "/api/v1/practices/themes/",
        "/api/v1/practices/themes/{slug}/follow/",
        "/api/v1/practices/{sheet_id}/",
        "/api/v1/practices/{sheet_id}/publish/",
        "/api/v1/practices/{sheet_id}/withdraw/",
        "/api/v1/practices/{sheet_id}/questions/",
        "/api/v1/communes/{slug}/practices/",
    ):
        assert path in paths, path
    assert {} in paths["/api/v1/practices/"]["get"]["security"]
    assert {} not in paths["/api/v1/practices/{sheet_id}/questions/"]["post"]["security"]
