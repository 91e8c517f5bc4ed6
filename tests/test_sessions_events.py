"""The payloads of the live events (``sessions_live.events``): one shape for the REST API, the
websocket frames and the replay log. The REST output serializers declare the fields the schema
documents and write their output with the payload functions; these tests keep the two in step."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from sessions_live import events
from sessions_live import serializers as out
from sessions_live.models import SanctionKind, SessionSanction
from tests.factories import UserFactory
from tests.factories_sessions import (
    AgendaItemFactory,
    ChatMessageFactory,
    LiveSessionLiveFactory,
    PollFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db

PAIRS: list[tuple[type[Any], type[Any]]] = [
    (out.AgendaItemOut, events.AgendaItemData),
    (out.ChatMessageOut, events.ChatMessageData),
    (out.PollOut, events.PollData),
    (out.PollOptionOut, events.PollOptionData),
    (out.QuestionOut, events.QuestionData),
    (out.SanctionOut, events.SanctionData),
    (out.SessionUserRefOut, events.UserRef),
]


@pytest.mark.parametrize(("serializer", "payload"), PAIRS, ids=lambda p: p.__name__)
def test_each_output_serializer_declares_exactly_the_fields_of_its_payload_in_order(serializer, payload):
    # given an output serializer and the payload type whose shape it documents
    # then the schema names the same keys, in the order the frames carry them
    assert list(serializer().fields) == list(payload.__annotations__)


def test_the_payload_functions_write_every_key_in_the_declared_order():
    # given one object of each kind, some fields empty and some set
    session = LiveSessionLiveFactory()
    question = QuestionFactory(session=session, anonymous=True)
    sanction = SessionSanction.objects.create(
        commune=session.commune, session=session, user=UserFactory(), kind=SanctionKind.MUTE
    )
    built = [
        (events.agenda_item_data(AgendaItemFactory(session=session)), events.AgendaItemData),
        (events.chat_message_data(ChatMessageFactory(session=session)), events.ChatMessageData),
        (events.poll_data(PollFactory(session=session)), events.PollData),
        (events.question_data(question), events.QuestionData),
        (events.question_data(question, reveal_authors=True), events.QuestionData),
        (events.sanction_data(sanction), events.SanctionData),
    ]
    # then each payload has exactly its type's keys, in order
    for data, payload in built:
        assert list(data) == list(payload.__annotations__)


def test_anonymous_authors_are_hidden_except_from_moderators():
    question = QuestionFactory(anonymous=True)
    assert events.question_data(question)["author"] is None
    assert out.QuestionOut(question).data["author"] is None
    revealed = {"id": question.author.pk, "display_name": question.author.display_name}
    assert events.question_data(question, reveal_authors=True)["author"] == revealed
    assert out.QuestionOut(question, context={"reveal_authors": True}).data["author"] == revealed


def test_datetimes_are_written_as_drf_writes_them_in_the_current_time_zone():
    # given a question asked and answered at known instants
    at = datetime.datetime(2026, 3, 1, 11, 30, 5, 120000, tzinfo=datetime.UTC)
    question = QuestionFactory(status="answered")
    question.created_at = question.answered_at = at
    # when it is written in UTC and in Porto-Novo
    with timezone.override("UTC"):
        utc = events.question_data(question)
    with timezone.override("Africa/Porto-Novo"):
        local = events.question_data(question)
    # then UTC ends in Z, local time carries its offset, and the API agrees
    assert utc["created_at"] == "2026-03-01T11:30:05.120000Z"
    assert local["created_at"] == "2026-03-01T12:30:05.120000+01:00"
    assert local["answered_at"] == local["created_at"] and local["status"] == "answered"
    with timezone.override("Africa/Porto-Novo"):
        assert out.QuestionOut(question).data == local
