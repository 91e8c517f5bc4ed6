"""Factories of the notifications app."""

import factory

from hub.models import OutboxEvent
from notifications.models import Notification
from tests.factories import CommuneFactory, UserFactory


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEvent

    kind = "document.published"
    commune = factory.SubFactory(CommuneFactory)
    object_type = "publications.document"
    object_id = factory.Sequence(str)
    payload = factory.LazyAttribute(
        lambda e: {
            "title": "Budget primitif 2026",
            "type": "budget",
            "type_label": "Budget",
            "path": "/",
            "fiscal_year": 2026,
        }
    )
    dedup_key = factory.Sequence(lambda n: f"test:{n}")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    event = factory.SubFactory(OutboxEventFactory)
    recipient = factory.SubFactory(UserFactory)
    channel = "in_app"
    status = "sent"
