"""Web Push for real: pywebpush encrypts for a real P-256 browser key pair and POSTs to a push
service that is a real HTTP server on 127.0.0.1; the test checks the VAPID signature and decrypts
what the push service received, as the browser would."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core import mail
from django.db import transaction
from py_vapid import Vapid02
from rest_framework.test import APIClient

from hub.services.outbox import outbox_record
from notifications import delivery, services
from notifications.models import Channel, Notification, NotificationPreference, PushSubscription, Status
from tests.conftest import free_port
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import OutboxEventFactory

DOCUMENT_PATH = "/communes/cotonou/documents/7/"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- A push service on 127.0.0.1 ------------------------------------------------------------------

STATUS_BY_PREFIX = {"gone": 410, "broken": 500}


@dataclass(frozen=True)
class ReceivedPush:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class PushService:
    """Answers 201 Created, 410 Gone under ``/gone/`` and 500 under ``/broken/``; records every POST."""

    def __init__(self) -> None:
        self.received: list[ReceivedPush] = []
        lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    service.received.append(
                        ReceivedPush(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(STATUS_BY_PREFIX.get(self.path.split("/")[1], 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def endpoint(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def paths(self) -> list[str]:
        return [push.path for push in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def push_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # requests must reach it directly, whatever the machine
    service = PushService()
    yield service
    service.stop()


@pytest.fixture
def vapid(settings):  # type: ignore[no-untyped-def]
    """A fresh VAPID key pair in the settings, in the format ``manage.py vapid_keys`` prints."""
    keys = Vapid02()
    keys.generate_keys()
    settings.VAPID_PRIVATE_KEY = b64url(keys.private_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = b64url(
        keys.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    settings.VAPID_SUBJECT = "mailto:push-test@communesplus.bj"
    return settings


# --- A browser's subscription ---------------------------------------------------------------------


@dataclass(frozen=True)
class BrowserKeys:
    private_key: ec.EllipticCurvePrivateKey
    p256dh: str
    auth_secret: bytes

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


def browser_keys() -> BrowserKeys:
    """What ``PushManager.subscribe()`` generates: a P-256 key pair and a 16-byte auth secret."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return BrowserKeys(private_key, b64url(public), os.urandom(16))


def subscribe(user, endpoint: str) -> BrowserKeys:  # type: ignore[no-untyped-def]
    # The service layer: the API accepts only https endpoints, and this push service speaks http.
    keys = browser_keys()
    services.push_subscription_save(user=user, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
    return keys


def decrypt(push: ReceivedPush, keys: BrowserKeys) -> dict[str, str]:
    plain = http_ece.decrypt(
        push.body, private_key=keys.private_key, auth_secret=keys.auth_secret, version="aes128gcm"
    )
    return dict(json.loads(plain))


def vapid_claims(authorization: str, public_key: str) -> dict[str, object]:
    """Check ``vapid t=<JWT>,k=<key>`` as a push service does (RFC 8292) and return the JWT claims."""
    match = re.fullmatch(r"vapid t=([\w-]+)\.([\w-]+)\.([\w-]+),k=([\w-]+)", authorization)
    assert match, authorization
    header, claims, signature, key = match.groups()
    assert key == public_key
    raw = unb64url(signature)
    assert len(raw) == 64
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    verifier.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    return dict(json.loads(unb64url(claims)))


def publish(commune, key: str = "doc:7", title: str = "Budget primitif 2026"):  # type: ignore[no-untyped-def]
    """What a publication service does: an outbox row in its transaction."""
    payload = {"title": title, "type": "budget", "type_label": "Budget", "path": DOCUMENT_PATH}
    with transaction.atomic():
        event, _created = outbox_record(
            kind="document.published", commune=commune, obj=commune, payload=payload, dedup_key=key
        )
    return event


def push_row(user) -> Notification:  # type: ignore[no-untyped-def]
    return Notification.objects.get(recipient=user, channel=Channel.PUSH)


# --- Fan-out ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fan_out_creates_push_rows_only_for_subscribed_followers_with_push_on(vapid):
    # given followers of Cotonou with and without a subscription, with and without push
    commune = CommuneFactory(name="Cotonou")
    subscribed = FollowFactory(commune=commune).user
    muted_here = FollowFactory(commune=commune).user
    NotificationPreference.objects.create(
        user=muted_here, commune=commune, channel=Channel.PUSH, enabled=False
    )
    muted_elsewhere = FollowFactory(commune=commune).user
    NotificationPreference.objects.create(user=muted_elsewhere, channel=Channel.PUSH, enabled=False)
    NotificationPreference.objects.create(
        user=muted_elsewhere, commune=commune, channel=Channel.PUSH, enabled=True
    )
    muted_everywhere = FollowFactory(commune=commune).user
    NotificationPreference.objects.create(user=muted_everywhere, channel=Channel.PUSH, enabled=False)
    for user in (subscribed, muted_here, muted_elsewhere, muted_everywhere):
        subscribe(user, f"https://push.example/{user.pk}")
    not_subscribed = FollowFactory(commune=commune).user
    stranger = UserFactory()
    subscribe(stranger, "https://push.example/stranger")
    event = OutboxEventFactory(commune=commune)
    # when
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then only subscribed followers whose push is on (here or everywhere) get a push row
    pushed = set(Notification.objects.filter(channel=Channel.PUSH).values_list("recipient_id", flat=True))
    assert pushed == {subscribed.pk, muted_elsewhere.pk}
    assert set(Notification.objects.filter(channel=Channel.PUSH).values_list("status", flat=True)) == {
        Status.PENDING
    }
    assert (result.followers, result.in_app, result.push) == (5, 5, 2)
    assert not_subscribed.pk in set(
        Notification.objects.filter(channel=Channel.IN_APP).values_list("recipient_id", flat=True)
    )


@pytest.mark.django_db
def test_without_vapid_keys_there_is_no_push_row_and_nothing_to_deliver(settings):
    # given a subscribed follower but no VAPID key pair configured
    settings.VAPID_PRIVATE_KEY = ""
    commune = CommuneFactory()
    subscribe(FollowFactory(commune=commune).user, "https://push.example/a")
    event = OutboxEventFactory(commune=commune)
    # when
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then
    assert result.push == 0
    assert not Notification.objects.filter(channel=Channel.PUSH).exists()
    assert delivery.push_deliver(event_id=event.pk) == delivery.DeliveryResult(0, 0, 0)


# --- Delivery ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_publication_is_pushed_encrypted_and_signed_to_every_device(
    vapid, push_service, django_capture_on_commit_callbacks
):
    # given a follower of Cotonou subscribed on a phone and a laptop
    commune = CommuneFactory(name="Cotonou", slug="cotonou")
    user = FollowFactory(commune=commune).user
    phone = subscribe(user, push_service.endpoint("/push/phone"))
    laptop = subscribe(user, push_service.endpoint("/push/laptop"))
    before = int(time.time())
    # when the publication commits (fan-out and delivery run in-process here)
    with django_capture_on_commit_callbacks(execute=True):
        publish(commune)
    # then each device received one encrypted message that only its keys open
    assert sorted(push_service.paths()) == ["/push/laptop", "/push/phone"]
    expected = {"title": "Cotonou", "body": "Budget primitif 2026", "url": DOCUMENT_PATH}
    for push in push_service.received:
        keys = phone if push.path == "/push/phone" else laptop
        assert push.headers["content-encoding"] == "aes128gcm"
        assert push.headers["ttl"] == str(24 * 3600)
        assert b"Budget" not in push.body
        assert decrypt(push, keys) == expected
        claims = vapid_claims(push.headers["authorization"], vapid.VAPID_PUBLIC_KEY)
        assert claims["aud"] == push_service.origin
        assert claims["sub"] == "mailto:push-test@communesplus.bj"
        assert before + 3600 < int(str(claims["exp"])) <= int(time.time()) + 24 * 3600
    with pytest.raises(http_ece.ECEException):
        decrypt(push_service.received[0], laptop if push_service.received[0].path == "/push/phone" else phone)
    # and the push is recorded as sent, once
    row = push_row(user)
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 0, "")
    assert row.sent_at is not None
    assert PushSubscription.objects.filter(user=user, last_success_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_gone_subscription_is_forgotten_and_its_push_fails_for_good(vapid, push_service):
    # given a follower whose only subscription the browser has dropped (the push service says 410)
    commune = CommuneFactory()
    user = FollowFactory(commune=commune).user
    subscribe(user, push_service.endpoint("/gone/old-phone"))
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    # when
    result = delivery.push_deliver(event_id=event.pk)
    # then the subscription is deleted and the notification is failed (retrying cannot help)
    assert push_service.paths() == ["/gone/old-phone"]
    assert result == delivery.DeliveryResult(sent=0, failed=1, remaining=0)
    assert not PushSubscription.objects.filter(user=user).exists()
    row = push_row(user)
    assert (row.status, row.attempts, row.sent_at) == (Status.FAILED, 1, None)
    assert row.last_error.startswith("410")
    # and delivering again sends nothing more
    assert delivery.push_deliver(event_id=event.pk) == delivery.DeliveryResult(0, 0, 0)
    assert len(push_service.received) == 1


@pytest.mark.django_db
def test_a_gone_device_does_not_fail_the_push_to_the_other_devices(vapid, push_service):
    # given a follower with a dropped subscription and a working one
    commune = CommuneFactory()
    user = FollowFactory(commune=commune).user
    subscribe(user, push_service.endpoint("/gone/old-phone"))
    laptop = subscribe(user, push_service.endpoint("/push/laptop"))
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    # when
    result = delivery.push_deliver(event_id=event.pk)
    # then
    assert sorted(push_service.paths()) == ["/gone/old-phone", "/push/laptop"]
    assert (result.sent, result.failed, result.remaining) == (1, 0, 0)
    assert list(PushSubscription.objects.filter(user=user).values_list("p256dh", flat=True)) == [
        laptop.p256dh
    ]
    assert push_row(user).status == Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("outage", ["server error", "connection refused"])
def test_a_push_outage_never_blocks_in_app_or_email(
    outage, vapid, push_service, settings, django_capture_on_commit_callbacks
):
    # given a follower whose push service fails (500) or cannot be reached at all
    settings.DELIVERY_MAX_ATTEMPTS = 3
    commune = CommuneFactory(name="Cotonou", slug="cotonou")
    user = FollowFactory(commune=commune).user
    if outage == "server error":
        endpoint = push_service.endpoint("/broken/phone")
    else:
        endpoint = f"http://127.0.0.1:{free_port()}/push/phone"
    subscribe(user, endpoint)
    # when the publication commits (in-process, the push task's retry is not run)
    with django_capture_on_commit_callbacks(execute=True):
        event = publish(commune)
    # then the in-app notification and the e-mail are there, the push waits for a retry
    assert Notification.objects.get(recipient=user, channel=Channel.IN_APP).status == Status.SENT
    assert Notification.objects.get(recipient=user, channel=Channel.EMAIL).status == Status.SENT
    assert [m.to for m in mail.outbox] == [[user.email]]
    row = push_row(user)
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error.startswith("500" if outage == "server error" else "ConnectionError")
    # when the worker retries up to DELIVERY_MAX_ATTEMPTS
    retries = [delivery.push_deliver(event_id=event.pk) for _ in range(2)]
    # then the push is given up for good, the subscription kept (the service may come back)
    assert [r.remaining for r in retries] == [1, 0]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (Status.FAILED, 3, None)
    assert PushSubscription.objects.filter(user=user, endpoint=endpoint).exists()
    assert len(push_service.received) == (3 if outage == "server error" else 0)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_subscription_with_unusable_keys_does_not_stop_the_push_to_others(vapid, push_service):
    # given a follower whose client sent keys that are not a P-256 point (the API accepts them today)
    commune = CommuneFactory()
    broken = FollowFactory(commune=commune).user
    services.push_subscription_save(
        user=broken, endpoint=push_service.endpoint("/push/junk"), p256dh="x", auth="y"
    )
    others = [FollowFactory(commune=commune).user for _ in range(2)]
    for user in others:
        subscribe(user, push_service.endpoint(f"/push/{user.pk}"))
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    # when
    delivery.push_deliver(event_id=event.pk)
    # then the others are pushed and the unusable subscription's push is not sent
    assert sorted(push_service.paths()) == sorted(f"/push/{user.pk}" for user in others)
    assert {push_row(user).status for user in others} == {Status.SENT}
    assert push_row(broken).status != Status.SENT


# --- The subscription API ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_subscription_api_gives_the_key_saves_moves_and_deletes_subscriptions(vapid):
    # given two accounts used in turn on one browser
    first, second = UserFactory(), UserFactory()
    api = APIClient()
    api.force_authenticate(first)
    keys = browser_keys()
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}
    # then the browser learns the public key and subscribes
    assert api.get("/api/v1/notifications/push-subscriptions/").json() == {
        "public_key": vapid.VAPID_PUBLIC_KEY
    }
    assert api.post("/api/v1/notifications/push-subscriptions/", body, format="json").status_code == 201
    assert list(PushSubscription.objects.values_list("user_id", "p256dh")) == [(first.pk, keys.p256dh)]
    # when the second account subscribes the same browser, the subscription follows the browser
    api.force_authenticate(second)
    assert api.post("/api/v1/notifications/push-subscriptions/", body, format="json").status_code == 201
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [second.pk]
    # and only its owner can delete it
    api.force_authenticate(first)
    endpoint = {"endpoint": "https://push.example/abc"}
    assert api.delete("/api/v1/notifications/push-subscriptions/", endpoint, format="json").status_code == 204
    assert PushSubscription.objects.count() == 1
    api.force_authenticate(second)
    assert api.delete("/api/v1/notifications/push-subscriptions/", endpoint, format="json").status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"endpoint": "https://push.example/abc"},
        {"endpoint": "https://push.example/abc", "keys": "p256dh=x;auth=y"},
        {"endpoint": "https://push.example/abc", "keys": {"p256dh": "x" * 201, "auth": "y"}},
        {"endpoint": "https://push.example/" + "a" * 1000, "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": "ftp://push.example/abc", "keys": {"p256dh": "x", "auth": "y"}},
    ],
    ids=["empty", "no keys", "keys not an object", "key too long", "endpoint too long", "not https"],
)
def test_push_subscriptions_reject_more_bad_input(body):
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/notifications/push-subscriptions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_push_subscriptions_need_an_account():
    api = APIClient()
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "x", "auth": "y"}}
    assert api.post("/api/v1/notifications/push-subscriptions/", body, format="json").status_code in (
        401,
        403,
    )
    assert not PushSubscription.objects.exists()
