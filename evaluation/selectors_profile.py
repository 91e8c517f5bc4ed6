"""Reads for a participant's own profile: their answers (to them alone) and the arrondissements they
may choose from (those of the enabled communes, grouped by commune).

There is deliberately no read of someone else's profile here: a profile is only ever read by its
owner, or counted in aggregate (``evaluation/groups.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from evaluation.models import ParticipantProfile
from hub.models import Arrondissement, Commune, User


@dataclass(frozen=True)
class CommuneArrondissements:
    commune: Commune
    arrondissements: list[Arrondissement]


def profile_of(user: User) -> ParticipantProfile | None:
    """``user``'s own profile, or ``None`` when they have given none (or deleted it)."""
    return ParticipantProfile.objects.select_related("arrondissement__commune").filter(user=user).first()


def arrondissement_choices() -> list[CommuneArrondissements]:
    """The arrondissements of the enabled communes, by commune (communes by name, arrondissements in
    their commune's order): the only ones a profile may name. One query."""
    rows = (
        Arrondissement.objects.filter(commune__is_enabled=True)
        .select_related("commune")
        .order_by("commune__search_name", "commune_id", "position", "name")
    )
    return [
        CommuneArrondissements(commune=group[0].commune, arrondissements=group)
        for group in (list(items) for _key, items in groupby(rows, key=lambda a: a.commune_id))
    ]
