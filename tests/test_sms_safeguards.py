"""What a review of the SMS channel found, held by tests: a budget set to 0 stops what was queued,
what waits from last month counts against this month, a vote changed back is not taken for a carrier
resend, international numbers without "+" are understood, a NUL character is stored, a reply quoting
an emoji stays one segment, "§" is counted as it is sent, and received messages nobody acted on are
picked up again. Sends go through the local transport (``SMS_URL`` empty), the project's own."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from notifications.sms import gsm7, sending, smpp_codec
from notifications.sms.budget import month_start, sms_budget_set
from notifications.sms.inbound import inbound_process, inbound_record, inbound_unprocessed_ids
from notifications.sms.models import InboundSms, SmsCommuneSettings, SmsMessage, SmsStatus
from notifications.sms.outbound import sms_queue
from tests.factories import AdminFactory, CommuneFactory, UserFactory

PHONE = "+2290197000001"


@pytest.fixture(autouse=True)
def local_transport(settings: Any) -> None:
    settings.SMS_URL = ""


@pytest.mark.django_db
def test_a_budget_set_to_zero_stops_messages_already_queued():
    # given a message queued while the commune had a budget
    commune = CommuneFactory()
    SmsCommuneSettings.objects.create(commune=commune, monthly_budget_xof=10_000)
    UserFactory(phone=PHONE)
    message = sms_queue(phone=PHONE, text="Alerte", kind="document.published", commune=commune)
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)  # not sent yet
    # when staff set the budget to 0, then the sender runs
    sms_budget_set(actor=AdminFactory(), commune=commune, monthly_budget_xof=0)
    sending.sms_send_queued()
    # then it was not sent
    message.refresh_from_db()
    assert message.status == SmsStatus.OVER_BUDGET


@pytest.mark.django_db
def test_messages_still_queued_from_last_month_count_against_this_month():
    commune = CommuneFactory()
    SmsCommuneSettings.objects.create(commune=commune, monthly_budget_xof=20)  # one segment a month
    UserFactory(phone=PHONE)
    old = SmsMessage.objects.create(
        commune=commune, phone=PHONE, kind="document.published", text="Alerte du 31", encoding="gsm7",
        segments=1, cost_xof=20, status=SmsStatus.QUEUED,
    )  # fmt: skip
    SmsMessage.objects.filter(pk=old.pk).update(created_at=month_start() - datetime.timedelta(minutes=1))
    new = sms_queue(phone=PHONE, text="Alerte du 1er", kind="document.published", commune=commune)
    assert new.status == SmsStatus.OVER_BUDGET


@pytest.mark.django_db
def test_a_vote_changed_back_is_not_taken_for_a_resend_but_a_resend_is():
    inbound_record(phone_raw=PHONE, destination="7070", text="1")
    inbound_record(phone_raw=PHONE, destination="7070", text="2")
    _row, created = inbound_record(phone_raw=PHONE, destination="7070", text="1")
    assert created
    _again, created_again = inbound_record(
        phone_raw=PHONE, destination="7070", text="1"
    )  # the carrier resends
    assert not created_again
    assert InboundSms.objects.filter(phone=PHONE).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_sender_in_international_format_without_plus_is_understood():
    row, _created = inbound_record(phone_raw="2290197000002", destination="7070", text="AIDE")
    assert row.phone == "+2290197000002"
    assert inbound_process(inbound_id=row.pk) == "help"


@pytest.mark.django_db
def test_a_nul_character_is_stored_without_it():
    text = smpp_codec.decode(b"Bonjour\x00maire", 0x03)
    row, created = inbound_record(phone_raw=PHONE, destination="7070", text=text)
    assert created and row.text == "Bonjourmaire"


def test_a_reply_quoting_an_emoji_stays_one_segment():
    text = "Commune inconnue : Cotonou 🙂 svp. Écrivez SUIVRE et le nom de la commune, ex. SUIVRE COTONOU."
    fitted = gsm7.fit(text)
    assert gsm7.measure(fitted).segments == 1
    assert fitted.endswith("...")


def test_the_paragraph_sign_is_counted_as_the_transport_sends_it():
    text = "Reglement interieur, article 3 § 2"
    assert gsm7.measure(text).encoding == "ucs2"
    assert smpp_codec.encode(text, gsm7=False).data_coding != smpp_codec.DC_GSM7


@pytest.mark.django_db
def test_received_messages_nobody_acted_on_are_found_by_the_sweep():
    row, _created = inbound_record(phone_raw=PHONE, destination="7070", text="AIDE")
    InboundSms.objects.filter(pk=row.pk).update(
        processed_at=None, received_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert row.pk in inbound_unprocessed_ids(older_than=datetime.timedelta(minutes=1))
    inbound_process(inbound_id=row.pk)
    assert row.pk not in inbound_unprocessed_ids(older_than=datetime.timedelta(minutes=1))
