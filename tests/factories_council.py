"""Factories of the council app, and a council ready to sit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory
from django.utils import timezone

from council.models import Committee, CouncilMember, CouncilRole
from hub.models import Commune, Role, User
from sessions_live.models import LiveSession, SessionKind, SessionStatus
from tests.factories import CommuneFactory
from tests.factories_sessions import LiveSessionFactory, staff_of


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Commission {n}")


class CouncilMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilMember

    commune = factory.SubFactory(CommuneFactory)
    full_name = factory.Sequence(lambda n: f"Conseiller {n:03d}")
    role = CouncilRole.COUNCILLOR
    mandate_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    mandate_end = None


class CouncilSessionFactory(LiveSessionFactory):
    kind = SessionKind.ORDINARY
    status = SessionStatus.LIVE
    starts_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyFunction(timezone.now)


@dataclass
class Council:
    commune: Commune
    members: list[CouncilMember]  # members[0] is the mayor
    session: LiveSession
    secretary: User  # the commune's secretary-general

    @property
    def mayor(self) -> CouncilMember:
        return self.members[0]


def council(size: int = 9, *, commune: Commune | None = None, **session_fields: object) -> Council:
    """A commune (enabled) with ``size`` members in office (the first is the mayor), a live ordinary
    session and its secretary-general."""
    commune = commune or CommuneFactory(is_enabled=True)
    members = [CouncilMemberFactory(commune=commune, role=CouncilRole.MAYOR, full_name="Aa Maire")]
    members += [CouncilMemberFactory(commune=commune) for _ in range(size - 1)]
    session = CouncilSessionFactory(commune=commune, **session_fields)
    return Council(commune, members, session, staff_of(commune, Role.SECRETARY_GENERAL))
