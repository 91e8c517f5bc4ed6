"""Who is told when a practice sheet is published, end to end (services → outbox → fan-out →
e-mail): the followers of its themes, each person once per channel even when they follow several of
its themes; nobody else; once per sheet (published again after a withdrawal, it is not announced
again); each person's preferences for the sheet's commune apply; the inbox and the e-mail say what
happened."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from hub.models import OutboxEvent, Role
from notifications.models import Channel, Notification, NotificationPreference
from practices import services
from practices.models import SheetStatus
from tests.factories import CommuneFactory, FollowFactory, MembershipFactory, UserFactory
from tests.factories_practices import PracticeSheetFactory, ThemeFactory, ThemeFollowFactory, publisher

pytestmark = pytest.mark.django_db


def told(kind: str = "practice.published", channel: str = Channel.IN_APP) -> list[int]:
    return sorted(
        Notification.objects.filter(event__kind=kind, channel=channel).values_list("recipient_id", flat=True)
    )


def test_a_follower_of_two_of_its_themes_is_told_once_and_nobody_else_is(django_capture_on_commit_callbacks):
    # given a draft of Cotonou in two themes, a citizen who follows both, one who follows one of
    # them, one who follows another theme, one who follows Cotonou only, and the officer who
    # publishes it, who follows one of its themes too
    cotonou = CommuneFactory(name="Cotonou", slug="cotonou")
    water, waste, schools = (
        ThemeFactory(slug="eau"),
        ThemeFactory(slug="dechets"),
        ThemeFactory(slug="ecoles"),
    )
    sheet = PracticeSheetFactory(commune=cotonou, status=SheetStatus.DRAFT, themes=[water, waste])
    both = UserFactory()
    ThemeFollowFactory(user=both, theme=water)
    ThemeFollowFactory(user=both, theme=waste)
    one = ThemeFollowFactory(theme=waste).user
    elsewhere = ThemeFollowFactory(theme=schools).user
    commune_follower = FollowFactory(commune=cotonou).user
    officer = publisher(cotonou)
    ThemeFollowFactory(user=officer, theme=water)
    # when the officer publishes it (tasks run in-process here)
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=officer, sheet=sheet)
    # then one event names the two followers, each once; each got one in-app row and one e-mail
    event = OutboxEvent.objects.get(kind="practice.published")
    assert event.commune == cotonou and event.processed_at is not None
    assert event.payload["audience"] == {"user_ids": sorted([both.pk, one.pk])}
    assert told() == sorted([both.pk, one.pk])
    assert told(channel=Channel.EMAIL) == sorted([both.pk, one.pk])
    for nobody in (elsewhere, commune_follower, officer):
        assert not Notification.objects.filter(recipient=nobody).exists()
    assert len([m for m in mail.outbox if m.to == [both.email]]) == 1
    # and the e-mail says what happened and where to read it
    message = next(m for m in mail.outbox if m.to == [both.email])
    assert sheet.title in message.subject and f"/bonnes-pratiques/{sheet.pk}/" in message.body


def test_a_sheet_is_announced_once_even_published_again(django_capture_on_commit_callbacks):
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, first_published_at=None)
    follower = ThemeFollowFactory(theme=sheet.themes.get()).user
    officer = publisher(sheet.commune)
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=officer, sheet=sheet)
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_withdraw(actor=officer, sheet=sheet)
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=officer, sheet=sheet)
    assert OutboxEvent.objects.filter(kind="practice.published").count() == 1
    assert told() == [follower.pk]


def test_an_edit_of_a_published_sheet_and_a_sheet_nobody_follows_announce_nothing(
    django_capture_on_commit_callbacks,
):
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, first_published_at=None)
    officer = publisher(sheet.commune)
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=officer, sheet=sheet)
        services.sheet_update(actor=officer, sheet=sheet, changes={"results": "Mieux."})
    assert not OutboxEvent.objects.exists() and not Notification.objects.exists()


def test_preferences_for_the_sheets_commune_apply(django_capture_on_commit_callbacks):
    # given a follower who switched e-mail off for this commune, and one who switched it off everywhere
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, first_published_at=None)
    theme = sheet.themes.get()
    quiet_here, quiet_everywhere, plain = (ThemeFollowFactory(theme=theme).user for _ in range(3))
    NotificationPreference.objects.create(
        user=quiet_here, commune=sheet.commune, channel=Channel.EMAIL, enabled=False
    )
    NotificationPreference.objects.create(user=quiet_everywhere, channel=Channel.EMAIL, enabled=False)
    # when the sheet is published
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=publisher(sheet.commune), sheet=sheet)
    # then all three are told in the app, and only the third by e-mail
    assert told() == sorted([quiet_here.pk, quiet_everywhere.pk, plain.pk])
    assert told(channel=Channel.EMAIL) == [plain.pk]


def test_the_inbox_words_a_new_practice_and_a_question(django_capture_on_commit_callbacks):
    sheet = PracticeSheetFactory(status=SheetStatus.DRAFT, first_published_at=None, title="Budget citoyen")
    follower = ThemeFollowFactory(theme=sheet.themes.get()).user
    mayor = MembershipFactory(commune=sheet.commune, role=Role.MAYOR).user
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_publish(actor=publisher(sheet.commune), sheet=sheet)
    with django_capture_on_commit_callbacks(execute=True):
        services.question_ask(
            actor=follower, sheet=sheet, title="Combien a coûté l'impression ?", body="Merci."
        )
    client = APIClient()
    client.force_authenticate(follower)
    [listed] = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert (listed["kind"], listed["type_label"], listed["title"]) == (
        "practice.published",
        "New good practice",
        "Budget citoyen",
    )
    assert listed["path"] == f"/bonnes-pratiques/{sheet.pk}/"
    client.force_authenticate(mayor)
    [question] = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert (question["kind"], question["type_label"]) == ("practice.question", "Question on a good practice")
    assert question["path"].startswith("/forum/")
