"""SMS transport (issue 19): sending over SMPP to a real SMSC simulator process, receipts and MO
messages through the receiver, retries and opt-outs, and the HTTP endpoints of aggregators.

Nothing of ours is mocked: the simulator (``tests/smsc_simulator.py``) is a separate process
speaking SMPP 3.4 over TCP; the receiver is the one ``manage.py sms_receive`` runs, in a thread.
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient
from smpplib import consts  # type: ignore[import-untyped]

from notifications.sms import sending, transport
from notifications.sms.models import InboundSms, SmsMessage, SmsProfile, SmsStatus
from notifications.sms.receiver import Receiver
from tests.conftest import service_env, start_process
from tests.factories import UserFactory
from tests.sms_fixtures import Smsc, smsc, wait_for  # noqa: F401

PHONE = "+2290197000001"
LONG_GSM7 = "Conseil communal de Cotonou: ordre du jour publie. " * 6  # ~300 units: 2 segments
LONG_UCS2 = "Séance publique à la mairie, venez nombreux — entrée libre. " * 3  # UCS-2, 3 segments


def queued(text: str, *, phone: str = PHONE, kind: str = "alert.document", **fields: Any) -> SmsMessage:
    from notifications.sms.gsm7 import measure

    length = measure(text)
    return SmsMessage.objects.create(
        phone=phone,
        text=text,
        kind=kind,
        encoding=length.encoding,
        segments=length.segments,
        cost_xof=20 * length.segments,
        **fields,
    )


def due_now(row: SmsMessage) -> None:
    """Given the backoff is over."""
    SmsMessage.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


@pytest.fixture
def receiver(smsc: Smsc) -> Iterator[Receiver]:  # noqa: F811
    running = Receiver(smsc.url, enquire_interval=2)
    running.start()
    wait_for(running.bound.is_set, what="the receiver to bind")
    yield running
    running.stop()


# --- Sending over SMPP ----------------------------------------------------------------------


@pytest.mark.django_db
def test_gsm7_and_ucs2_texts_round_trip_in_one_and_several_segments(smsc: Smsc) -> None:  # noqa: F811
    # given four messages: GSM-7 and UCS-2, short and long
    texts = ["Bonjour Cotonou: seance a 18h", "Réunion à 18h, entrée libre ✓", LONG_GSM7, LONG_UCS2]
    rows = [queued(text) for text in texts]

    # when the queue is sent
    sent = sending.sms_send_queued()

    # then each reached the SMSC whole, in the encoding measured, in the number of parts measured
    assert sent == 4
    received = smsc.mt()
    assert [m["text"] for m in received] == texts
    assert [m["data_coding"] for m in received] == [0, 8, 0, 8]
    assert [m["parts"] for m in received] == [row.segments for row in rows] == [1, 1, 2, 3]
    assert all(m["to"] == PHONE.lstrip("+") and m["from"] == "22990000000" for m in received)
    for row, message in zip(rows, received, strict=True):
        row.refresh_from_db()
        assert row.status == SmsStatus.SUBMITTED
        assert row.carrier_id == message["ids"][0]
        assert row.submitted_at is not None and row.attempts == 1


@pytest.mark.django_db
def test_local_transport_marks_delivered_at_once(settings: Any) -> None:
    settings.SMS_URL = ""
    row = queued("Bonjour")

    assert sending.sms_send_queued() == 1

    row.refresh_from_db()
    assert row.status == SmsStatus.DELIVERED and row.delivered_at is not None
    assert row.carrier_id == f"local-{row.pk}"


@pytest.mark.django_db
def test_a_claimed_row_is_not_sent_by_a_second_worker(smsc: Smsc) -> None:  # noqa: F811
    # given a row another worker claimed a moment ago
    row = queued("Bonjour")
    SmsMessage.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )

    # when this worker runs
    assert sending.sms_send_queued() == 0

    # then nothing went out
    assert smsc.mt() == []


# --- Receipts and MO messages through the receiver -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_delivery_receipts_update_rows(smsc: Smsc, receiver: Receiver) -> None:  # noqa: F811
    # given two messages submitted with a receipt asked for
    first, second = queued("Un"), queued("Deux")
    sending.sms_send_queued()
    first.refresh_from_db()

    # when the SMSC sends its receipts (DELIVRD for both on its own, then UNDELIV for the second)
    wait_for(lambda: SmsMessage.objects.filter(status=SmsStatus.DELIVERED).count() == 2, what="receipts")
    second.refresh_from_db()
    smsc.dlr(second.carrier_id, "UNDELIV")

    # then the rows say so, with the receipt kept
    wait_for(lambda: SmsMessage.objects.get(pk=second.pk).status == SmsStatus.FAILED, what="UNDELIV")
    first.refresh_from_db()
    assert first.delivered_at is not None and f"id:{first.carrier_id}" in first.receipt
    assert "stat:UNDELIV" in SmsMessage.objects.get(pk=second.pk).receipt


@pytest.mark.django_db(transaction=True)
def test_a_receipt_for_an_unknown_id_is_acknowledged_and_changes_nothing(
    smsc: Smsc,  # noqa: F811
    receiver: Receiver,
) -> None:
    row = queued("Bonjour")

    smsc.dlr("999999")

    wait_for(lambda: smsc.acks(), what="the deliver_sm_resp")
    assert smsc.acks()[0]["status"] == consts.SMPP_ESME_ROK
    row.refresh_from_db()
    assert row.status == SmsStatus.QUEUED and row.receipt == ""


@pytest.mark.django_db(transaction=True)
def test_an_mo_message_resent_three_times_is_stored_once(smsc: Smsc, receiver: Receiver) -> None:  # noqa: F811
    # when the carrier delivers the same message three times
    smsc.mo(PHONE, "22990000000", "Bonjour la mairie", repeat=3)

    # then all three are acknowledged after storing, and one row exists
    wait_for(lambda: len(smsc.acks()) >= 3, what="three deliver_sm_resp")
    assert {a["status"] for a in smsc.acks()} == {consts.SMPP_ESME_ROK}
    rows = list(InboundSms.objects.filter(text="Bonjour la mairie"))
    assert len(rows) == 1
    assert rows[0].phone == PHONE and rows[0].destination == "22990000000"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("QUESTION Où en est le marché de Dantokpa ?", False),  # UCS-2 (data_coding 8)
        ("QUESTION " + "Quand la route sera-t-elle refaite ? " * 8, False),  # > 254 octets: message_payload
        ("QUESTION " + "Quand la route sera-t-elle refaite ? " * 8, True),  # concatenated parts (UDH)
    ],
    ids=["ucs2", "message_payload", "udh_parts"],
)
def test_mo_texts_are_decoded_whole(smsc: Smsc, receiver: Receiver, text: str, split: bool) -> None:  # noqa: F811
    smsc.mo(PHONE, "22990000000", text, split=split)

    row = wait_for(lambda: InboundSms.objects.filter(phone=PHONE).first(), what="the inbound row")
    assert row.text == text


@pytest.mark.django_db(transaction=True)
def test_the_receiver_reconnects_after_the_smsc_restarts(smsc: Smsc, receiver: Receiver) -> None:  # noqa: F811
    # given the SMSC goes away and comes back
    smsc.restart()

    # then the receiver binds again by itself, and messages flow
    wait_for(lambda: receiver.binds >= 2 and receiver.bound.is_set(), timeout=15, what="a new bind")
    smsc.mo(PHONE, "22990000000", "Toujours la ?")
    wait_for(
        lambda: InboundSms.objects.filter(text="Toujours la ?").exists(), what="the message after restart"
    )


@pytest.mark.django_db(transaction=True)
def test_the_sms_receive_command_stores_what_the_smsc_delivers(smsc: Smsc, tmp_path: Path) -> None:  # noqa: F811
    # given ``manage.py sms_receive`` running as its own process (the compose service)
    env = {**service_env(tmp_path), "SMS_URL": smsc.url}
    process = start_process([sys.executable, "manage.py", "sms_receive"], env, tmp_path / "sms_receive.log")
    try:
        wait_for(
            lambda: any(s["mode"] == "receiver" for s in smsc.health()["sessions"]),
            timeout=30,
            what="the command to bind",
        )

        # when a message comes in twice
        smsc.mo(PHONE, "22990000000", "Message du terrain", repeat=2)

        # then it is stored once, and the command stops cleanly on SIGTERM
        wait_for(lambda: len(smsc.acks()) >= 2, timeout=15, what="two deliver_sm_resp")
        assert InboundSms.objects.filter(text="Message du terrain").count() == 1
    finally:
        process.stop()
    assert process.process.returncode == 0, process.log()


def test_the_sms_receive_command_refuses_a_url_that_is_not_smpp(settings: Any) -> None:
    settings.SMS_URL = "https://token@aggregator.example/send"

    with pytest.raises(CommandError, match="not an smpp"):
        call_command("sms_receive")


# --- Failures and retries --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_with_backoff_then_sent(smsc: Smsc) -> None:  # noqa: F811
    # given the SMSC throttles the next submit
    smsc.fail(1, consts.SMPP_ESME_RTHROTTLED)
    row = queued("Bonjour")

    # when sent: kept queued, one attempt, retried after 30 s
    before = timezone.now()
    assert sending.sms_send_queued() == 0
    row.refresh_from_db()
    assert row.status == SmsStatus.QUEUED and row.attempts == 1
    assert "0x00000058" in row.last_error
    assert row.next_attempt_at is not None
    assert (
        before + datetime.timedelta(seconds=29)
        < row.next_attempt_at
        < timezone.now() + datetime.timedelta(seconds=31)
    )
    assert sending.sms_send_queued() == 0  # not due yet

    # when the backoff is over
    due_now(row)
    assert sending.sms_send_queued() == 1

    # then it went
    row.refresh_from_db()
    assert row.status == SmsStatus.SUBMITTED and row.attempts == 2 and row.last_error == ""
    assert [m["text"] for m in smsc.mt()] == ["Bonjour"]


def test_backoff_doubles_up_to_thirty_minutes() -> None:
    assert [sending.backoff(n).total_seconds() for n in range(8)] == [30, 60, 120, 240, 480, 960, 1800, 1800]


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_message(smsc: Smsc) -> None:  # noqa: F811
    smsc.fail(1, consts.SMPP_ESME_RINVDSTADR)
    row = queued("Bonjour", phone="+22900")

    sending.sms_send_queued()

    row.refresh_from_db()
    assert row.status == SmsStatus.FAILED and row.attempts == 1
    assert "Invalid Destination" in row.last_error


@pytest.mark.django_db
def test_a_message_fails_after_the_maximum_attempts(smsc: Smsc, settings: Any) -> None:  # noqa: F811
    settings.SMS_MAX_ATTEMPTS = 3
    smsc.fail(10, consts.SMPP_ESME_RSYSERR)
    row = queued("Bonjour")

    for _ in range(3):
        sending.sms_send_queued()
        due_now(row)

    row.refresh_from_db()
    assert row.status == SmsStatus.FAILED and row.attempts == 3
    assert sending.sms_send_queued() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["no_smsc", "wrong_password"])
def test_a_link_that_cannot_bind_is_a_temporary_failure(smsc: Smsc, settings: Any, problem: str) -> None:  # noqa: F811
    if problem == "no_smsc":
        smsc.stop()
    else:
        settings.SMS_URL = smsc.url.replace(":secret@", ":wrong@")
    row = queued("Bonjour")

    sending.sms_send_queued()

    row.refresh_from_db()
    assert row.status == SmsStatus.QUEUED and row.attempts == 1 and row.next_attempt_at is not None
    assert row.last_error.startswith("SMPP link")


# --- Opt-out just before sending -------------------------------------------------------------


@pytest.mark.django_db
def test_a_number_that_said_stop_after_queueing_is_not_sent(smsc: Smsc) -> None:  # noqa: F811
    # given alerts queued, then the person texts STOP (whose confirmation is queued after)
    user: Any = UserFactory(phone=PHONE)
    alert = queued("Nouveau document", user=user)
    SmsProfile.objects.create(user=user, opted_out_at=timezone.now())
    confirmation = queued("Vous ne recevrez plus de SMS.", user=user, kind=sending.STOP_CONFIRMATION_KIND)

    # when the queue is sent
    sending.sms_send_queued()

    # then only the confirmation went out
    alert.refresh_from_db()
    confirmation.refresh_from_db()
    assert alert.status == SmsStatus.OPTED_OUT
    assert confirmation.status == SmsStatus.SUBMITTED
    assert [m["text"] for m in smsc.mt()] == ["Vous ne recevrez plus de SMS."]


# --- An HTTP aggregator ----------------------------------------------------------------------


class _Aggregator(BaseHTTPRequestHandler):
    """A stand-in for a third party's HTTP API (not our code): answers by the text it gets."""

    received: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["auth"] = self.headers.get("Authorization")
        _Aggregator.received.append(body)
        status, answer = {"throttle": (429, {}), "bad": (400, {"error": "bad number"})}.get(
            body["text"], (201, {"id": f"agg-{len(_Aggregator.received)}"})
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.mark.django_db
def test_http_aggregator_submitted_temporary_and_permanent(settings: Any) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Aggregator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_URL = f"http://tok123@127.0.0.1:{server.server_port}/send"
    settings.SMS_SHARED_NUMBER = "22990000000"
    _Aggregator.received = []
    try:
        ok, throttled, refused = queued("Bonjour"), queued("throttle"), queued("bad")
        assert isinstance(transport.get_transport(), transport.HttpTransport)

        sending.sms_send_queued()

        ok.refresh_from_db()
        throttled.refresh_from_db()
        refused.refresh_from_db()
        assert ok.status == SmsStatus.SUBMITTED and ok.carrier_id.startswith("agg-")
        assert throttled.status == SmsStatus.QUEUED and throttled.attempts == 1
        assert refused.status == SmsStatus.FAILED
        assert _Aggregator.received[0] == {
            "to": PHONE,
            "from": "22990000000",
            "text": "Bonjour",
            "auth": "Bearer tok123",
        }
    finally:
        server.shutdown()


def test_smpp_url_is_parsed() -> None:
    account = transport.SmppAccount.from_url(
        "smpps://my%40id:p%3Ass@smsc.example.bj:3551?system_type=VMA&source=1234"
    )
    assert (account.system_id, account.password, account.host, account.port) == (
        "my@id",
        "p:ss",
        "smsc.example.bj",
        3551,
    )
    assert (account.system_type, account.source, account.tls) == ("VMA", "1234", True)
    with pytest.raises(ValueError):
        transport.SmppAccount.from_url("smpp:///nohost")


# --- HTTP inbound for aggregators ------------------------------------------------------------

INBOUND = "/api/v1/sms/inbound/"
RECEIPTS = "/api/v1/sms/receipts/"


@pytest.fixture
def aggregator(settings: Any) -> APIClient:
    settings.SMS_INBOUND_TOKEN = "s3cret-token"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer s3cret-token")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "status"), [(None, 401), ("Basic abc", 401), ("Bearer wrong", 403), ("Bearer ", 401)]
)
def test_inbound_refuses_missing_or_wrong_tokens(settings: Any, header: str | None, status: int) -> None:
    settings.SMS_INBOUND_TOKEN = "s3cret-token"
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)

    resp = client.post(INBOUND, {"from": PHONE, "to": "", "text": "STOP"}, format="json")

    assert resp.status_code == status
    assert not InboundSms.objects.exists()


@pytest.mark.django_db
def test_inbound_without_a_configured_token_is_not_found(settings: Any) -> None:
    settings.SMS_INBOUND_TOKEN = ""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ")

    resp = client.post(INBOUND, {"from": PHONE, "text": "STOP"}, format="json")

    assert resp.status_code == 404
    assert "SMS_INBOUND_TOKEN" in resp.json()["error"]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [({"to": "1", "text": "x"}, "from"), ({"from": PHONE}, "text"), ({"from": PHONE, "text": 12}, "text")],
)
def test_inbound_validates_its_body(aggregator: APIClient, body: dict[str, Any], field: str) -> None:
    resp = aggregator.post(INBOUND, body, format="json")

    assert resp.status_code == 400
    assert field in resp.json()["error"]["fields"]


@pytest.mark.django_db
def test_inbound_refuses_bad_json(aggregator: APIClient) -> None:
    resp = aggregator.post(INBOUND, data="{not json", content_type="application/json")

    assert resp.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_inbound_stores_once_per_carrier_id(aggregator: APIClient) -> None:
    body = {"from": PHONE, "to": "22990000000", "text": "Bonjour", "id": "agg-77"}

    first = aggregator.post(INBOUND, body, format="json")
    again = aggregator.post(INBOUND, body, format="json")

    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json() == {"id": first.json()["id"], "created": False}
    assert InboundSms.objects.filter(text="Bonjour").count() == 1


@pytest.mark.django_db
def test_receipts_endpoint(aggregator: APIClient) -> None:
    row = queued("Bonjour", status=SmsStatus.SUBMITTED, carrier_id="agg-5")

    bad = aggregator.post(RECEIPTS, {"id": "agg-5", "status": "maybe"}, format="json")
    unknown = aggregator.post(RECEIPTS, {"id": "nope", "status": "delivered"}, format="json")
    good = aggregator.post(RECEIPTS, {"id": "agg-5", "status": "delivered", "raw": "ok"}, format="json")

    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    assert unknown.status_code == 200 and unknown.json() == {"recorded": False}
    assert good.status_code == 200 and good.json() == {"recorded": True}
    row.refresh_from_db()
    assert row.status == SmsStatus.DELIVERED and row.receipt == "ok"
