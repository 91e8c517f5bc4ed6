"""The daily e-mail digest, the preferences API's bad inputs, and the admin where platform
administrators see failed deliveries and re-drive outbox events."""

from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from hub.models import OutboxEvent
from hub.services.outbox import outbox_record
from notifications import services, tasks
from notifications.models import Channel, Notification, NotificationPreference, Status
from tests.factories import AdminFactory, CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import NotificationFactory, OutboxEventFactory


def publish(commune, key: str, title: str, path: str = "/"):  # type: ignore[no-untyped-def]
    """What a publication service does: an outbox row in its transaction."""
    payload = {"title": title, "type": "budget", "type_label": "Budget", "path": path, "fiscal_year": 2026}
    with transaction.atomic():
        event, _created = outbox_record(
            kind="document.published", commune=commune, obj=commune, payload=payload, dedup_key=key
        )
    return event


def digest_reader(*communes, language: str = "fr", **user_fields):  # type: ignore[no-untyped-def]
    user = UserFactory(preferred_language=language, **user_fields)
    NotificationPreference.objects.create(user=user, channel=Channel.EMAIL, daily_digest=True)
    for commune in communes:
        FollowFactory(user=user, commune=commune)
    return user


def email_statuses(user) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(
        Notification.objects.filter(recipient=user, channel=Channel.EMAIL).values_list("status", flat=True)
    )


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The user-id chunks ``daily_digest_dispatch`` enqueues (the jobs still run, in-process)."""
    calls: list[list[int]] = []
    real = tasks.daily_digest_send.apply_async

    def spy(args=None, **options):  # type: ignore[no-untyped-def]
        calls.append(list(args[0]))
        return real(args=args, **options)

    monkeypatch.setattr(tasks.daily_digest_send, "apply_async", spy)
    return calls


# --- Fan-out ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_digest_readers_get_digest_rows_and_no_immediate_email(django_capture_on_commit_callbacks):
    # given a digest reader and an immediate reader of Cotonou
    cotonou = CommuneFactory(name="Cotonou")
    reader = digest_reader(cotonou)
    immediate = FollowFactory(commune=cotonou).user
    # when Cotonou publishes twice
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "doc:1", "Budget primitif 2026")
        publish(cotonou, "doc:2", "Compte administratif 2025")
    # then only the immediate reader is e-mailed now; the digest reader's e-mails wait
    assert email_statuses(reader) == [Status.DIGEST, Status.DIGEST]
    assert email_statuses(immediate) == [Status.SENT, Status.SENT]
    assert {tuple(m.to) for m in mail.outbox} == {(immediate.email,)}
    assert Notification.objects.filter(recipient=reader, channel=Channel.IN_APP).count() == 2


@pytest.mark.django_db
def test_a_digest_for_one_commune_only_leaves_the_others_immediate(django_capture_on_commit_callbacks):
    # given a reader who wants a digest for Cotonou only
    cotonou, calavi = CommuneFactory(), CommuneFactory()
    reader = UserFactory()
    FollowFactory(user=reader, commune=cotonou)
    FollowFactory(user=reader, commune=calavi)
    NotificationPreference.objects.create(
        user=reader, commune=cotonou, channel=Channel.EMAIL, daily_digest=True
    )
    # when both publish
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget")
        publish(calavi, "a:1", "Budget")
    # then
    statuses = dict(
        Notification.objects.filter(recipient=reader, channel=Channel.EMAIL).values_list(
            "event__commune", "status"
        )
    )
    assert statuses == {cotonou.pk: Status.DIGEST, calavi.pk: Status.SENT}
    assert len(mail.outbox) == 1


# --- The daily dispatch -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_daily_digest_sends_one_email_per_reader_with_pending_items(
    monkeypatch, settings, enqueued, django_capture_on_commit_callbacks
):
    # given readers with pending items (two communes for the first one), in French and in English
    monkeypatch.setattr(tasks, "DIGEST_CHUNK", 2)
    cotonou = CommuneFactory(name="Cotonou", slug="cotonou")
    calavi = CommuneFactory(name="Abomey-Calavi", slug="abomey-calavi")
    quiet = CommuneFactory(name="Kandi")
    francoise = digest_reader(cotonou, calavi)
    john = digest_reader(cotonou, language="en")
    awa = digest_reader(calavi)
    nothing_pending = digest_reader(quiet)
    immediate = FollowFactory(commune=cotonou).user
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget primitif 2026", "/communes/cotonou/documents/1/")
        publish(calavi, "a:1", "Compte administratif 2025", "/communes/abomey-calavi/documents/2/")
    mail.outbox.clear()
    # when the daily job runs (Celery beat at 07:00)
    with django_capture_on_commit_callbacks(execute=True):
        found = tasks.daily_digest_dispatch.apply_async().get()
    # then one job per chunk of readers WITH pending items, never for the others
    assert found == 3
    readers = sorted([francoise.pk, john.pk, awa.pk])
    assert enqueued == [readers[:2], readers[2:]]
    assert not {nothing_pending.pk, immediate.pk} & {pk for chunk in enqueued for pk in chunk}
    # and each reader gets exactly one e-mail, listing every pending item, in their language
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 3
    assert set(by_recipient) == {francoise.email, john.email, awa.email}
    first = by_recipient[francoise.email]
    assert first.subject == "Communes+ : 2 nouvelles publications"
    assert "Abomey-Calavi: Budget 2026 — Compte administratif 2025" in first.body
    assert "Cotonou: Budget 2026 — Budget primitif 2026" in first.body
    assert first.body.index("Abomey-Calavi") < first.body.index("Cotonou")
    assert f"{settings.SITE_URL.rstrip('/')}/communes/cotonou/documents/1/" in first.body
    assert "/notifications/desabonnement/" in first.extra_headers["List-Unsubscribe"]
    assert by_recipient[john.email].subject == "Communes+: 1 new publication"
    assert "Budget primitif 2026" in by_recipient[john.email].body
    assert by_recipient[awa.email].subject == "Communes+ : 1 nouvelle publication"
    assert "Budget primitif" not in by_recipient[awa.email].body
    # and every digest row is sent
    assert not Notification.objects.filter(status=Status.DIGEST).exists()
    assert email_statuses(francoise) == [Status.SENT, Status.SENT]
    assert not Notification.objects.filter(
        status=Status.SENT, channel=Channel.EMAIL, sent_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_running_the_daily_digest_again_sends_nothing(enqueued, django_capture_on_commit_callbacks):
    # given a digest already sent
    cotonou = CommuneFactory()
    digest_reader(cotonou)
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget")
    assert tasks.daily_digest_dispatch.apply_async().get() == 1
    assert len(mail.outbox) == 1
    # when the job runs again (a retry, or the next day without news)
    found = tasks.daily_digest_dispatch.apply_async().get()
    # then nothing is enqueued nor sent
    assert found == 0
    assert len(enqueued) == 1
    assert len(mail.outbox) == 1
    # and a chunk job run twice (a redelivered message) sends nothing either
    assert tasks.daily_digest_send.apply_async(args=[enqueued[0]]).get() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unsubscribing_drops_the_items_waiting_for_the_digest(django_capture_on_commit_callbacks):
    # given a digest reader with a pending item
    cotonou = CommuneFactory()
    reader = digest_reader(cotonou)
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget")
    # when they follow the unsubscribe link of an earlier e-mail
    services.email_unsubscribe(target=services.UnsubscribeTarget(user=reader, commune=None))
    # then the digest has nothing for them
    assert tasks.daily_digest_dispatch.apply_async().get() == 0
    assert mail.outbox == []


class RefusingBackend(LocmemBackend):
    """An SMTP server that refuses one mailbox (``SMTPRecipientsRefused``), as real servers do."""

    refused = "refused@example.bj"

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for message in messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no such mailbox")})
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_refused_address_does_not_stop_the_digest_of_the_others(
    settings, django_capture_on_commit_callbacks
):
    # given two digest readers, the first one's mailbox refused by the server
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    cotonou = CommuneFactory()
    refused = digest_reader(cotonou, email=RefusingBackend.refused)
    other = digest_reader(cotonou)
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget")
    # when their chunk is sent
    tasks.daily_digest_send([refused.pk, other.pk])
    # then the other reader has their digest, and the refused one's items failed for good
    assert [m.to for m in mail.outbox] == [[other.email]]
    assert email_statuses(other) == [Status.SENT]
    assert email_statuses(refused) == [Status.FAILED]


@pytest.mark.django_db
def test_no_digest_goes_to_a_reader_who_removed_their_email_address(django_capture_on_commit_callbacks):
    # given a digest reader with a pending item, who then signs in by phone only
    cotonou = CommuneFactory()
    reader = digest_reader(cotonou, phone="+2290197000042")
    with django_capture_on_commit_callbacks(execute=True):
        publish(cotonou, "c:1", "Budget")
    reader.email = None
    reader.save(update_fields=["email"])
    # when the daily job runs
    tasks.daily_digest_dispatch.apply_async().get()
    # then no e-mail goes to a made-up address
    assert [m.to for m in mail.outbox] == []


# --- Preferences API: round trip and bad inputs ----------------------------------------------------


@pytest.mark.django_db
def test_preferences_api_saves_updates_and_lists_preferences():
    # given
    cotonou = CommuneFactory(slug="cotonou")
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    url = "/api/v1/notifications/preferences/"
    # when
    digest = {"channel": "email", "enabled": True, "daily_digest": True, "commune": None}
    assert api.put(url, digest, format="json").json() == digest
    assert (
        api.put(url, {"channel": "in_app", "enabled": False, "commune": "cotonou"}, format="json").status_code
        == 200
    )
    assert (
        api.put(url, {"channel": "in_app", "enabled": True, "commune": "cotonou"}, format="json").status_code
        == 200
    )
    # then one row per (commune, channel), the last value kept
    listed = api.get(url).json()
    assert sorted(listed, key=lambda p: p["channel"]) == [
        {"commune": None, "channel": "email", "enabled": True, "daily_digest": True},
        {"commune": "cotonou", "channel": "in_app", "enabled": True, "daily_digest": False},
    ]
    assert NotificationPreference.objects.filter(user=user, commune=cotonou).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled": True}, "channel"),
        ({"channel": "email"}, "enabled"),
        ({"channel": "email", "enabled": True, "daily_digest": "sometimes"}, "daily_digest"),
        ({"channel": "in_app", "enabled": True, "daily_digest": True}, "daily_digest"),
        ({"channel": "email", "enabled": True, "commune": "Cotonou centre!"}, "commune"),
        ({"channel": "", "enabled": True}, "channel"),
        ([{"channel": "email", "enabled": True}], "non_field_errors"),
    ],
    ids=[
        "no channel",
        "no enabled",
        "digest not boolean",
        "digest for in-app",
        "bad slug",
        "empty channel",
        "list",
    ],
)
def test_preferences_reject_more_bad_input(body, field):
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.put("/api/v1/notifications/preferences/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_preferences_api_needs_an_account():
    response = APIClient().put("/api/v1/notifications/preferences/", {"channel": "email", "enabled": False})
    assert response.status_code in (401, 403)
    assert APIClient().get("/api/v1/notifications/preferences/").status_code in (401, 403)
    assert not NotificationPreference.objects.exists()


# --- Admin: failed deliveries and outbox re-drive ---------------------------------------------------


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(AdminFactory())
    return client


@pytest.mark.django_db
def test_admins_see_failed_deliveries_with_their_error(admin_client):
    # given a delivery that failed for good and one that was sent
    failed = NotificationFactory(
        channel=Channel.PUSH,
        status=Status.FAILED,
        attempts=6,
        last_error="410: Push failed: 410 Gone",
        recipient__email="perdu@example.bj",
    )
    NotificationFactory(channel=Channel.EMAIL, status=Status.SENT, recipient__email="recu@example.bj")
    # when they open the failed filter
    response = admin_client.get("/admin/notifications/notification/", {"status__exact": "failed"})
    # then only the failed one is listed, with its error
    html = response.content.decode()
    assert response.status_code == 200
    assert "410: Push failed: 410 Gone" in html
    assert f"/admin/notifications/notification/{failed.pk}/change/" in html
    assert "recu@example.bj" not in html and str(failed.recipient) in html
    # and they can search by e-mail, and read a row but not change, add or delete one
    found = admin_client.get("/admin/notifications/notification/", {"q": "recu@example.bj"}).content.decode()
    assert "410: Push failed" not in found
    assert admin_client.get(f"/admin/notifications/notification/{failed.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/notifications/notification/{failed.pk}/change/", {}).status_code == 403
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403
    assert admin_client.get(f"/admin/notifications/notification/{failed.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_admins_see_unprocessed_outbox_events_and_the_failed_deliveries_of_each(admin_client):
    # given an event stuck after two tries and a processed one with a failed delivery
    stuck = OutboxEventFactory(attempts=2, last_error="OperationalError: database is locked")
    done = OutboxEventFactory(processed_at=timezone.now())
    NotificationFactory(
        event=done, channel=Channel.EMAIL, status=Status.FAILED, last_error="550 no such mailbox"
    )
    NotificationFactory(channel=Channel.EMAIL, status=Status.FAILED, last_error="another event")
    # when they list the events not processed yet
    response = admin_client.get("/admin/hub/outboxevent/", {"processed_at__isempty": "1"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "OperationalError: database is locked" in html
    assert f"/admin/hub/outboxevent/{done.pk}/change/" not in html
    assert f"/admin/hub/outboxevent/{stuck.pk}/change/" in html
    # and the failed deliveries of one event are one click away
    failed = admin_client.get(
        "/admin/notifications/notification/", {"event__exact": done.pk, "status__exact": "failed"}
    )
    assert failed.status_code == 200
    assert "550 no such mailbox" in failed.content.decode()
    assert "another event" not in failed.content.decode()


@pytest.mark.django_db
def test_the_redrive_action_enqueues_the_unprocessed_selected_events_only(admin_client, monkeypatch):
    # given a stuck event of a commune with a follower, and a processed event
    commune = CommuneFactory()
    follower = FollowFactory(commune=commune).user
    stuck = OutboxEventFactory(commune=commune, attempts=1, last_error="broker down")
    done = OutboxEventFactory(processed_at=timezone.now())
    enqueued: list[int] = []
    real = tasks.outbox_event_dispatch.apply_async
    monkeypatch.setattr(
        tasks.outbox_event_dispatch,
        "apply_async",
        lambda args=None, **kw: enqueued.append(args[0]) or real(args=args, **kw),
    )
    assert 'value="redrive_events"' in admin_client.get("/admin/hub/outboxevent/").content.decode()
    # when the admin re-drives both
    response = admin_client.post(
        "/admin/hub/outboxevent/",
        {"action": "redrive_events", "_selected_action": [stuck.pk, done.pk], "index": "0"},
        follow=True,
    )
    # then only the stuck one is enqueued, and it runs (in-process here)
    assert response.status_code == 200
    assert enqueued == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.processed_at is not None
    assert Notification.objects.filter(event=stuck, recipient=follower, channel=Channel.IN_APP).exists()
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 2
    assert OutboxEvent.objects.get(pk=done.pk).attempts == 0


@pytest.mark.django_db
def test_staff_who_may_only_view_events_cannot_redrive_them(monkeypatch):
    # given a staff member allowed to view outbox events, not to change them
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboxevent"))
    client = Client()
    client.force_login(staff)
    stuck = OutboxEventFactory()
    enqueued: list[int] = []
    monkeypatch.setattr(
        tasks.outbox_event_dispatch, "apply_async", lambda args=None, **kw: enqueued.append(args[0])
    )
    # when
    listing = client.get("/admin/hub/outboxevent/")
    client.post(
        "/admin/hub/outboxevent/", {"action": "redrive_events", "_selected_action": [stuck.pk], "index": "0"}
    )
    # then they see the events but the action is neither offered nor run
    assert listing.status_code == 200
    assert f"/admin/hub/outboxevent/{stuck.pk}/change/" in listing.content.decode()
    assert "redrive_events" not in listing.content.decode()
    assert enqueued == []
    # and a citizen does not get into the admin at all
    citizen = Client()
    citizen.force_login(UserFactory())
    assert citizen.get("/admin/hub/outboxevent/").status_code == 302


@pytest.mark.django_db
def test_admins_read_preferences_and_subscriptions_without_the_browser_keys(admin_client):
    # given
    user = UserFactory(email="lecteur@example.bj")
    preference = NotificationPreference.objects.create(user=user, channel=Channel.EMAIL, daily_digest=True)
    subscription = services.push_subscription_save(
        user=user,
        endpoint="https://push.example/abc",
        p256dh="BPUBLIC-KEY-OF-BROWSER",
        auth="AUTH-SECRET-XYZ",
    )
    UserFactory(display_name="Quelqu'un d'autre")
    NotificationPreference.objects.create(
        user=UserFactory(display_name="Autre Lecteur"), channel=Channel.PUSH
    )
    # then both are listed and searchable by e-mail; the keys never appear
    found = admin_client.get("/admin/notifications/notificationpreference/", {"q": "lecteur@example"})
    assert f"/admin/notifications/notificationpreference/{preference.pk}/change/" in found.content.decode()
    assert "Autre Lecteur" not in found.content.decode()
    detail = admin_client.get(
        f"/admin/notifications/pushsubscription/{subscription.pk}/change/"
    ).content.decode()
    assert "https://push.example/abc" in detail
    assert "AUTH-SECRET-XYZ" not in detail and "BPUBLIC-KEY-OF-BROWSER" not in detail
    assert "push.example" in admin_client.get("/admin/notifications/pushsubscription/").content.decode()
    # and deleting a preference gives the default back (allowed), changing it is not
    assert (
        admin_client.post(
            f"/admin/notifications/notificationpreference/{preference.pk}/change/", {"enabled": "on"}
        ).status_code
        == 403
    )
    admin_client.post(f"/admin/notifications/notificationpreference/{preference.pk}/delete/", {"post": "yes"})
    assert not NotificationPreference.objects.filter(pk=preference.pk).exists()
