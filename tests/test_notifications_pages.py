"""The notification preferences page: signed-in only, one section for all communes and one per followed
commune, saved through the preference service, without JavaScript, in French first."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.services.outbox import outbox_record
from notifications import services
from notifications.models import Channel, Notification, NotificationPreference, Status
from tests.factories import CommuneFactory, FollowFactory, UserFactory

URL = "/notifications/preferences/"


class FormFields(HTMLParser):
    """The preferences form as a browser would submit it, plus its labels' ``for`` targets."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.legends = 0
        self.in_form = False
        self.feed(html)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.in_form = "notif-prefs" in (dict(attrs).get("class") or "")
        if not self.in_form:
            return
        if tag == "input":
            self.inputs.append(dict(attrs))
        elif tag == "label":
            self.label_targets.add(dict(attrs).get("for") or "")
        elif tag == "legend":
            self.legends += 1

    def submitted(self) -> dict[str, str]:
        """What submitting the form unchanged sends (checked boxes and radios, hidden fields)."""
        data: dict[str, str] = {}
        for attrs in self.inputs:
            kind, name = attrs.get("type"), attrs.get("name") or ""
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                continue
            if kind == "checkbox":
                data[name] = "on"
            elif name != "csrfmiddlewaretoken":
                data[name] = attrs.get("value") or ""
        return data

    def names(self) -> set[str]:
        return {str(attrs.get("name")) for attrs in self.inputs if attrs.get("type") in ("checkbox", "radio")}


def page(client: Client) -> FormFields:
    response = client.get(URL)
    assert response.status_code == 200
    return FormFields(response.content.decode())


def signed_in_follower(*communes):  # type: ignore[no-untyped-def]
    user = UserFactory()
    for commune in communes:
        FollowFactory(user=user, commune=commune)
    client = Client()
    client.force_login(user)
    return user, client


def preferences_of(user) -> set[tuple[str | None, str, bool, bool]]:  # type: ignore[no-untyped-def]
    return {
        (p.commune.slug if p.commune else None, p.channel, p.enabled, p.daily_digest)
        for p in NotificationPreference.objects.filter(user=user).select_related("commune")
    }


def test_the_page_is_wired_under_its_name():
    assert reverse("frontend:notif-preferences") == URL


@pytest.mark.django_db
def test_the_page_needs_an_account():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('frontend:login')}?next={URL}"


@pytest.mark.django_db
def test_the_page_shows_what_applies_today_for_all_communes_and_each_followed_one(settings):
    # given a follower of two communes who muted e-mail for Cotonou, and no VAPID keys
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    cotonou, calavi = CommuneFactory(name="Cotonou"), CommuneFactory(name="Abomey-Calavi")
    CommuneFactory(name="Porto-Novo")
    user, client = signed_in_follower(cotonou, calavi)
    NotificationPreference.objects.create(user=user, channel=Channel.EMAIL, daily_digest=True)
    NotificationPreference.objects.create(user=user, commune=cotonou, channel=Channel.EMAIL, enabled=False)
    # when
    response = client.get(URL)
    html = response.content.decode()
    fields = FormFields(html)
    # then one section per scope, every box has a label, no push box without VAPID keys
    assert fields.legends == 3 * 2  # a scope's legend and its e-mail frequency legend
    assert html.index("Abomey-Calavi") < html.index("Cotonou")
    assert "Porto-Novo" not in html
    assert {
        f"{prefix}-{name}" for prefix in ("all", f"commune-{cotonou.pk}") for name in ("in_app", "email")
    } <= (fields.names())
    assert not any(name.endswith("-push") for name in fields.names())
    assert {str(attrs["id"]) for attrs in fields.inputs if attrs.get("type") in ("checkbox", "radio")} <= (
        fields.label_targets
    )
    # and what is checked is what the fan-out would do
    assert fields.submitted() == {
        "all-in_app": "on",
        "all-email": "on",
        "all-email_frequency": "daily",
        f"commune-{calavi.pk}-in_app": "on",
        f"commune-{calavi.pk}-email": "on",
        f"commune-{calavi.pk}-email_frequency": "daily",
        f"commune-{cotonou.pk}-in_app": "on",
        f"commune-{cotonou.pk}-email_frequency": "immediate",
    }
    assert "Cette commune a ses propres réglages." in html


@pytest.mark.django_db
def test_the_push_box_appears_only_when_push_is_configured(settings):
    # given push configured, and a follower of one commune
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"
    commune = CommuneFactory()
    _user, client = signed_in_follower(commune)
    # when
    fields = page(client)
    # then both sections have a push box, on by default
    assert {name for name in fields.names() if name.endswith("-push")} == {
        "all-push",
        f"commune-{commune.pk}-push",
    }
    assert {"all-push", f"commune-{commune.pk}-push"} <= set(fields.submitted())


@pytest.mark.django_db
def test_changing_all_communes_saves_one_row_and_followed_communes_follow_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given a follower of two communes with the defaults
    cotonou, calavi = CommuneFactory(slug="cotonou"), CommuneFactory(slug="abomey-calavi")
    user, client = signed_in_follower(cotonou, calavi)
    calls = []
    real = services.preference_set
    monkeypatch.setattr(services, "preference_set", lambda **kw: calls.append(kw) or real(**kw))
    data = page(client).submitted()
    # when they switch every e-mail to the daily digest, touching nothing else
    data["all-email_frequency"] = "daily"
    response = client.post(URL, data)
    # then one row is written, through the service, and the page says so
    assert response.status_code == 302
    assert response["Location"] == URL
    assert [(c["commune"], c["channel"], c["enabled"], c["daily_digest"]) for c in calls] == [
        (None, Channel.EMAIL, True, True)
    ]
    assert preferences_of(user) == {(None, "email", True, True)}
    following = client.get(URL)
    assert "Vos préférences de notification sont enregistrées." in following.content.decode()
    assert (
        FormFields(following.content.decode()).submitted()[f"commune-{cotonou.pk}-email_frequency"] == "daily"
    )
    # and the next publication of Cotonou waits for the digest
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_record(
            kind="document.published", commune=cotonou, obj=cotonou, payload={"title": "B"}, dedup_key="k"
        )
    assert Notification.objects.get(recipient=user, channel=Channel.EMAIL).status == Status.DIGEST
    assert mail.outbox == []


@pytest.mark.django_db
def test_changing_one_commune_saves_rows_for_that_commune_only():
    # given
    cotonou, calavi = CommuneFactory(slug="cotonou"), CommuneFactory(slug="abomey-calavi")
    user, client = signed_in_follower(cotonou, calavi)
    data = page(client).submitted()
    # when they stop in-app notifications and e-mails of Cotonou
    del data[f"commune-{cotonou.pk}-in_app"]
    del data[f"commune-{cotonou.pk}-email"]
    assert client.post(URL, data).status_code == 302
    # then
    assert preferences_of(user) == {("cotonou", "in_app", False, False), ("cotonou", "email", False, False)}
    fields = page(client)
    assert f"commune-{cotonou.pk}-in_app" not in fields.submitted()
    assert f"commune-{calavi.pk}-in_app" in fields.submitted()


@pytest.mark.django_db
def test_saving_the_page_unchanged_writes_nothing():
    user, client = signed_in_follower(CommuneFactory())
    assert client.post(URL, page(client).submitted()).status_code == 302
    assert not NotificationPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        {"all-email_frequency": "hourly"},
        {"all-email_frequency": ""},
    ],
    ids=["unknown frequency", "no frequency"],
)
def test_bad_input_is_refused_and_nothing_is_saved(tamper):
    # given
    user, client = signed_in_follower(CommuneFactory())
    data = {**page(client).submitted(), "all-email": "", **tamper}
    # when
    response = client.post(URL, data)
    # then the page comes back with the error and the user's input, and nothing is saved
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'href="#all-scope"' in html
    assert not NotificationPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_boxes_of_communes_not_followed_and_of_push_without_keys_are_ignored(settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    stranger = CommuneFactory()
    user, client = signed_in_follower(CommuneFactory())
    data = {**page(client).submitted(), "all-push": "", f"commune-{stranger.pk}-email_frequency": "daily"}
    assert client.post(URL, data).status_code == 302
    assert not NotificationPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_the_form_needs_its_csrf_token():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(URL, {"all-email_frequency": "daily", "all-in_app": "on"})
    assert response.status_code == 403
    assert not NotificationPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_two_or_eight_followed_communes():
    def queries_for(communes: int) -> int:
        _user, client = signed_in_follower(*CommuneFactory.create_batch(communes))
        with CaptureQueriesContext(connection) as queries:
            page(client)
        return len(queries)

    assert queries_for(2) == queries_for(8)


@pytest.mark.django_db
def test_the_page_speaks_english_to_english_speakers():
    _user, client = signed_in_follower(CommuneFactory())
    client.cookies["cp_lang"] = "en"
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All the communes I follow" in html
    assert "One e-mail a day listing every publication (daily digest)" in html
    assert "Toutes" not in html


@pytest.mark.django_db
def test_the_device_button_appears_only_when_push_is_configured(settings):
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    assert b"data-push-subscribe" not in client.get("/notifications/preferences/").content
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"
    page = client.get("/notifications/preferences/").content.decode()
    assert "data-push-subscribe" in page and "/api/v1/notifications/push-subscriptions/" in page
    assert "frontend/js/push.js" in page


@pytest.mark.django_db
def test_the_inbox_labels_forum_and_session_events_by_kind(client):
    from tests.factories_notifications import NotificationFactory, OutboxEventFactory

    # given a citizen with a publication, a forum reply and a live-session notification
    user = UserFactory(preferred_language="fr")
    for kind, payload in [
        ("document.published", {"title": "Budget 2026", "type_label": "Budget", "path": "/"}),
        ("forum.reply", {"title": "Caniveaux bouchés", "path": "/forum/sujets/1/"}),
        ("session.live", {"title": "Reddition de comptes", "path": "/seances/1/"}),
    ]:
        NotificationFactory(recipient=user, event=OutboxEventFactory(kind=kind, payload=payload))
    client.force_login(user)
    # when the inbox is shown in French
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # then each line says what happened, not an empty label
    assert "Budget :" in " ".join(html.split())
    assert "Nouvelle réponse" in html and "Caniveaux bouchés" in html
    assert "Reddition de comptes" in html and " — :" not in " ".join(html.split())
