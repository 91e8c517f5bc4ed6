"""SMS alerts: which events reach whom by SMS, one message per notification row, budget, STOP and
the daily limit, the texts (one GSM-7 segment) and their cost.

Publications go through the publications app's own service (``document_publish``); events of live
sessions are recorded as sessions_live records them (``outbox_record`` with their payloads).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.errors import InvalidInput
from hub.models import OutboxEvent
from hub.services.outbox import outbox_record
from notifications import services
from notifications.models import (
    Channel,
    Notification,
    SmsCommuneSettings,
    SmsMessage,
    SmsProfile,
    SmsStatus,
    SmsTopic,
    Status,
)
from notifications.sms import gsm7, wording
from notifications.sms.alerts import sms_alerts_queue, topics_for
from notifications.sms.inbound import inbound_process, inbound_record
from notifications.sms.outbound import sms_queue
from notifications.sms.subscriptions import DOCUMENT_TYPES, sms_topics_get, sms_topics_set
from publications.models.documents import DocumentType
from publications.services.documents import document_publish
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import OutboxEventFactory
from tests.factories_publications import DocumentFactory, DocumentFileFactory, publisher

BILLED = (SmsStatus.QUEUED, SmsStatus.SUBMITTED, SmsStatus.DELIVERED)


def sms_follower(commune, phone: str, topics=("document",), **extra):  # type: ignore[no-untyped-def]
    user = FollowFactory(commune=commune, user__phone=phone, **extra).user
    SmsProfile.objects.create(user=user)
    SmsTopic.objects.bulk_create([SmsTopic(user=user, topic=t) for t in topics])
    return user


def budget(commune, xof: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    SmsCommuneSettings.objects.update_or_create(commune=commune, defaults={"monthly_budget_xof": xof})


def sms_rows(event_id: int) -> dict[int, tuple[str, str]]:
    rows = Notification.objects.filter(event_id=event_id, channel=Channel.SMS)
    return {r.recipient_id: (r.status, r.last_error) for r in rows}


def test_the_document_types_listed_here_are_the_publications_ones():
    assert set(DOCUMENT_TYPES) == set(DocumentType.values)


@pytest.mark.parametrize(
    ("kind", "payload", "topics"),
    [
        ("document.published", {"type": "budget_primitive"}, ("document:budget_primitive", "document")),
        ("document.published", {"type": "nonsense"}, ("document", "document")),
        ("contract.published", {}, ("contract", "contract")),
        ("agenda.published", {}, ("agenda", "agenda")),
        ("session.live", {}, ("session", "session")),
        ("session.question_answered", {}, ("answer", "answer")),
        ("commitment.status", {}, ("commitment", "commitment")),
        ("session.poll_opened", {}, ("poll", "poll")),
        ("forum.reply", {}, None),
        ("session.scheduled", {}, None),
    ],
)
def test_topics_of_events(kind, payload, topics):
    assert topics_for(kind, payload) == topics


@pytest.mark.django_db
def test_a_published_document_reaches_by_sms_who_chose_documents_once(django_capture_on_commit_callbacks):
    # given a commune with a budget, a follower with the document topic, one with the budget type,
    # one with another type, one without SMS topics
    commune = CommuneFactory(name="Cotonou")
    budget(commune)
    every = sms_follower(commune, "+2290197000021")
    budgets = sms_follower(commune, "+2290197000022", topics=["document:budget_primitive"])
    orders = sms_follower(commune, "+2290197000023", topics=["document:municipal_order"])
    none = sms_follower(commune, "+2290197000024", topics=[])
    document = DocumentFactory(commune=commune, title="Budget primitif 2026 de la commune")
    DocumentFileFactory(document=document)
    # when a manager publishes the primitive budget (tasks run in-process after commit)
    with django_capture_on_commit_callbacks(execute=True):
        document_publish(actor=publisher(commune), document=document)
    # then one SMS each to the two who chose it, their rows sent; nobody else
    event = OutboxEvent.objects.get(kind="document.published")
    assert sms_rows(event.pk) == {every.pk: (Status.SENT, ""), budgets.pk: (Status.SENT, "")}
    messages = list(SmsMessage.objects.filter(notification__event=event))
    assert {m.user_id for m in messages} == {every.pk, budgets.pk}
    assert {orders.pk, none.pk}.isdisjoint({m.user_id for m in messages})
    for message in messages:
        assert message.status in BILLED
        assert (message.encoding, message.segments, message.cost_xof) == ("gsm7", 1, 20)
        assert "Cotonou" in message.text and "Budget primitif 2026" in message.text
        assert message.commune_id == commune.pk
    # when the alerts run again (a retry): nothing new
    assert sms_alerts_queue(event_id=event.pk) == 0
    assert SmsMessage.objects.filter(notification__event=event).count() == 2


@pytest.mark.django_db
def test_an_answer_reaches_the_person_who_asked_by_sms_even_without_the_topic():
    # given a person who asked a question by SMS (no topics) and one who asked on the web
    commune = CommuneFactory()
    budget(commune)
    by_sms = sms_follower(commune, "+2290197000031", topics=[])
    on_web = sms_follower(commune, "+2290197000032", topics=[])
    events = []
    for asker, sms in ((by_sms, True), (on_web, False)):
        event, _ = outbox_record(
            kind="session.question_answered",
            commune=commune,
            obj=commune,
            payload={
                "title": "Session de juin",
                "path": "/s/1/",
                "question": "Quand les travaux ?",
                "answer": "En juillet.",
                "audience": {"user_ids": [asker.pk], "sms": sms},
            },
            dedup_key=f"session.question_answered:{asker.pk}",
        )
        events.append(event)
    # when the events are fanned out and their alerts queued
    for event in events:
        services.outbox_event_fan_out(event_id=event.pk)
        sms_alerts_queue(event_id=event.pk)
    # then the SMS asker gets the answer by SMS, the web asker does not
    assert set(sms_rows(events[0].pk)) == {by_sms.pk}
    assert sms_rows(events[1].pk) == {}
    message = SmsMessage.objects.get(user=by_sms)
    assert "En juillet." in message.text


@pytest.mark.django_db
def test_a_poll_opening_goes_by_sms_only_to_followers_with_the_poll_topic():
    commune = CommuneFactory()
    budget(commune)
    voter = sms_follower(commune, "+2290197000041", topics=["poll"])
    sms_follower(commune, "+2290197000042", topics=["document"])
    FollowFactory(commune=commune)  # a follower without SMS
    event = OutboxEventFactory(
        commune=commune,
        kind="session.poll_opened",
        payload={
            "title": "Session",
            "path": "/s/1/",
            "poll_id": 7,
            "question": "Priorité ?",
            "options": ["Eau", "Routes", "Écoles"],
            "multiple": False,
            "channels": ["sms"],
        },
    )
    result = services.outbox_event_fan_out(event_id=event.pk)
    # then SMS rows only (no in-app, e-mail or push), for the poll topic only
    assert set(Notification.objects.filter(event=event).values_list("channel", "recipient_id")) == {
        (Channel.SMS, voter.pk)
    }
    assert (result.in_app, result.email, result.push, result.sms) == (0, 0, 0, 1)
    sms_alerts_queue(event_id=event.pk)
    text = SmsMessage.objects.get(user=voter).text
    assert "1=Eau" in text and "3=Écoles" in text and gsm7.measure(text).single


@pytest.mark.django_db
def test_past_the_budget_the_message_is_not_sent_and_the_notification_says_why():
    # given a budget of one SMS (20 FCFA) and two followers
    commune = CommuneFactory()
    budget(commune, 20)
    first = sms_follower(commune, "+2290197000051")
    second = sms_follower(commune, "+2290197000052")
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    # when the alerts are queued
    assert sms_alerts_queue(event_id=event.pk) == 1
    # then the first goes, the second is over budget and its notification failed with the reason
    assert sms_rows(event.pk) == {first.pk: (Status.SENT, ""), second.pk: (Status.FAILED, "over budget")}
    assert SmsMessage.objects.get(user=second).status == SmsStatus.OVER_BUDGET
    # and a commune without budget sends nothing
    other = CommuneFactory()
    late = sms_follower(other, "+2290197000053")
    event = OutboxEventFactory(commune=other)
    services.outbox_event_fan_out(event_id=event.pk)
    sms_alerts_queue(event_id=event.pk)
    assert sms_rows(event.pk) == {late.pk: (Status.FAILED, "over budget")}


@pytest.mark.django_db
def test_after_stop_an_alert_is_not_sent_and_the_row_says_opted_out():
    # given a follower by SMS who then writes STOP
    commune = CommuneFactory(name="Cotonou")
    budget(commune)
    user = sms_follower(commune, "+2290197000061")
    row, _ = inbound_record(phone_raw=user.phone, destination="", text="STOP")
    assert inbound_process(inbound_id=row.pk) == "stopped"
    confirmation = SmsMessage.objects.get(reply_to=row)
    assert confirmation.status in BILLED
    # when an event is queued for them anyway (the row existed before STOP)
    event = OutboxEventFactory(commune=commune)
    Notification.objects.create(event=event, recipient=user, channel=Channel.SMS, status=Status.PENDING)
    sms_alerts_queue(event_id=event.pk)
    # then it is not sent
    assert sms_rows(event.pk) == {user.pk: (Status.FAILED, "opted out")}
    assert SmsMessage.objects.get(notification__event=event).status == SmsStatus.OPTED_OUT
    # and a new event does not even reach them
    later = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=later.pk)
    assert sms_rows(later.pk) == {}


@pytest.mark.django_db
def test_past_the_daily_limit_alerts_to_a_number_are_rate_limited(settings):
    settings.SMS_OUTBOUND_PER_DAY = 2
    commune = CommuneFactory()
    budget(commune)
    user = sms_follower(commune, "+2290197000071")
    events = [OutboxEventFactory(commune=commune) for _ in range(3)]
    for event in events:
        services.outbox_event_fan_out(event_id=event.pk)
        sms_alerts_queue(event_id=event.pk)
    assert [sms_rows(e.pk)[user.pk] for e in events] == [(Status.SENT, "")] * 2 + [
        (Status.FAILED, "rate limited")
    ]


@pytest.mark.django_db
def test_cost_is_segments_times_the_price(settings):
    settings.SMS_COST_XOF = 25
    commune = CommuneFactory()
    budget(commune)
    long = sms_queue(
        phone="+2290197000081", text="a" * 200, kind="test", commune=commune, reply_to=None, force=True
    )
    assert (long.segments, long.cost_xof) == (2, 50)
    accented = sms_queue(phone="+2290197000081", text="Arrêté", kind="test", commune=None, force=True)
    assert (accented.text, accented.encoding, accented.cost_xof) == ("Arreté", "gsm7", 25)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"phone": "+33612345678"}, "phone"),
        ({"phone": "garbage"}, "phone"),
        ({"text": "   "}, "text"),
        ({"kind": ""}, "kind"),
    ],
)
def test_sms_queue_refuses_bad_input(fields, bad):
    args = {"phone": "+2290197000091", "text": "Bonjour", "kind": "test", "commune": None, **fields}
    with pytest.raises(InvalidInput) as error:
        sms_queue(**args)
    assert bad in error.value.details["fields"]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("document.published", {"title": "Budget primitif " * 20, "type_label": "Budget", "path": "/d/1/"}),
        (
            "document.published",
            {"title": "Délibération n°12 — l’œuvre « âme »", "path": "/documents/" + "x" * 200},
        ),
        ("session.live", {"title": "Séance publique", "path": "/s/1/"}),
        ("session.question_answered", {"title": "S", "answer": "", "path": "/s/1/"}),
        ("commitment.status", {"title": "Forage à Zè", "path": "/c/1/"}),
        ("session.poll_opened", {"question": "Où ?", "options": ["Écoles " * 10] * 6, "multiple": True}),
    ],
)
def test_alert_texts_are_one_gsm7_segment(kind, payload, settings):
    settings.SITE_URL = "https://communes.bj"
    text = wording.alert_text(kind, payload, "Akpro-Missérété")
    length = gsm7.measure(text)
    assert (length.encoding, length.segments) == ("gsm7", 1)
    assert "Akpro-Missérété" in text
    if 0 < len(payload.get("path", "")) < 20:
        assert text.endswith("https://communes.bj" + payload["path"])
    else:
        assert "https://" not in text


@pytest.mark.django_db
def test_topics_set_and_get_validate_every_topic():
    user = UserFactory(phone="+2290197000099")
    assert sms_topics_set(user=user, topics=["document:budget_primitive", "poll"]) == [
        "document:budget_primitive",
        "poll",
    ]
    assert sms_topics_get(user=user) == ["document:budget_primitive", "poll"]
    assert sms_topics_set(user=user, topics=["answer"]) == ["answer"]
    assert sms_topics_get(user=user) == ["answer"]
    for bad in (["document:nonsense"], ["weather"], "document", [3], ["x"] * 100):
        with pytest.raises(InvalidInput):
            sms_topics_set(user=user, topics=bad)  # type: ignore[arg-type]
    assert sms_topics_get(user=user) == ["answer"]


@pytest.mark.django_db
def test_sms_rows_left_pending_are_found_by_the_delivery_sweep():
    # given an SMS row the alerts task never settled (its task was lost), older than ten minutes
    commune = CommuneFactory()
    user = sms_follower(commune, "+2290197000101")
    event = OutboxEventFactory(commune=commune)
    services.outbox_event_fan_out(event_id=event.pk)
    Notification.objects.filter(event=event).update(created_at=timezone.now() - timedelta(minutes=11))
    # then the sweep's query lists the event for SMS
    stale = services.delivery_pending_event_ids(older_than=timedelta(minutes=10))
    assert stale[Channel.SMS] == [event.pk]
    # and once the alerts ran, nothing is pending any more
    budget(commune)
    sms_alerts_queue(event_id=event.pk)
    assert sms_rows(event.pk) == {user.pk: (Status.SENT, "")}
    assert services.delivery_pending_event_ids(older_than=timedelta(minutes=10))[Channel.SMS] == []


def test_the_answer_to_a_question_is_in_the_sms_itself_up_to_three_segments(settings):
    # a feature phone cannot follow a link: the answer is the message, without one
    settings.SITE_URL = "https://communes.bj"
    short = wording.alert_text(
        "session.question_answered",
        {"title": "S", "answer": "Les travaux commencent en mars.", "path": "/s/1/"},
        "Cotonou",
    )
    assert "Les travaux commencent en mars." in short and "https://" not in short
    assert gsm7.measure(short).segments == 1
    long = wording.alert_text(
        "session.question_answered",
        {"title": "S", "answer": "Réponse détaillée. " * 40, "path": "/s/1/"},
        "Cotonou",
    )
    length = gsm7.measure(long)
    assert (length.encoding, length.segments) == ("gsm7", 3)
    assert long.endswith("...")
