"""The good-practices pages: the library (filters, pages, junk ignored), a theme's page (follow it
without JavaScript), a sheet's page (sections, documents still published, contact, questions with
their answer state, the question form), the commune's sheets (drafts for its staff only), and the
staff forms as role × action with nothing written when refused, each bad input shown next to its
field in the API's words. Everything works without JavaScript."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.utils.html import escape

from forums.models import Thread
from hub.models import AuditLogEntry, OutboxEvent, Role
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, ThemeFollow
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_forums import PostFactory, ThreadFactory
from tests.factories_practices import PracticeSheetFactory, ThemeFactory, ThemeFollowFactory, sheet_data
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def assert_no_inline_code(response) -> None:  # type: ignore[no-untyped-def]
    """A page answered (200, or 410 for a withdrawn sheet) with no inline style or script (CSP)."""
    page = html(response)
    assert response.status_code in (200, 410)
    assert "style=" not in page and "<style" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None


def staff(commune, role=Role.COMMUNICATION_OFFICER):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


def field_error(page: str, field: str) -> str:
    """The error text shown with a field (the include's ``<id>_error`` block)."""
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', page, re.S)
    if not match:
        return ""
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))
    return unescape(re.sub(r"<[^>]+>", "", shown)).strip()


# --- The library ---------------------------------------------------------------------------------


def test_the_library_lists_every_communes_published_sheets_and_filters_them():
    # given sheets of two communes in two themes, a draft and a withdrawn sheet
    cotonou, calavi = (
        CommuneFactory(name="Cotonou", slug="cotonou"),
        CommuneFactory(name="Calavi", slug="calavi"),
    )
    budget, market = (
        ThemeFactory(slug="budget", name_fr="Transparence budgétaire"),
        ThemeFactory(slug="marches"),
    )
    explained = PracticeSheetFactory(commune=cotonou, title="Le budget expliqué", themes=[budget])
    mobile = PracticeSheetFactory(
        commune=calavi, title="Taxes payées par mobile money", themes=[market], results="Recettes +38 %."
    )
    draft = PracticeSheetFactory(commune=cotonou, status=SheetStatus.DRAFT, title="Brouillon secret")
    gone = PracticeSheetFactory(commune=cotonou, status=SheetStatus.WITHDRAWN, title="Fiche retirée")
    # when anyone opens the library
    response = Client().get("/bonnes-pratiques/")
    page = html(response)
    # then both published sheets show as cards with their commune and themes, drafts do not
    assert response.status_code == 200
    for sheet in (explained, mobile):
        assert escape(sheet.title) in page and f'href="/bonnes-pratiques/{sheet.pk}/"' in page
    assert draft.title not in page and gone.title not in page
    assert "Transparence budgétaire" in page and 'href="/bonnes-pratiques/themes/budget/"' in page
    assert 'name="q"' in page and 'name="theme"' in page and 'name="commune"' in page
    # and each filter narrows it: theme, commune, words (accents and case ignored)
    by_theme = html(Client().get("/bonnes-pratiques/", {"theme": "marches"}))
    assert escape(mobile.title) in by_theme and escape(explained.title) not in by_theme
    by_commune = html(Client().get("/bonnes-pratiques/", {"commune": "cotonou"}))
    assert escape(explained.title) in by_commune and escape(mobile.title) not in by_commune
    by_words = html(Client().get("/bonnes-pratiques/", {"q": "RECETTES mobile"}))
    assert escape(mobile.title) in by_words and escape(explained.title) not in by_words
    by_accents = html(Client().get("/bonnes-pratiques/", {"q": "explique"}))
    assert escape(explained.title) in by_accents
    # and junk in the query string is ignored, not an error
    for junk in ({"theme": "<script>"}, {"commune": "../../etc"}, {"page": "abc"}, {"q": "x" * 500}):
        assert Client().get("/bonnes-pratiques/", junk).status_code == 200


def test_the_library_pages_twenty_at_a_time():
    theme = ThemeFactory()
    for _ in range(23):
        PracticeSheetFactory(themes=[theme])
    first = html(Client().get("/bonnes-pratiques/"))
    second = html(Client().get("/bonnes-pratiques/", {"page": 2}))
    assert first.count('class="practice-card"') == 20 and second.count('class="practice-card"') == 3
    assert 'rel="next"' in first and 'rel="prev"' in second


# --- A theme's page and following it -------------------------------------------------------------


def test_a_themes_page_lists_its_sheets_and_offers_to_follow():
    theme = ThemeFactory(slug="civil", name_fr="État civil", description_fr="Actes de naissance.")
    inside = PracticeSheetFactory(themes=[theme], title="Audiences foraines")
    outside = PracticeSheetFactory(title="Autre chose")
    anonymous = html(Client().get("/bonnes-pratiques/themes/civil/"))
    assert "État civil" in anonymous and "Actes de naissance." in anonymous
    assert escape(inside.title) in anonymous and escape(outside.title) not in anonymous
    assert "/connexion/?next=/bonnes-pratiques/themes/civil/" in anonymous
    assert "practice-theme-follow" not in anonymous and "/suivre/" not in anonymous
    user = UserFactory()
    page = html(signed_in(user).get("/bonnes-pratiques/themes/civil/"))
    assert 'action="/bonnes-pratiques/themes/civil/suivre/"' in page
    assert 'name="action" value="follow"' in page and 'aria-pressed="false"' in page
    assert Client().get("/bonnes-pratiques/themes/inconnu/").status_code == 404


def test_following_and_unfollowing_a_theme_without_javascript():
    theme = ThemeFactory(slug="eau")
    user = UserFactory()
    client = signed_in(user)
    response = client.post("/bonnes-pratiques/themes/eau/suivre/", {"action": "follow"})
    assert response.status_code == 302 and response["Location"] == "/bonnes-pratiques/themes/eau/"
    assert ThemeFollow.objects.filter(user=user, theme=theme).exists()
    page = html(client.get("/bonnes-pratiques/themes/eau/"))
    assert 'name="action" value="unfollow"' in page and 'aria-pressed="true"' in page
    assert client.post("/bonnes-pratiques/themes/eau/suivre/", {"action": "follow"}).status_code == 302
    assert ThemeFollow.objects.filter(user=user).count() == 1
    client.post("/bonnes-pratiques/themes/eau/suivre/", {"action": "unfollow"})
    assert not ThemeFollow.objects.exists()
    # signed out: to the sign-in page, and back to the theme after
    anonymous = Client().post("/bonnes-pratiques/themes/eau/suivre/", {"action": "follow"})
    assert (
        anonymous.status_code == 302
        and "/connexion/?next=%2Fbonnes-pratiques%2Fthemes%2Feau%2F" in (anonymous["Location"])
    )
    assert client.get("/bonnes-pratiques/themes/eau/suivre/").status_code == 405
    assert client.post("/bonnes-pratiques/themes/inconnu/suivre/").status_code == 404
    # the form needs its CSRF token
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/bonnes-pratiques/themes/eau/suivre/", {"action": "follow"}).status_code == 403
    assert not ThemeFollow.objects.exists()


# --- A sheet's page ------------------------------------------------------------------------------


def test_a_sheets_page_shows_every_section_its_documents_contact_and_questions():
    # given a published sheet with a published and a withdrawn document, a contact, and two questions
    # (one answered officially, one asked by the secretary-general of another commune), and a hidden one
    commune = CommuneFactory(name="Abomey-Calavi", slug="abomey-calavi")
    document = PublishedDocumentFactory(commune=commune, title="Compte administratif 2024")
    withdrawn = DocumentFactory(commune=commune, title="Ancien rapport", state="withdrawn")
    sheet = PracticeSheetFactory(
        commune=commune,
        title="Taxes de marché par mobile money",
        problem="Les recettes stagnaient.",
        actions="Recensement des places.\n\nPaiement par mobile money.",
        results="Recettes +38 %.",
        contact_name="Chef du service financier",
        contact_role="Mairie",
        contact_email="finances@calavi.bj",
        contact_phone="+2290197000010",
    )
    sheet.documents.set([document, withdrawn])
    answered = ThreadFactory(commune=commune, category__commune=commune, title="Quel opérateur ?")
    answered.official_answer = PostFactory(thread=answered, is_official=True)
    answered.save()
    waiting = ThreadFactory(commune=commune, category__commune=commune, title="Et les frais ?")
    hidden = ThreadFactory(commune=commune, category__commune=commune, title="Masqué", hidden=True)
    akpro = CommuneFactory(name="Akpro-Missérété")
    PracticeQuestion.objects.create(sheet=sheet, thread=answered)
    PracticeQuestion.objects.create(
        sheet=sheet, thread=waiting, asker_commune=akpro, asker_role=Role.SECRETARY_GENERAL
    )
    PracticeQuestion.objects.create(sheet=sheet, thread=hidden)
    # when anyone opens it
    page = html(Client().get(f"/bonnes-pratiques/{sheet.pk}/"))
    # then every section is there, the published document is linked, the withdrawn one is not
    for text in ("Les recettes stagnaient.", "<p>Paiement par mobile money.</p>", "Recettes +38 %."):
        assert text in page
    assert escape("Compte administratif 2024") in page and document.get_absolute_url() in page
    assert "Ancien rapport" not in page
    assert "mailto:finances@calavi.bj" in page and "+229 01 97 00 00 10" in page
    assert "Chef du service financier" in page
    # and the questions link their threads with their answer state; the hidden one is not shown
    assert f'href="/forum/sujets/{answered.pk}/"' in page and f'href="/forum/sujets/{waiting.pk}/"' in page
    assert "Masqué" not in page
    assert "practice-answer--yes" in page and "practice-answer--no" in page
    assert "Akpro-Missérété" in page
    # and anonymous visitors get a sign-in link instead of the form
    assert f"/connexion/?next=/bonnes-pratiques/{sheet.pk}/%23ask" in page
    assert 'name="body"' not in page
    # and nobody but staff sees the staff box
    assert "practice-staff" not in page and "/modifier/" not in page


def test_drafts_are_seen_by_their_communes_staff_only():
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT, title="Brouillon")
    path = f"/bonnes-pratiques/{draft.pk}/"
    assert Client().get(path).status_code == 404
    assert signed_in(UserFactory()).get(path).status_code == 404
    assert signed_in(staff(CommuneFactory(), Role.MAYOR)).get(path).status_code == 404
    # its commune's staff who publish see it, with the staff box
    page = html(signed_in(staff(draft.commune)).get(path))
    assert "Brouillon" in page and "practice-staff" in page
    assert f'href="/bonnes-pratiques/{draft.pk}/publier/"' in page
    assert 'name="body"' not in page  # no question on a draft
    assert Client().get("/bonnes-pratiques/999999/").status_code == 404


def test_asking_a_question_from_the_page():
    sheet = PracticeSheetFactory()
    citizen = UserFactory()
    client = signed_in(citizen)
    page = html(client.get(f"/bonnes-pratiques/{sheet.pk}/"))
    assert f'action="/bonnes-pratiques/{sheet.pk}/question/"' in page and 'name="body"' in page
    response = client.post(
        f"/bonnes-pratiques/{sheet.pk}/question/", {"title": "", "body": "Combien cela a-t-il coûté ?"}
    )
    question = PracticeQuestion.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forum/sujets/{question.thread_id}/"
    assert question.thread.commune == sheet.commune and question.thread.author == citizen
    assert "Combien cela a-t-il" in html(client.get(f"/bonnes-pratiques/{sheet.pk}/"))


@pytest.mark.parametrize(
    ("data", "field"),
    [({"title": "", "body": ""}, "body"), ({"title": "Ab", "body": "Une question ?"}, "title")],
)
def test_a_bad_question_comes_back_with_the_reason(data, field):
    sheet = PracticeSheetFactory()
    response = signed_in(UserFactory()).post(f"/bonnes-pratiques/{sheet.pk}/question/", data)
    page = html(response)
    assert response.status_code == 400 and field_error(page, field), page[:300]
    assert "error-summary" in page and 'name="body"' in page
    assert not Thread.objects.exists()


def test_asking_signed_out_or_on_a_draft():
    sheet = PracticeSheetFactory()
    response = Client().post(f"/bonnes-pratiques/{sheet.pk}/question/", {"body": "Une question ?"})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT)
    assert (
        signed_in(UserFactory())
        .post(f"/bonnes-pratiques/{draft.pk}/question/", {"body": "Une question ?"})
        .status_code
        == 404
    )
    assert not Thread.objects.exists()


# --- The commune's sheets and the staff forms ------------------------------------------------------


def test_the_communes_page_shows_drafts_to_its_staff_only():
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    published = PracticeSheetFactory(commune=commune, title="Publiée")
    draft = PracticeSheetFactory(commune=commune, status=SheetStatus.DRAFT, title="Brouillon interne")
    PracticeSheetFactory(title="D'une autre commune")
    public = html(Client().get("/communes/cotonou/bonnes-pratiques/"))
    assert "Publiée" in public and "Brouillon interne" not in public and "D&#x27;une autre" not in public
    assert "/bonnes-pratiques/nouvelle/" not in public
    mine = html(signed_in(staff(commune)).get("/communes/cotonou/bonnes-pratiques/"))
    assert "Publiée" in mine and "Brouillon interne" in mine and "practice-status--draft" in mine
    assert 'href="/communes/cotonou/bonnes-pratiques/nouvelle/"' in mine
    assert f'href="/bonnes-pratiques/{draft.pk}/modifier/"' in mine
    assert f'href="/bonnes-pratiques/{published.pk}/"' in mine
    assert Client().get("/communes/atlantide/bonnes-pratiques/").status_code == 404


ROLES = {
    "mayor": Role.MAYOR,
    "secretary_general": Role.SECRETARY_GENERAL,
    "focal_point": Role.FOCAL_POINT,
    "communication": Role.COMMUNICATION_OFFICER,
    "deputy": Role.DEPUTY_MAYOR,
    "moderator": Role.MODERATOR,
}
ALLOWED = {"mayor", "secretary_general", "focal_point", "communication"}


def user_for(who: str, commune):  # type: ignore[no-untyped-def]
    if who == "anonymous":
        return None
    if who == "citizen":
        return UserFactory()
    if who == "mayor_elsewhere":
        return staff(CommuneFactory(), Role.MAYOR)
    return staff(commune, ROLES[who])


def form_body(sheet: PracticeSheet, **changes) -> dict:  # type: ignore[no-untyped-def]
    data = sheet_data(*sheet.themes.all(), **changes)
    return {key: value for key, value in data.items() if value not in ([], None)}


FORMS = {
    "new": lambda s: (
        f"/communes/{s.commune.slug}/bonnes-pratiques/nouvelle/",
        form_body(s, title="Nouvelle"),
    ),
    "edit": lambda s: (f"/bonnes-pratiques/{s.pk}/modifier/", form_body(s, title="Corrigée")),
    "publish": lambda s: (f"/bonnes-pratiques/{s.pk}/publier/", {"confirmed": "1"}),
    "withdraw": lambda s: (f"/bonnes-pratiques/{s.pk}/retirer/", {"reason": "À revoir"}),
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("who", [*ROLES, "citizen", "anonymous", "mayor_elsewhere"])
def test_staff_forms_matrix(form, who):
    # given a sheet (a draft to publish, else published) and someone
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT if form == "publish" else SheetStatus.PUBLISHED)
    before = (sheet.title, sheet.status)
    user = user_for(who, sheet.commune)
    path, data = FORMS[form](sheet)
    client = signed_in(user)
    # when they open the form (new, edit; publishing's confirmation) and submit it
    page = client.get(path) if form in ("new", "edit", "publish") else None
    response = client.post(path, data)
    # then only the commune's publishing staff may, and it is journalled
    if who in ALLOWED:
        if page is not None:
            assert page.status_code == 200
            assert ("practice-form" if form != "publish" else 'name="confirmed"') in html(page)
        assert response.status_code == 302, html(response)[:2000]
        assert AuditLogEntry.objects.filter(actor=user, action__startswith="practice.").exists()
        return
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    else:
        assert response.status_code == 403
        if page is not None:
            assert page.status_code == 403
    sheet.refresh_from_db()
    assert PracticeSheet.objects.count() == 1 and (sheet.title, sheet.status) == before
    assert not AuditLogEntry.objects.exists() and not OutboxEvent.objects.exists()


def test_writing_publishing_and_withdrawing_from_the_pages():
    commune = CommuneFactory(slug="cotonou")
    officer = staff(commune)
    theme = ThemeFactory(slug="budget")
    document = PublishedDocumentFactory(commune=commune, title="Budget primitif 2025")
    follower = ThemeFollowFactory(theme=theme).user
    client = signed_in(officer)
    # the new sheet's form offers the themes and the commune's published documents
    form = html(client.get("/communes/cotonou/bonnes-pratiques/nouvelle/"))
    assert 'name="themes" value="budget"' in form and f'name="documents" value="{document.pk}"' in form
    assert "<fieldset" in form and "<legend>" in form
    data = {**sheet_data(theme, contact_phone="01 97 00 00 11"), "documents": [str(document.pk)]}
    response = client.post("/communes/cotonou/bonnes-pratiques/nouvelle/", data)
    sheet = PracticeSheet.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bonnes-pratiques/{sheet.pk}/"
    assert sheet.status == SheetStatus.DRAFT and list(sheet.documents.all()) == [document]
    assert sheet.contact_phone == "+2290197000011"
    # the edit form comes back filled in, and saves
    edit = html(client.get(f"/bonnes-pratiques/{sheet.pk}/modifier/"))
    assert escape(sheet.title) in edit and "checked" in edit
    client.post(f"/bonnes-pratiques/{sheet.pk}/modifier/", {**data, "title": "Le budget en quatre pages"})
    sheet.refresh_from_db()
    assert sheet.title == "Le budget en quatre pages"
    # publishing asks first, then tells the theme's follower; publishing twice says it is already
    # published
    assert 'name="confirmed" value="1"' in html(client.get(f"/bonnes-pratiques/{sheet.pk}/publier/"))
    client.post(f"/bonnes-pratiques/{sheet.pk}/publier/", {"confirmed": "1"})
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    assert OutboxEvent.objects.get(kind="practice.published").payload["audience"]["user_ids"] == [follower.pk]
    again = client.post(f"/bonnes-pratiques/{sheet.pk}/publier/", {"confirmed": "1"}, follow=True)
    assert "message--error" in html(again)
    # withdrawing takes it off the public pages: the public is told it is gone
    response = client.post(f"/bonnes-pratiques/{sheet.pk}/retirer/", {"reason": ""})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.WITHDRAWN
    assert Client().get(f"/bonnes-pratiques/{sheet.pk}/").status_code == 410
    # withdrawing what is not published comes back with the reason on the page
    refused = client.post(f"/bonnes-pratiques/{sheet.pk}/retirer/", {"reason": ""})
    assert refused.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"themes": []}, "themes"),
        ({"themes": ["inconnu"]}, "themes"),
        ({"contact_email": "pas-un-email"}, "contact_email"),
        ({"contact_email": "", "contact_phone": ""}, "contact_email"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"summary": "x" * 601}, "summary"),
        ({"documents": ["999999"]}, "documents"),
    ],
)
def test_a_bad_sheet_comes_back_with_the_reason_next_to_its_field_and_nothing_is_written(changes, field):
    commune = CommuneFactory(slug="cotonou")
    theme = ThemeFactory()
    data = {key: value for key, value in sheet_data(theme, **changes).items() if value != []}
    response = signed_in(staff(commune)).post("/communes/cotonou/bonnes-pratiques/nouvelle/", data)
    page = html(response)
    assert response.status_code == 400, page[:500]
    assert field_error(page, field), page[page.find("error-summary") : page.find("error-summary") + 800]
    assert "error-summary" in page
    # what was typed comes back
    if field != "title" and data.get("title"):
        assert escape(data["title"]) in page
    assert not PracticeSheet.objects.exists() and not AuditLogEntry.objects.exists()


def test_staff_forms_need_their_csrf_token():
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff(sheet.commune))
    assert client.post(f"/bonnes-pratiques/{sheet.pk}/publier/", {"confirmed": "1"}).status_code == 403
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT


def test_the_footer_links_the_library():
    assert 'href="/bonnes-pratiques/"' in html(Client().get("/"))


def test_the_pages_carry_no_inline_script_or_style():
    sheet = PracticeSheetFactory()
    draft = PracticeSheetFactory(commune=sheet.commune, status=SheetStatus.DRAFT)
    withdrawn = PracticeSheetFactory(commune=sheet.commune, status=SheetStatus.WITHDRAWN)
    officer = staff(sheet.commune)
    pages = [
        Client().get("/bonnes-pratiques/"),
        Client().get(sheet.themes.get().get_absolute_url()),
        signed_in(officer).get(f"/bonnes-pratiques/{sheet.pk}/"),
        signed_in(officer).get(f"/communes/{sheet.commune.slug}/bonnes-pratiques/"),
        signed_in(officer).get(f"/communes/{sheet.commune.slug}/bonnes-pratiques/nouvelle/"),
        signed_in(officer).get(f"/bonnes-pratiques/{sheet.pk}/modifier/"),
        signed_in(officer).get(f"/bonnes-pratiques/{draft.pk}/publier/"),
        Client().get(f"/bonnes-pratiques/{withdrawn.pk}/"),
    ]
    for response in pages:
        assert_no_inline_code(response)


def test_the_librarys_and_a_sheets_queries_do_not_grow_with_their_rows(django_assert_max_num_queries):
    # given many sheets in several themes, one with documents and questions
    themes = [ThemeFactory() for _ in range(4)]
    for n in range(12):
        PracticeSheetFactory(themes=themes[: 1 + n % 4])
    sheet = PracticeSheetFactory(themes=themes)
    sheet.documents.set([PublishedDocumentFactory(commune=sheet.commune) for _ in range(3)])
    for _ in range(3):
        PracticeQuestion.objects.create(
            sheet=sheet, thread=ThreadFactory(commune=sheet.commune, category__commune=sheet.commune)
        )
    # then the library (themes, communes, count, page, its themes) and a sheet's page (its themes,
    # documents, questions with their threads and authors) take a fixed number of queries
    with django_assert_max_num_queries(6):
        assert Client().get("/bonnes-pratiques/").status_code == 200
    with django_assert_max_num_queries(5):
        assert Client().get(f"/bonnes-pratiques/{sheet.pk}/").status_code == 200
