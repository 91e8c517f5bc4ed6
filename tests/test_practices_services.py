"""The practices services: a sheet written as a draft, edited, published, withdrawn and published
again; who may (role × commune, the commune enabled); every bad input refused with every field named
and nothing written; the journal's entries; following themes. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hub.errors import NotAuthenticated
from hub.models import AuditLogEntry, OutboxEvent, Role
from practices import services
from practices.errors import Forbidden, Invalid, WrongStatus
from practices.models import MAX_DOCUMENTS, MAX_THEMES, PracticeSheet, SheetStatus, ThemeFollow
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_practices import (
    PracticeSheetFactory,
    ThemeFactory,
    ThemeFollowFactory,
    publisher,
    sheet_data,
)
from tests.factories_publications import DocumentFactory, PublishedDocumentFactory

pytestmark = pytest.mark.django_db


def audit_actions(sheet: PracticeSheet) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(object_type="practices.practicesheet", object_id=str(sheet.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Writing a sheet -----------------------------------------------------------------------------


def test_a_publisher_writes_a_draft_with_its_themes_documents_and_a_normalised_phone():
    # given a communication officer of Cotonou, two themes and a published document of Cotonou
    cotonou = CommuneFactory(name="Cotonou", slug="cotonou")
    officer = publisher(cotonou)
    water, waste = ThemeFactory(slug="eau"), ThemeFactory(slug="dechets")
    budget = PublishedDocumentFactory(commune=cotonou)
    # when they write a sheet
    sheet = services.sheet_create(
        actor=officer,
        commune=cotonou,
        data=sheet_data(water, waste, documents=[budget.pk], contact_phone="97 00 00 10", contact_email=""),
    )
    # then it is a draft of Cotonou, with what was given, and the journal says who wrote it
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT and sheet.published_at is None
    assert sheet.commune == cotonou and sheet.created_by == officer
    assert sorted(sheet.themes.values_list("slug", flat=True)) == ["dechets", "eau"]
    assert list(sheet.documents.all()) == [budget]
    assert sheet.contact_phone == "+2290197000010"
    assert " cotonou " in sheet.search_text and "budget" in sheet.search_text
    assert audit_actions(sheet) == ["practice.create"]
    entry = AuditLogEntry.objects.get(action="practice.create")
    assert entry.commune == cotonou and entry.data["themes"] == ["eau", "dechets"]
    # and nobody is told of a draft
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": ""}, {"title"}),
        ({"title": "Abc"}, {"title"}),
        ({"title": "x" * 161}, {"title"}),
        ({"summary": "  "}, {"summary"}),
        ({"problem": None}, {"problem"}),
        ({"actions": 42}, {"actions"}),
        ({"results": "x" * 4001}, {"results"}),
        ({"results": "nul\x00byte"}, {"results"}),
        ({"themes": []}, {"themes"}),
        ({"themes": "eau"}, {"themes"}),
        ({"themes": ["inconnu"]}, {"themes"}),
        ({"documents": "12"}, {"documents"}),
        ({"documents": ["douze"]}, {"documents"}),
        ({"documents": [10**20]}, {"documents"}),
        ({"contact_name": ""}, {"contact_name"}),
        ({"contact_email": "pas-un-email"}, {"contact_email"}),
        ({"contact_phone": "12345"}, {"contact_phone"}),
        ({"contact_phone": "+33 6 12 34 56 78"}, {"contact_phone"}),
        ({"contact_email": "", "contact_phone": ""}, {"contact_email"}),
        ({"title": "", "summary": "", "themes": []}, {"title", "summary", "themes"}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(changes, fields):
    commune = CommuneFactory()
    officer = publisher(commune)
    with pytest.raises(Invalid) as refused:
        services.sheet_create(actor=officer, commune=commune, data=sheet_data(**changes))
    assert refused.value.code == "validation_error"
    assert set(refused.value.details["fields"]) == fields
    assert not PracticeSheet.objects.exists() and not AuditLogEntry.objects.exists()


def test_too_many_themes_and_documents_and_other_communes_documents_are_refused():
    commune = CommuneFactory()
    officer = publisher(commune)
    themes = [ThemeFactory() for _ in range(MAX_THEMES + 1)]
    others = PublishedDocumentFactory(commune=CommuneFactory())
    draft = DocumentFactory(commune=commune)
    many = [PublishedDocumentFactory(commune=commune).pk for _ in range(MAX_DOCUMENTS + 1)]
    for changes in (
        {"themes": [t.slug for t in themes]},
        {"documents": [others.pk]},
        {"documents": [draft.pk]},
        {"documents": many},
    ):
        with pytest.raises(Invalid) as refused:
            services.sheet_create(actor=officer, commune=commune, data=sheet_data(**changes))
        assert len(refused.value.details["fields"]) == 1
    assert not PracticeSheet.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.MAYOR, True),
        (Role.SECRETARY_GENERAL, True),
        (Role.FOCAL_POINT, True),
        (Role.COMMUNICATION_OFFICER, True),
        (Role.DEPUTY_MAYOR, False),
        (Role.COUNCILLOR, False),
        (Role.MODERATOR, False),
    ],
)
def test_who_may_write_publish_and_withdraw_by_role(role, allowed):
    commune = CommuneFactory()
    user = MembershipFactory(commune=commune, role=role).user
    sheet = PracticeSheetFactory(commune=commune, status=SheetStatus.DRAFT)
    writes = [
        lambda: services.sheet_create(actor=user, commune=commune, data=sheet_data()),
        lambda: services.sheet_update(actor=user, sheet=sheet, changes={"title": "Un nouveau titre"}),
        lambda: services.sheet_publish(actor=user, sheet=sheet),
        lambda: services.sheet_withdraw(actor=user, sheet=sheet),
    ]
    for write in writes:
        if allowed:
            write()
        else:
            with pytest.raises(Forbidden):
                write()
    if not allowed:
        assert PracticeSheet.objects.count() == 1 and not AuditLogEntry.objects.exists()


def test_staff_of_another_commune_citizens_and_the_signed_out_may_not_write():
    # given a sheet of commune A, the mayor of commune B, a citizen and nobody
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT)
    other_mayor = MembershipFactory(role=Role.MAYOR).user
    citizen = UserFactory()
    # then each refusal is 403, or 401 signed out, and nothing is written
    for actor, error in ((other_mayor, Forbidden), (citizen, Forbidden), (None, NotAuthenticated)):
        with pytest.raises(error):
            services.sheet_update(actor=actor, sheet=sheet, changes={"title": "Détourné par B"})
        with pytest.raises(error):
            services.sheet_publish(actor=actor, sheet=sheet)
        with pytest.raises(error):
            services.sheet_create(actor=actor, commune=sheet.commune, data=sheet_data())
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT and sheet.title != "Détourné par B"
    assert PracticeSheet.objects.count() == 1


def test_a_disabled_commune_has_no_publishers_but_a_platform_admin_acts_anywhere():
    closed = CommuneFactory(is_enabled=False)
    with pytest.raises(Forbidden):
        services.sheet_create(actor=publisher(closed, Role.MAYOR), commune=closed, data=sheet_data())
    sheet = services.sheet_create(actor=AdminFactory(), commune=CommuneFactory(), data=sheet_data())
    assert sheet.pk


# --- Editing, publishing, withdrawing ------------------------------------------------------------


def test_an_edit_changes_the_fields_given_and_the_journal_names_them():
    commune = CommuneFactory()
    officer = publisher(commune)
    old_theme, new_theme = ThemeFactory(), ThemeFactory()
    sheet = services.sheet_create(actor=officer, commune=commune, data=sheet_data(old_theme))
    # when the title, the problem and the themes change
    services.sheet_update(
        actor=officer,
        sheet=sheet,
        changes={"title": "Un titre corrigé", "problem": "Mieux dit.", "themes": [new_theme.slug]},
    )
    # then they changed and the journal keeps the short values, and names the long ones
    sheet.refresh_from_db()
    assert sheet.title == "Un titre corrigé" and sheet.problem == "Mieux dit."
    assert list(sheet.themes.all()) == [new_theme]
    assert "corrige" in sheet.search_text
    entry = AuditLogEntry.objects.get(action="practice.update")
    assert entry.data["fields"] == ["problem", "themes", "title"]
    assert entry.data["before"]["title"] == "Le budget expliqué aux citoyens"
    assert entry.data["after"]["themes"] == [new_theme.slug]
    # and an edit that changes nothing writes nothing
    services.sheet_update(actor=officer, sheet=sheet, changes={"title": "Un titre corrigé"})
    assert AuditLogEntry.objects.filter(action="practice.update").count() == 1


def test_publish_withdraw_and_publish_again():
    commune = CommuneFactory()
    officer = publisher(commune)
    sheet = services.sheet_create(actor=officer, commune=commune, data=sheet_data())
    # a draft cannot be withdrawn
    with pytest.raises(WrongStatus):
        services.sheet_withdraw(actor=officer, sheet=sheet)
    published = services.sheet_publish(actor=officer, sheet=sheet)
    first = published.first_published_at
    assert published.status == SheetStatus.PUBLISHED and published.published_at == first
    # a published sheet cannot be published twice
    with pytest.raises(WrongStatus):
        services.sheet_publish(actor=officer, sheet=sheet)
    # an edit keeps it published
    services.sheet_update(actor=officer, sheet=sheet, changes={"results": "Encore mieux."})
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    withdrawn = services.sheet_withdraw(actor=officer, sheet=sheet, reason="  Chiffres à revoir  ")
    assert withdrawn.status == SheetStatus.WITHDRAWN and withdrawn.withdrawn_at is not None
    again = services.sheet_publish(actor=officer, sheet=sheet)
    assert again.status == SheetStatus.PUBLISHED and again.first_published_at == first
    assert again.withdrawn_at is None
    assert audit_actions(sheet) == [
        "practice.create",
        "practice.publish",
        "practice.update",
        "practice.withdraw",
        "practice.publish",
    ]
    publishes = AuditLogEntry.objects.filter(action="practice.publish").order_by("id")
    assert [e.data["first"] for e in publishes] == [True, False]
    assert AuditLogEntry.objects.get(action="practice.withdraw").data["reason"] == "Chiffres à revoir"


def test_a_withdrawal_reason_that_is_not_short_text_is_refused():
    sheet = PracticeSheetFactory()
    officer = publisher(sheet.commune)
    for reason in (42, "x" * 501, "nul\x00"):
        with pytest.raises(Invalid) as refused:
            services.sheet_withdraw(actor=officer, sheet=sheet, reason=reason)
        assert "reason" in refused.value.details["fields"]
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED


def test_a_sheet_without_themes_is_not_published():
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, themes=[])
    with pytest.raises(Invalid) as refused:
        services.sheet_publish(actor=publisher(sheet.commune), sheet=sheet)
    assert "themes" in refused.value.details["fields"]


# --- Following themes ----------------------------------------------------------------------------


def test_following_a_theme_is_idempotent_both_ways():
    user, theme = UserFactory(), ThemeFactory()
    assert services.theme_follow(actor=user, theme=theme) is True
    assert services.theme_follow(actor=user, theme=theme) is False
    assert ThemeFollow.objects.filter(user=user, theme=theme).count() == 1
    assert services.theme_unfollow(actor=user, theme=theme) is True
    assert services.theme_unfollow(actor=user, theme=theme) is False
    assert not ThemeFollow.objects.exists()


def test_following_needs_an_account():
    theme = ThemeFactory()
    ThemeFollowFactory(theme=theme)
    for actor in (None, UserFactory(is_active=False)):
        with pytest.raises(NotAuthenticated):
            services.theme_follow(actor=actor, theme=theme)
        with pytest.raises(NotAuthenticated):
            services.theme_unfollow(actor=actor, theme=theme)
    assert ThemeFollow.objects.count() == 1


def test_themes_seed_makes_the_missing_themes_only():
    from practices.models import Theme
    from practices.themes import THEMES

    Theme.objects.filter(slug=THEMES[0][0]).delete()
    renamed = Theme.objects.filter(slug=THEMES[1][0]).first() or ThemeFactory(slug=THEMES[1][0])
    Theme.objects.filter(pk=renamed.pk).update(name_fr="Renommé")
    created = services.themes_seed()
    assert created >= 1 and Theme.objects.filter(slug=THEMES[0][0]).exists()
    assert Theme.objects.get(slug=THEMES[1][0]).name_fr == "Renommé"
    assert services.themes_seed() == 0
