"""A sheet's life as its commune's staff and the public see it on the pages: publishing asks first and
says who is told (once: a sheet published again is not announced again), a withdrawn sheet shows its
staff when and why it was withdrawn, the public is told a withdrawn sheet is gone (410, its commune
and nothing of its content; a draft stays unknown, 404), and a question's forum thread links back to
its sheet (the forums app knows nothing of sheets: the thread page's template asks the practices
app). Without JavaScript: plain links and form posts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from hub.models import AuditLogEntry, OutboxEvent, Role
from practices import services
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_forums import ThreadFactory
from tests.factories_practices import PracticeSheetFactory, ThemeFactory, ThemeFollowFactory, publisher
from tests.test_practices_pages import assert_no_inline_code, html, signed_in

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def outsider(who: str, sheet: PracticeSheet):  # type: ignore[no-untyped-def]
    """Someone who is not the sheet's publishing staff (None: signed out)."""
    return {
        "anonymous": lambda: None,
        "citizen": UserFactory,
        "deputy": lambda: MembershipFactory(commune=sheet.commune, role=Role.DEPUTY_MAYOR).user,
        "mayor_elsewhere": lambda: MembershipFactory(commune=CommuneFactory(), role=Role.MAYOR).user,
    }[who]()


def noon(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, 12, 0, tzinfo=datetime.UTC)


# --- Publishing asks first ------------------------------------------------------------------------


def test_publishing_asks_first_and_says_who_is_told_once():
    # given a draft in two themes, two followers (one of both themes) and an officer who follows one
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    budget, water = ThemeFactory(slug="budget"), ThemeFactory(slug="eau")
    sheet = PracticeSheetFactory(commune=commune, status=SheetStatus.DRAFT, themes=[budget, water])
    one = ThemeFollowFactory(theme=budget).user
    both = ThemeFollowFactory(theme=budget).user
    ThemeFollowFactory(theme=water, user=both)
    officer = publisher(commune)
    ThemeFollowFactory(theme=budget, user=officer)
    client = signed_in(officer)
    path = f"/bonnes-pratiques/{sheet.pk}/publier/"
    # when the officer opens the confirmation
    page = html(client.get(path, **EN))
    # then it says the two followers are told, once (not the officer), and nothing is written yet
    assert "2 people follow its themes: each will be told of the new sheet, once." in page
    assert "nobody is told again" in page
    assert f'action="{path}"' in page and 'name="confirmed" value="1"' in page
    assert f'href="/bonnes-pratiques/{sheet.pk}/"' in page  # "No, go back"
    # and a post without the confirmation (an old page's button) only asks again
    again = client.post(path, **EN)
    assert again.status_code == 200 and 'name="confirmed" value="1"' in html(again)
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT
    assert not OutboxEvent.objects.exists() and not AuditLogEntry.objects.exists()
    # when they confirm
    response = client.post(path, {"confirmed": "1"})
    # then it is published and the two followers are told
    assert response.status_code == 302 and response["Location"] == f"/bonnes-pratiques/{sheet.pk}/"
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    event = OutboxEvent.objects.get(kind="practice.published")
    assert event.payload["audience"]["user_ids"] == sorted([one.pk, both.pk])
    # and the confirmation now only says it is already published
    published = html(client.get(path, **EN))
    assert "This sheet is already published." in published and 'name="confirmed"' not in published


def test_publishing_again_after_a_withdrawal_says_nobody_is_told():
    # given a sheet published once (announced), then withdrawn, and a follower of its theme
    theme = ThemeFactory(slug="budget")
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, themes=[theme])
    ThemeFollowFactory(theme=theme)
    officer = publisher(sheet.commune)
    services.sheet_publish(actor=officer, sheet=sheet)
    services.sheet_withdraw(actor=officer, sheet=PracticeSheet.objects.get(pk=sheet.pk))
    client = signed_in(officer)
    path = f"/bonnes-pratiques/{sheet.pk}/publier/"
    # the sheet's page links to the confirmation ("Publish again"), no form posts from it
    detail = html(client.get(f"/bonnes-pratiques/{sheet.pk}/", **EN))
    assert f'href="{path}"' in detail and f'action="{path}"' not in detail
    # when the officer opens the confirmation
    page = html(client.get(path, **EN))
    # then it says it was announced the first time and nobody is told now
    assert "Publish this sheet again?" in page
    assert "nobody is told this time" in page and "follow its themes" not in page
    # and confirming publishes it without a second announcement
    client.post(path, {"confirmed": "1"})
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    assert OutboxEvent.objects.filter(kind="practice.published").count() == 1


def test_publishing_a_sheet_nobody_follows_says_nobody_is_told():
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT)
    officer = publisher(sheet.commune)
    ThemeFollowFactory(theme=sheet.themes.get(), user=officer)  # the publisher is never told
    page = html(signed_in(officer).get(f"/bonnes-pratiques/{sheet.pk}/publier/", **EN))
    assert "Nobody follows its themes yet: nobody is told." in page and "follow its themes:" not in page


def test_publishing_a_sheet_without_a_theme_says_so_and_publishes_nothing():
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, themes=[])
    client = signed_in(publisher(sheet.commune))
    path = f"/bonnes-pratiques/{sheet.pk}/publier/"
    page = html(client.get(path, **EN))
    assert "Choose at least one theme before publishing." in page
    assert f'href="/bonnes-pratiques/{sheet.pk}/modifier/"' in page and 'name="confirmed"' not in page
    refused = client.post(path, {"confirmed": "1"}, follow=True)
    assert "message--error" in html(refused)
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT and not OutboxEvent.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "deputy", "mayor_elsewhere"])
def test_only_the_communes_publishing_staff_open_the_confirmation(who):
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT)
    user = outsider(who, sheet)
    response = signed_in(user).get(f"/bonnes-pratiques/{sheet.pk}/publier/")
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    else:
        assert response.status_code == 403
    assert signed_in(user).get("/bonnes-pratiques/999999/publier/").status_code in (302, 404)


# --- A withdrawn sheet -----------------------------------------------------------------------------


def withdrawn_sheet(reason: str = "") -> tuple[PracticeSheet, object]:
    """A sheet of Cotonou published on 6 December 2026 and withdrawn on the 8th with ``reason``."""
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    sheet = PracticeSheetFactory(
        commune=commune,
        title="Le budget expliqué",
        summary="Quatre pages affichées.",
        problem="Personne ne lisait le budget.",
        contact_name="Service communication",
    )
    officer = publisher(commune, Role.MAYOR)
    services.sheet_withdraw(actor=officer, sheet=sheet, reason=reason)
    PracticeSheet.objects.filter(pk=sheet.pk).update(published_at=noon(6), withdrawn_at=noon(8))
    return PracticeSheet.objects.get(pk=sheet.pk), officer


def test_staff_see_when_and_why_a_sheet_was_withdrawn():
    # given a sheet withdrawn on 8 December with a reason
    sheet, mayor = withdrawn_sheet(reason="Chiffres à revoir")
    client = signed_in(mayor)
    # when its staff open it
    response = client.get(f"/bonnes-pratiques/{sheet.pk}/", **EN)
    page = html(response)
    # then they see its content, when it was withdrawn, and the reason they gave
    assert response.status_code == 200 and escape(sheet.title) in page
    assert "published on 6 December 2026, withdrawn on 8 December 2026" in page
    assert "This sheet was withdrawn on 8 December 2026" in page
    assert "Chiffres à revoir" in page
    # and the commune's list says since when
    listing = html(client.get("/communes/cotonou/bonnes-pratiques/", **EN))
    assert "practice-status--withdrawn" in listing and "since 8 December 2026" in listing
    # and once published again, the withdrawal is history: no date, no reason
    services.sheet_publish(actor=mayor, sheet=sheet)
    again = html(client.get(f"/bonnes-pratiques/{sheet.pk}/", **EN))
    assert "withdrawn on" not in again and "Chiffres à revoir" not in again


def test_a_withdrawal_without_a_reason_shows_no_reason_line():
    sheet, mayor = withdrawn_sheet()
    page = html(signed_in(mayor).get(f"/bonnes-pratiques/{sheet.pk}/", **EN))
    assert "withdrawn on 8 December 2026" in page and "Reason noted" not in page


@pytest.mark.parametrize("who", ["anonymous", "citizen", "deputy", "mayor_elsewhere"])
def test_the_public_is_told_a_withdrawn_sheet_is_gone_and_nothing_of_it(who):
    # given a sheet withdrawn with a reason
    sheet, _mayor = withdrawn_sheet(reason="Chiffres à revoir")
    user = outsider(who, sheet)
    # when someone who may not see it opens it
    response = signed_in(user).get(f"/bonnes-pratiques/{sheet.pk}/", **EN)
    page = html(response)
    # then it is gone (410): whose sheet it was, links to the commune's sheets and to the library
    assert response.status_code == 410
    assert "This sheet is no longer online" in page and "Cotonou" in page
    assert 'href="/communes/cotonou/bonnes-pratiques/"' in page and 'href="/bonnes-pratiques/"' in page
    # and nothing of its content, nor the reason
    for text in ("Le budget expliqué", "Quatre pages", "Personne ne lisait", "Service communication"):
        assert text not in page and escape(text) not in page
    assert "Chiffres" not in page
    # and no question can be asked on it
    asked = signed_in(user).post(f"/bonnes-pratiques/{sheet.pk}/question/", {"body": "Encore en ligne ?"})
    assert asked.status_code in (302, 404) and not PracticeQuestion.objects.exists()


def test_a_draft_and_an_unknown_sheet_stay_unknown_and_the_api_unchanged():
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT, title="Brouillon secret")
    for path in (f"/bonnes-pratiques/{draft.pk}/", "/bonnes-pratiques/999999/"):
        response = Client().get(path, **EN)
        assert response.status_code == 404 and "no longer online" not in html(response)
    # the API does not say more than before: a withdrawn sheet is not found there
    sheet, _mayor = withdrawn_sheet()
    api = Client().get(f"/api/v1/practices/{sheet.pk}/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


# --- A question's thread links its sheet ---------------------------------------------------------


def test_a_question_thread_links_back_to_its_sheet():
    # given a question asked on a published sheet, and an ordinary thread of the same forum
    sheet = PracticeSheetFactory(title="Taxes de marché par mobile money")
    question = services.question_ask(actor=UserFactory(), sheet=sheet, body="Quel opérateur ?")
    ordinary = ThreadFactory(commune=sheet.commune, category__commune=sheet.commune, title="Les routes")
    thread_path = f"/forum/sujets/{question.thread_id}/"
    # when anyone opens the question's thread
    page = html(Client().get(thread_path, **EN))
    # then it links the sheet, by its title
    assert "A question about the good practice sheet" in page
    assert f'<a href="/bonnes-pratiques/{sheet.pk}/">Taxes de marché par mobile money</a>' in page
    assert "no longer online" not in page
    # and the commune's staff who answer see it too
    staff_page = html(signed_in(publisher(sheet.commune)).get(thread_path, **EN))
    assert f'href="/bonnes-pratiques/{sheet.pk}/"' in staff_page
    # and an ordinary thread has no such line, and costs no query on the questions
    with CaptureQueriesContext(connection) as queries:
        plain = signed_in(UserFactory()).get(f"/forum/sujets/{ordinary.pk}/", **EN)
    assert plain.status_code == 200 and "forum-practice" not in html(plain)
    assert not any("practices_practicequestion" in q["sql"] for q in queries.captured_queries)
    # when the sheet is withdrawn, the thread (read from the public cache before) says so at once
    services.sheet_withdraw(actor=publisher(sheet.commune), sheet=sheet)
    after = html(Client().get(thread_path, **EN))
    assert f'href="/bonnes-pratiques/{sheet.pk}/"' in after and "no longer online" in after
    assert Client().get(f"/bonnes-pratiques/{sheet.pk}/").status_code == 410


def test_the_new_pages_carry_no_inline_script_or_style():

    sheet, mayor = withdrawn_sheet(reason="Chiffres")
    question_sheet = PracticeSheetFactory(commune=sheet.commune)
    question = services.question_ask(actor=UserFactory(), sheet=question_sheet, body="Une question ?")
    responses = [
        signed_in(mayor).get(f"/bonnes-pratiques/{sheet.pk}/publier/"),
        signed_in(mayor).get(f"/bonnes-pratiques/{sheet.pk}/"),
        Client().get(f"/bonnes-pratiques/{sheet.pk}/"),
        Client().get(f"/forum/sujets/{question.thread_id}/"),
    ]
    for response in responses:
        assert_no_inline_code(response)
