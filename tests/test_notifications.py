"""Notifications: exactly-once fan-out from the outbox, preferences, e-mail with unsubscribe, the
inbox API, and the live badge over /ws/me/."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hub.asgi import application
from hub.models import OutboxEvent
from hub.services.communes import commune_follow
from hub.services.outbox import outbox_record
from notifications import services
from notifications.models import Channel, Notification, NotificationPreference, Status
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import NotificationFactory, OutboxEventFactory
from tests.test_websocket_me import SAME_ORIGIN, session_cookie_for


def publish(commune, key="doc:1", title="Budget primitif 2026"):
    """What a publication service does: an outbox row in its transaction."""
    payload = {"title": title, "type": "budget", "type_label": "Budget", "path": "/", "fiscal_year": 2026}
    with transaction.atomic():
        event, _created = outbox_record(
            kind="document.published", commune=commune, obj=commune, payload=payload, dedup_key=key
        )
    return event


@pytest.mark.django_db
def test_publication_notifies_every_follower_once_per_channel(django_capture_on_commit_callbacks):
    # given three followers with different preferences, and a non-follower
    commune = CommuneFactory()
    plain = FollowFactory(commune=commune).user
    phone_only = FollowFactory(commune=commune, user__email=None, user__phone="+2290197000001").user
    muted = FollowFactory(commune=commune).user
    NotificationPreference.objects.create(user=muted, commune=commune, channel=Channel.IN_APP, enabled=False)
    digest = FollowFactory(commune=commune).user
    NotificationPreference.objects.create(user=digest, channel=Channel.EMAIL, daily_digest=True)
    UserFactory()
    # when the publication commits (tasks run in-process here)
    with django_capture_on_commit_callbacks(execute=True):
        event = publish(commune)
    # then
    in_app = set(Notification.objects.filter(channel=Channel.IN_APP).values_list("recipient_id", flat=True))
    assert in_app == {plain.pk, phone_only.pk, digest.pk}
    emails = dict(Notification.objects.filter(channel=Channel.EMAIL).values_list("recipient_id", "status"))
    assert emails == {plain.pk: Status.SENT, muted.pk: Status.SENT, digest.pk: Status.DIGEST}
    assert {m.to[0] for m in mail.outbox} == {plain.email, muted.email}
    event.refresh_from_db()
    assert event.processed_at is not None


@pytest.mark.django_db
def test_running_the_fan_out_again_adds_nothing():
    # given
    commune = CommuneFactory()
    FollowFactory.create_batch(5, commune=commune)
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    # when the same event is dispatched again, even after its mark is lost (a re-drive)
    OutboxEvent.objects.filter(pk=event.pk).update(processed_at=None)
    services.outbox_event_fan_out(event_id=event.pk)
    # then
    assert Notification.objects.filter(channel=Channel.IN_APP).count() == 5
    assert Notification.objects.filter(channel=Channel.EMAIL).count() == 5


@pytest.mark.django_db
def test_double_submission_of_a_publication_is_one_event_and_one_fan_out(django_capture_on_commit_callbacks):
    commune = CommuneFactory()
    FollowFactory(commune=commune)
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(commune, key="doc:7")
        second = publish(commune, key="doc:7")
    assert first.pk == second.pk
    assert OutboxEvent.objects.count() == 1
    assert Notification.objects.filter(channel=Channel.IN_APP).count() == 1


@pytest.mark.django_db
def test_fan_out_cost_in_queries_depends_on_batches_not_on_followers(settings):
    """Four batches of 10 followers and four batches of 50 cost the same number of queries."""

    def queries_for(followers: int, batch: int) -> int:
        settings.NOTIFICATION_BATCH_SIZE = batch
        commune = CommuneFactory()
        FollowFactory.create_batch(followers, commune=commune)
        event = OutboxEventFactory(commune=commune)
        with CaptureQueriesContext(connection) as queries:
            result = services.outbox_event_fan_out(event_id=event.pk)
        assert (result.followers, result.in_app) == (followers, followers)
        return len(queries)

    assert queries_for(40, 10) == queries_for(200, 50)


@pytest.mark.django_db
def test_email_carries_an_unsubscribe_link_that_works(django_capture_on_commit_callbacks):
    # given
    commune = CommuneFactory(name="Cotonou", slug="cotonou")
    user = FollowFactory(commune=commune, user__preferred_language="fr").user
    with django_capture_on_commit_callbacks(execute=True):
        publish(commune)
    message = mail.outbox[0]
    assert message.subject == "Cotonou : Budget primitif 2026"
    link = re.search(r"https?://\S+/notifications/desabonnement/\S+/", message.body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    path = link.split("://", 1)[1].split("/", 1)[1]
    # when the link is followed (GET asks; a one-click POST acts, without CSRF token)
    assert Client().get(f"/{path}").status_code == 200
    assert Client(enforce_csrf_checks=True).post(f"/{path}").status_code == 200
    # then the next publication is not e-mailed
    with django_capture_on_commit_callbacks(execute=True):
        publish(commune, key="doc:2")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=user, channel=Channel.IN_APP).count() == 2


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_is_refused():
    response = Client().post("/notifications/desabonnement/forged-token/")
    assert response.status_code == 400


@pytest.mark.django_db
def test_inbox_api_lists_counts_and_marks_read():
    # given
    user = UserFactory()
    mine = NotificationFactory.create_batch(3, recipient=user)
    theirs = NotificationFactory()
    api = APIClient()
    api.force_authenticate(user)
    # then
    listing = api.get("/api/v1/notifications/").json()
    assert [n["id"] for n in listing["results"]] == [n.pk for n in reversed(mine)]
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread_count": 3}
    assert api.post(f"/api/v1/notifications/{mine[0].pk}/read/").json()["is_read"] is True
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"unread_count": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_inbox_query_count_is_constant(django_assert_num_queries):
    user = UserFactory()
    NotificationFactory.create_batch(12, recipient=user)
    api = APIClient()
    api.force_authenticate(user)
    with django_assert_num_queries(1):
        assert len(api.get("/api/v1/notifications/").json()["results"]) == 12


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "pigeon", "enabled": False}, "channel"),
        ({"channel": "in_app", "enabled": "maybe"}, "enabled"),
        ({"channel": "push", "enabled": True, "daily_digest": True}, "daily_digest"),
        ({"channel": "email", "enabled": False, "commune": "atlantide"}, None),
    ],
)
def test_preferences_reject_bad_input(body, field):
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.put("/api/v1/notifications/preferences/", body, format="json")
    assert response.status_code == (404 if field is None else 400)
    if field:
        assert field in response.json()["error"]["fields"]
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example/abc", "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": "https://push.example/abc", "keys": {"p256dh": "x"}},
        {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}},
    ],
)
def test_push_subscriptions_reject_bad_input(body):
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.post("/api/v1/notifications/push-subscriptions/", body, format="json").status_code == 400


def test_notification_api_needs_an_account(db):
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_badge_count_arrives_live_and_follows_new_follows():
    # given a signed-in follower of Cotonou with a socket open, who then follows Calavi too
    cotonou = await sync_to_async(CommuneFactory)(slug="cotonou")
    calavi = await sync_to_async(CommuneFactory)(slug="abomey-calavi")
    user = await sync_to_async(UserFactory)()
    await sync_to_async(FollowFactory)(user=user, commune=cotonou)
    key = await sync_to_async(session_cookie_for)(user)
    ws = WebsocketCommunicator(
        application, "/ws/me/", headers=[*SAME_ORIGIN, (b"cookie", f"sessionid={key}".encode())]
    )
    assert (await ws.connect())[0]
    hello = await ws.receive_json_from()
    assert hello["data"]["unread_count"] == 0
    await sync_to_async(commune_follow)(user=user, commune=calavi)
    assert (await ws.receive_json_from())["event"] == "follows.changed"
    # when both communes publish
    await sync_to_async(publish)(cotonou, key="c:1")
    await sync_to_async(publish)(calavi, key="a:1", title="Compte administratif 2025")
    # then the socket hears both, after the rows exist
    frames = [await ws.receive_json_from(timeout=5), await ws.receive_json_from(timeout=5)]
    assert {f["data"]["commune"] for f in frames} == {"cotonou", "abomey-calavi"}
    assert all(f["event"] == "notification.new" for f in frames)
    count = await sync_to_async(Notification.objects.filter(recipient=user, channel="in_app").count)()
    assert count == 2
    await ws.disconnect()
