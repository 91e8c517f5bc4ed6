"""Inbound SMS: keywords (any case, accents optional), following a commune by name or by its own
number, STOP and what a stopped number still gets, duplicates acted on once, limits, bad senders.

Messages go through the real services (``inbound_record`` then ``inbound_process``, as the task
does) against the real database; replies are the ``SmsMessage`` rows they queue.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from hub.errors import InvalidInput
from hub.models import Follow, User
from notifications.models import SmsCommuneSettings, SmsMessage, SmsProfile, SmsStatus, SmsTopic
from notifications.sms import gsm7, wording
from notifications.sms.inbound import inbound_process, inbound_record, parse
from notifications.sms.subscriptions import DEFAULT_TOPICS
from tests.factories import CommuneFactory

PHONE = "+2290197000011"


def receive(text: str, *, phone: str = PHONE, destination: str = "", ref: str = "") -> tuple[str, bool]:
    """One message arrives and is processed as the task would; returns (outcome, newly recorded)."""
    row, created = inbound_record(phone_raw=phone, destination=destination, text=text, carrier_ref=ref)
    return inbound_process(inbound_id=row.pk), created


def replies(phone: str = PHONE) -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(phone=phone).exclude(reply_to=None).order_by("id"))


def assert_one_segment(message: SmsMessage) -> None:
    assert (message.encoding, message.segments) == ("gsm7", 1)
    assert gsm7.measure(message.text).single


@pytest.fixture
def communes(db):  # type: ignore[no-untyped-def]
    return {
        "cotonou": CommuneFactory(name="Cotonou"),
        "calavi": CommuneFactory(name="Abomey-Calavi"),
        "misserete": CommuneFactory(name="Akpro-Missérété"),
    }


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("suivre cotonou", "SUIVRE"),
        ("  Arrêt ", "ARRET"),
        ("ARRET", "ARRET"),
        ("désabonner", "DESABONNER"),
        ("Stop.", "STOP"),
        ("?", "?"),
        ("aide?", "AIDE"),
        ("Help", "HELP"),
        ("", ""),
    ],
)
def test_the_keyword_is_the_first_word_upper_case_without_accents(text, keyword):
    assert parse(text)[0] == keyword


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("SUIVRE COTONOU", "cotonou"),
        ("suivre cotonou", "cotonou"),
        ("Suivre ABOMEY-CALAVI", "calavi"),
        ("suivre abomey calavi", "calavi"),
        ("SUIVRE Akpro-Missérété", "misserete"),
        ("SUIVRE AKPRO MISSERETE", "misserete"),
    ],
)
def test_suivre_follows_the_named_commune_with_the_default_topics(communes, typed, commune):
    # when an unknown number writes SUIVRE <commune> to the shared number
    outcome, _created = receive(typed)
    # then an account exists for the number (French, no e-mail, no usable password), follows the commune
    user = User.objects.get(phone=PHONE)
    assert (user.email, user.preferred_language, user.has_usable_password()) == (None, "fr", False)
    assert SmsProfile.objects.get(user=user).created_by_sms
    assert outcome == "followed"
    assert list(Follow.objects.filter(user=user).values_list("commune_id", flat=True)) == [
        communes[commune].pk
    ]
    assert sorted(SmsTopic.objects.filter(user=user).values_list("topic", flat=True)) == sorted(
        DEFAULT_TOPICS
    )
    # and is told so in one SMS, billed to nobody (the shared number)
    [reply] = replies()
    assert_one_segment(reply)
    assert reply.commune is None and reply.status in (
        SmsStatus.QUEUED,
        SmsStatus.SUBMITTED,
        SmsStatus.DELIVERED,
    )
    assert reply.cost_xof == 20


@pytest.mark.django_db
def test_suivre_an_unknown_commune_says_how_to_write_it_with_close_names(communes):
    # when the commune is misspelt
    outcome, _ = receive("SUIVRE Cotonouu")
    # then nothing is followed, and the reply names the close commune and how to write it
    assert outcome == "unknown_commune"
    assert not Follow.objects.exists()
    [reply] = replies()
    assert "Cotonou" in reply.text and "SUIVRE" in reply.text
    assert_one_segment(reply)
    # when it is nothing like a commune
    outcome, _ = receive("SUIVRE xyzzy", phone="+2290197000012")
    [reply] = replies("+2290197000012")
    assert outcome == "unknown_commune" and "SUIVRE" in reply.text


@pytest.mark.django_db
def test_suivre_alone_on_the_communes_own_number_follows_it_and_bills_the_reply_to_it(communes):
    # given Abomey-Calavi has its own number (written with spaces) and a budget
    calavi = communes["calavi"]
    SmsCommuneSettings.objects.create(commune=calavi, number="+229 01 90 00 00 01", monthly_budget_xof=1000)
    # when SUIVRE alone reaches that number (as the operator writes it)
    outcome, _ = receive("Suivre", destination="2290190000001")
    # then the sender follows Abomey-Calavi, and the reply is billed to it
    user = User.objects.get(phone=PHONE)
    assert outcome == "followed"
    assert Follow.objects.filter(user=user, commune=calavi).exists()
    [reply] = replies()
    assert reply.commune_id == calavi.pk
    # when SUIVRE alone reaches the shared number, the reply says how to write it
    outcome, _ = receive("SUIVRE", phone="+2290197000012", destination="7070")
    assert outcome == "follow_how"
    assert "SUIVRE" in replies("+2290197000012")[0].text


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["STOP", "stop", "Arrêt", "ARRET", "désabonner"])
def test_stop_confirms_once_then_only_suivre_and_aide_are_answered(communes, word):
    # given a follower by SMS
    receive("SUIVRE COTONOU")
    # when they write STOP (in any spelling)
    outcome, _ = receive(word)
    # then the number is stopped and a confirmation goes, even though it is stopped
    assert outcome == "stopped"
    assert SmsProfile.objects.get(user__phone=PHONE).opted_out_at is not None
    confirmation = replies()[-1]
    assert confirmation.status != SmsStatus.OPTED_OUT
    assert_one_segment(confirmation)
    # when they write anything else, or STOP again: kept, not answered
    assert receive("BONJOUR")[0] == "stopped_number"
    assert receive("STOP ")[0] == "stopped"
    assert len(replies()) == 2
    # when they ask for help: answered
    assert receive("AIDE")[0] == "help"
    assert len(replies()) == 3 and replies()[-1].status != SmsStatus.OPTED_OUT
    # when they write SUIVRE again: receiving again, answered
    assert receive("suivre cotonou ")[0] == "followed"
    assert SmsProfile.objects.get(user__phone=PHONE).opted_out_at is None
    assert len(replies()) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["AIDE", "aide", "Help", "?"])
def test_aide_lists_the_keywords_in_one_sms(communes, word):
    outcome, _ = receive(word)
    [reply] = replies()
    assert outcome == "help"
    assert "SUIVRE" in reply.text and "STOP" in reply.text
    assert_one_segment(reply)


@pytest.mark.django_db
def test_an_unknown_keyword_gets_a_reply_naming_aide(communes):
    outcome, _ = receive("Bonjour la mairie")
    [reply] = replies()
    assert outcome == "unknown"
    assert "AIDE" in reply.text
    assert_one_segment(reply)


@pytest.mark.django_db
def test_a_2000_character_message_is_kept_whole_and_answered_in_one_sms(communes):
    long_text = "Bonjour " + "x" * 1992
    outcome, _ = receive(long_text)
    row = User.objects.get(phone=PHONE)
    from notifications.models import InboundSms

    stored = InboundSms.objects.get(user=row)
    assert len(stored.text) == 2000 and stored.text == long_text
    assert stored.outcome == outcome == "unknown"
    [reply] = replies()
    assert_one_segment(reply)
    # and a 2,000-character commune name gets the short how-to, cut to one segment
    outcome, _ = receive("SUIVRE " + "y" * 1993, phone="+2290197000012")
    assert outcome == "unknown_commune"
    assert_one_segment(replies("+2290197000012")[0])


@pytest.mark.django_db
def test_the_same_message_delivered_twice_is_acted_on_once(communes):
    # given the operator delivers a message twice with its id
    first, created = receive("SUIVRE COTONOU", ref="msg-1")
    again, created_again = receive("SUIVRE COTONOU", ref="msg-1")
    # then one row, one follow, one reply
    assert (created, created_again) == (True, False)
    assert first == again == "followed"
    assert len(replies()) == 1
    # given a message without id sent twice within 10 minutes: once
    _, created = receive("AIDE")
    _, created_again = receive("AIDE")
    assert (created, created_again) == (True, False)
    assert len(replies()) == 2
    # but the same words with another operator id are another message
    _, created = receive("AIDE", ref="msg-2")
    assert created and len(replies()) == 3


@pytest.mark.django_db
def test_past_the_hourly_limit_one_warning_then_silence(communes, settings):
    # given a limit of 3 messages an hour per number
    settings.SMS_INBOUND_PER_HOUR = 3
    outcomes = [receive(f"message {i}")[0] for i in range(6)]
    # then the first 3 are answered, the 4th gets the warning, the rest nothing
    assert outcomes == ["unknown"] * 3 + ["rate_limited"] * 3
    assert len(replies()) == 4
    # and another number is not limited
    assert receive("AIDE", phone="+2290197000012")[0] == "help"


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["+33612345678", "NOTANUMBER", "12"])
def test_a_sender_that_is_not_a_benin_number_is_kept_and_not_answered(communes, sender):
    outcome, created = receive("SUIVRE COTONOU", phone=sender)
    assert created and outcome == "invalid_sender"
    assert not SmsMessage.objects.exists()
    assert not User.objects.filter(phone__contains=sender[-6:]).exists()


@pytest.mark.django_db
def test_bad_inputs_to_record_are_refused(communes):
    with pytest.raises(InvalidInput):
        inbound_record(phone_raw="", destination="", text="AIDE")
    with pytest.raises(InvalidInput):
        inbound_record(phone_raw=PHONE, destination="", text=None)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_processing_twice_acts_once(communes):
    row, _ = inbound_record(phone_raw=PHONE, destination="", text="SUIVRE COTONOU")
    assert inbound_process(inbound_id=row.pk) == "followed"
    assert inbound_process(inbound_id=row.pk) == "followed"
    assert len(replies()) == 1
    row.refresh_from_db()
    assert row.processed_at is not None and row.processed_at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_recorded_message_is_processed_by_its_task_after_commit(communes):
    # when a message is recorded (the task runs in-process after commit)
    row, _ = inbound_record(phone_raw="0197000011", destination="", text="aide")
    # then it was processed, with the number normalised
    row.refresh_from_db()
    assert (row.phone, row.outcome) == (PHONE, "help")
    assert len(replies()) == 1


@pytest.mark.django_db
def test_other_keywords_go_to_the_registered_handlers(communes):
    # given QUESTION is answered by the live sessions app (registered through hub.sms_commands),
    # and no session is live for the sender
    from hub.sms_commands import sms_keywords

    assert "QUESTION" in sms_keywords()
    # when a question is sent
    outcome, _ = receive("question Quand les travaux commencent-ils ?")
    # then the handler's outcome is kept, and its reply sent (not the unknown-keyword one)
    assert outcome == "session_refused"
    [reply] = replies()
    assert reply.text != wording.reply_unknown()
