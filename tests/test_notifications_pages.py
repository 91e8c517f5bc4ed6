"""The notification pages. The preferences page: signed-in only, one section for all communes and one
per followed commune, saved through the preference service, without JavaScript, in French first. The
inbox: read and unread items told apart by more than colour, opening one marks it read (for its
recipient only) and goes to a path on this site, "mark all as read", and every tab's badge follows."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
    assert "Porto-Novo" not in html[html.index("<main") :]  # (the page names its zone, Africa/Porto-Novo)
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


# --- The inbox: reading -----------------------------------------------------------------------------

INBOX = "/notifications/"


def open_url(notification: Notification) -> str:
    return f"/notifications/{notification.pk}/ouvrir/"


class InboxItems(HTMLParser):
    """The inbox list as structure: per item, its state, link, title, commune and time."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []
        self.list_roles: list[str] = []
        self.mark_all_forms = 0
        self.csrf_in_mark_all = False
        self._in_mark_all = False
        self._capture: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "ul" and "notification-list" in classes:
            self.list_roles.append(a.get("role", ""))
        elif tag == "form" and "data-mark-all-read" in a:
            self.mark_all_forms += 1
            self._in_mark_all = a.get("method", "").lower() == "post"
        elif tag == "input" and self._in_mark_all and a.get("name") == "csrfmiddlewaretoken":
            self.csrf_in_mark_all = True
        elif tag == "li" and "notification" in classes:
            self.items.append({"classes": " ".join(classes), "read": a.get("data-read", ""), "flag": ""})
        elif self.items and tag == "a" and "notification-link" in classes:
            self.items[-1]["href"] = a.get("href", "")
        elif self.items and tag == "time":
            self.items[-1]["time"] = a.get("datetime", "")
        elif self.items and tag == "span" and "data-unread-flag" in a:
            self.items[-1]["flag"] = "yes"
        elif self.items and tag == "span" and {"notification-title", "notification-commune"} & set(classes):
            self._capture = "title" if "notification-title" in classes else "commune"
            self.items[-1][self._capture] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_mark_all = False
        if tag == "span":
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self.items[-1][self._capture] += data


def inbox_of(client: Client) -> InboxItems:
    response = client.get(INBOX)
    assert response.status_code == 200
    return InboxItems(response.content.decode())


def signed_in_reader():  # type: ignore[no-untyped-def]
    from tests.factories_notifications import NotificationFactory, OutboxEventFactory

    user = UserFactory()
    cotonou = CommuneFactory(name="Cotonou")
    payload = {"title": "Budget primitif 2026", "type_label": "Budget", "path": "/communes/cotonou/"}
    event = OutboxEventFactory(commune=cotonou, payload=payload)
    unread = NotificationFactory(recipient=user, event=event)
    read = NotificationFactory(recipient=user, read_at=timezone.now())
    client = Client()
    client.force_login(user)
    return user, client, unread, read


def test_the_open_link_is_wired_under_its_name():
    assert reverse("frontend:notif-open", args=[7]) == "/notifications/7/ouvrir/"


@pytest.mark.django_db
def test_read_and_unread_items_are_told_apart_by_structure_not_only_colour():
    # given a reader with one unread and one read notification
    _user, client, unread, read = signed_in_reader()
    # when the inbox is shown
    page = inbox_of(client)
    # then it is a real list, each item with its title, commune, time and a link that opens it
    assert page.list_roles == ["list"]
    by_href = {item["href"]: item for item in page.items}
    assert set(by_href) == {open_url(unread), open_url(read)}
    new, old = by_href[open_url(unread)], by_href[open_url(read)]
    assert "Budget primitif 2026" in new["title"] and new["commune"] == "Cotonou"
    assert all(item["title"].strip() and item["commune"].strip() and item["time"] for item in page.items)
    # and the unread one carries a state class, a data-read flag and a visible text label; the read one none
    assert ("notification--unread" in new["classes"], new["read"], new["flag"]) == (True, "false", "yes")
    assert ("notification--unread" in old["classes"], old["read"], old["flag"]) == (False, "true", "")
    assert "notification--read" in old["classes"]


@pytest.mark.django_db
def test_the_inbox_costs_the_same_queries_for_two_or_twelve_items():
    from tests.factories_notifications import NotificationFactory

    # given two readers, one with 2 notifications and one with 12
    def count(n: int) -> int:
        user = UserFactory()
        NotificationFactory.create_batch(n, recipient=user)
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert len(inbox_of(client).items) == n
        return len(queries)

    # then the page's query count does not grow with the items
    assert count(2) == count(12)


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_goes_to_its_target():
    # given a reader with two unread notifications
    user, client, unread, _read = signed_in_reader()
    from tests.factories_notifications import NotificationFactory

    other_unread = NotificationFactory(recipient=user)
    assert client.get(INBOX).context["notification_unread_count"] == 2
    # when they open the first one
    response = client.get(open_url(unread))
    # then it is read, they land on its page, and the badge counts one fewer
    assert (response.status_code, response["Location"]) == (302, "/communes/cotonou/")
    unread.refresh_from_db()
    other_unread.refresh_from_db()
    assert unread.read_at is not None and other_unread.read_at is None
    assert client.get(INBOX).context["notification_unread_count"] == 1
    # and opening it again keeps it read (the first reading time) and still follows it
    first_read_at = unread.read_at
    assert client.get(open_url(unread))["Location"] == "/communes/cotonou/"
    unread.refresh_from_db()
    assert unread.read_at == first_read_at


@pytest.mark.django_db
def test_opening_someone_elses_notification_is_404_and_changes_nothing():
    from tests.factories_notifications import NotificationFactory

    # given a reader, and another user's unread notification and e-mail row
    _user, client, _unread, _read = signed_in_reader()
    theirs = NotificationFactory()
    their_email = NotificationFactory(recipient=theirs.recipient, event=theirs.event, channel=Channel.EMAIL)
    # when the reader tries to open them, or ids that do not exist
    responses = [
        client.get(open_url(theirs)),
        client.get(open_url(their_email)),
        client.get("/notifications/999999/ouvrir/"),
        client.get(f"/notifications/{10**30}/ouvrir/"),
    ]
    # then each is a 404 and both stay unread
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    theirs.refresh_from_db()
    their_email.refresh_from_db()
    assert theirs.read_at is None and their_email.read_at is None


@pytest.mark.django_db
def test_an_e_mail_row_of_ones_own_is_not_opened_from_the_inbox():
    from tests.factories_notifications import NotificationFactory

    # given a reader's own e-mail notification (the inbox lists in-app rows only)
    user, client, _unread, _read = signed_in_reader()
    email_row = NotificationFactory(recipient=user, channel=Channel.EMAIL)
    # then it cannot be opened and stays as it was
    assert client.get(open_url(email_row)).status_code == 404
    email_row.refresh_from_db()
    assert email_row.read_at is None


@pytest.mark.django_db
def test_opening_needs_an_account_and_changes_nothing():
    # given someone's unread notification
    _user, _client, unread, _read = signed_in_reader()
    # when a visitor follows its link
    response = Client().get(open_url(unread))
    # then they are sent to sign in, and come back to the same link
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('frontend:login')}?next={open_url(unread)}"
    unread.refresh_from_db()
    assert unread.read_at is None


@pytest.mark.django_db
def test_opening_is_a_link_not_a_form():
    # given a reader
    _user, client, unread, _read = signed_in_reader()
    # when something POSTs to the link
    response = client.post(open_url(unread))
    # then it is refused and nothing is marked
    assert response.status_code == 405
    unread.refresh_from_db()
    assert unread.read_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\tevil",
        " /communes/",
        "javascript:alert(1)",
        "communes/cotonou/",
        "",
        None,
        42,
    ],
)
def test_a_target_off_this_site_is_not_followed(path):
    from tests.factories_notifications import NotificationFactory, OutboxEventFactory

    # given a notification whose payload names an unsafe (or no) target
    user = UserFactory()
    event = OutboxEventFactory(payload={"title": "x", "path": path})
    notification = NotificationFactory(recipient=user, event=event)
    client = Client()
    client.force_login(user)
    # when it is opened
    response = client.get(open_url(notification))
    # then it is read, and the reader goes back to the inbox instead
    assert (response.status_code, response["Location"]) == (302, INBOX)
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db
def test_a_payload_without_a_path_goes_back_to_the_inbox():
    from tests.factories_notifications import NotificationFactory, OutboxEventFactory

    user = UserFactory()
    notification = NotificationFactory(recipient=user, event=OutboxEventFactory(payload=["not", "a", "dict"]))
    client = Client()
    client.force_login(user)
    assert client.get(open_url(notification))["Location"] == INBOX


@pytest.mark.django_db
def test_mark_all_as_read_is_a_post_form_with_csrf_and_marks_only_ones_own():
    from tests.factories_notifications import NotificationFactory

    # given a reader with unread notifications, and someone else's
    user, client, _unread, _read = signed_in_reader()
    NotificationFactory(recipient=user)
    theirs = NotificationFactory()
    page = inbox_of(client)
    assert (page.mark_all_forms, page.csrf_in_mark_all) == (1, True)
    # when they submit it without the CSRF token
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(INBOX).status_code == 403
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 2
    # and then with the form
    response = client.post(INBOX)
    # then all theirs are read, the badge is gone, nobody else's changed, and the button is gone
    assert (response.status_code, response["Location"]) == (302, INBOX)
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    after = client.get(INBOX)
    assert after.context["notification_unread_count"] == 0
    assert InboxItems(after.content.decode()).mark_all_forms == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_reading_tells_the_readers_sockets_the_count_left_only_when_something_changed(monkeypatch):
    from tests.factories_notifications import NotificationFactory

    # given a reader with three unread notifications, listening on their personal group
    user, client, unread, _read = signed_in_reader()
    NotificationFactory.create_batch(2, recipient=user)
    heard = []

    monkeypatch.setattr(services, "send_to_user_on_commit", lambda *args: heard.append(args))
    # when they open one, open it again, then mark all read twice
    client.get(open_url(unread))
    client.get(open_url(unread))
    client.post(INBOX)
    client.post(INBOX)
    # then only the two changes were told, each with the count left
    assert heard == [
        (user.pk, "notification.read", {"unread_count": 2}),
        (user.pk, "notification.read", {"unread_count": 0}),
    ]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_opening_in_one_tab_updates_the_badge_in_the_others():
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from hub.asgi import application
    from tests.test_websocket_me import SAME_ORIGIN, session_cookie_for

    # given a reader with two tabs open on /ws/me/
    user, client, unread, _read = await sync_to_async(signed_in_reader)()
    key = await sync_to_async(session_cookie_for)(user)
    headers = [*SAME_ORIGIN, (b"cookie", f"sessionid={key}".encode())]
    tabs = [WebsocketCommunicator(application, "/ws/me/", headers=headers) for _ in range(2)]
    for tab in tabs:
        assert (await tab.connect())[0]
        assert (await tab.receive_json_from())["data"]["unread_count"] == 1
    # when they open the notification in a third tab (without JavaScript: the link)
    await sync_to_async(client.get)(open_url(unread))
    # then both open tabs hear the count left
    for tab in tabs:
        frame = await tab.receive_json_from(timeout=5)
        assert (frame["event"], frame["data"]) == ("notification.read", {"unread_count": 0})
    for tab in tabs:
        await tab.disconnect()
