"""Factories of the live sessions app."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from hub.models import Role
from sessions_live.models import (
    AgendaItem,
    ChatMessage,
    LiveSession,
    Poll,
    PollOption,
    PollStatus,
    Question,
    QuestionStatus,
    SessionEvent,
    SessionKind,
    SessionStatus,
)
from tests.factories import CommuneFactory, MembershipFactory, UserFactory


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession

    commune = factory.SubFactory(CommuneFactory)
    kind = SessionKind.ACCOUNTABILITY
    title = factory.Sequence(lambda n: f"Séance {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    status = SessionStatus.SCHEDULED
    questions_premoderated = False


class LiveSessionLiveFactory(LiveSessionFactory):
    status = SessionStatus.LIVE
    started_at = factory.LazyFunction(timezone.now)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(LiveSessionFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Point {n}")


class ChatMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatMessage

    session = factory.SubFactory(LiveSessionLiveFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Message {n}")


class PollFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Poll
        skip_postgeneration_save = True

    session = factory.SubFactory(LiveSessionLiveFactory)
    question = "Faut-il paver la rue du marché ?"
    status = PollStatus.OPEN

    @factory.post_generation
    def options(obj, create, extracted, **kwargs):
        if create:
            for index, label in enumerate(extracted or ["Oui", "Non", "Sans avis"]):
                PollOption.objects.create(poll=obj, label=label, position=index + 1)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    session = factory.SubFactory(LiveSessionLiveFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Question {n} ?")
    status = QuestionStatus.APPROVED


class SessionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionEvent

    session = factory.SubFactory(LiveSessionLiveFactory)
    seq = factory.Sequence(lambda n: n + 1)
    name = "chat.message"
    data = factory.LazyFunction(dict)


def staff_of(commune, role: str = Role.MAYOR):
    """A user holding ``role`` in ``commune``."""
    return MembershipFactory(commune=commune, role=role).user
