"""Reads of the commune's accredited organisations, its facilitators and its standing citizen council
(members, meetings with their minutes, opinions on consultations).

Pure reads: the tenant filter is in every query, rows come with what they show (``select_related``),
and the getters take the commune so that a row of another commune is "not found", never shown.
Who may see what is the callers' business: the facilitators' list names people (staff only), the
rest is public, the minutes shown only while their document is published or withdrawn (a notice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    Consultation,
    CouncilOpinion,
    Facilitator,
    Organisation,
)
from hub.cleaning import as_id
from hub.errors import NotFound
from hub.models import Commune
from publications.models.common import PUBLIC_STATES


def organisations(commune: Commune, *, include_withdrawn: bool = False) -> QuerySet[Organisation]:
    rows = Organisation.objects.filter(commune=commune).select_related("commune")
    if not include_withdrawn:
        rows = rows.filter(withdrawn_at__isnull=True)
    return rows.order_by("name", "id")


def facilitators(commune: Commune) -> QuerySet[Facilitator]:
    """The facilitators named and not revoked (those of a withdrawn organisation included, marked
    by their organisation: they no longer record workshops)."""
    return (
        Facilitator.objects.filter(commune=commune, revoked_at__isnull=True)
        .select_related("user", "organisation", "commune")
        .order_by("user__display_name", "id")
    )


def members(commune: Commune) -> QuerySet[CitizenCouncilMember]:
    return CitizenCouncilMember.objects.filter(commune=commune).select_related(
        "organisation", "arrondissement", "commune"
    )


def meetings(commune: Commune) -> QuerySet[CitizenCouncilMeeting]:
    return (
        CitizenCouncilMeeting.objects.filter(commune=commune)
        .select_related("minutes", "minutes__commune", "commune")
        .order_by("-held_on", "-id")
    )


def opinions(commune: Commune) -> QuerySet[CouncilOpinion]:
    """The council's opinions on the commune's public consultations, newest first."""
    return (
        CouncilOpinion.objects.filter(consultation__commune=commune)
        .filter(consultation__in=Consultation.objects.public())
        .select_related("consultation", "consultation__commune", "meeting")
        .order_by("-recorded_at", "-id")
    )


@dataclass
class CitizenCouncil:
    commune: Commune
    current: list[CitizenCouncilMember] = field(default_factory=list)
    past: list[CitizenCouncilMember] = field(default_factory=list)
    meetings: list[CitizenCouncilMeeting] = field(default_factory=list)


def citizen_council(commune: Commune) -> CitizenCouncil:
    """Current members (no leaving date, or one still ahead), past members, and meetings."""
    today = timezone.localdate()
    everyone = list(members(commune))
    return CitizenCouncil(
        commune=commune,
        current=[m for m in everyone if m.left_on is None or m.left_on >= today],
        past=[m for m in everyone if m.left_on is not None and m.left_on < today],
        meetings=list(meetings(commune)),
    )


def current_members(commune: Commune) -> QuerySet[CitizenCouncilMember]:
    today = timezone.localdate()
    return members(commune).filter(Q(left_on__isnull=True) | Q(left_on__gte=today))


def minutes_public(meeting: CitizenCouncilMeeting) -> bool:
    return meeting.minutes is not None and meeting.minutes.state in PUBLIC_STATES


def opinion_for(consultation: Consultation) -> CouncilOpinion | None:
    return CouncilOpinion.objects.filter(consultation=consultation).select_related("meeting").first()


# --- Getters (a row of another commune is not found) --------------------------------------------------


def _get(rows: QuerySet[Any], pk: Any, message: str) -> Any:
    found = rows.filter(pk=as_id(pk) or 0).first()
    if found is None:
        raise NotFound(message, code="not_found")
    return found


def organisation_get(pk: Any, *, commune: Commune | None = None) -> Organisation:
    rows = Organisation.objects.select_related("commune")
    if commune is not None:
        rows = rows.filter(commune=commune)
    return _get(rows, pk, _("This organisation does not exist."))  # type: ignore[no-any-return]


def facilitator_get(pk: Any, *, commune: Commune | None = None) -> Facilitator:
    rows = Facilitator.objects.select_related("commune", "user", "organisation")
    if commune is not None:
        rows = rows.filter(commune=commune)
    return _get(rows, pk, _("This facilitator does not exist."))  # type: ignore[no-any-return]


def member_get(pk: Any, *, commune: Commune | None = None) -> CitizenCouncilMember:
    rows = CitizenCouncilMember.objects.select_related("commune", "organisation", "arrondissement")
    if commune is not None:
        rows = rows.filter(commune=commune)
    return _get(rows, pk, _("This member of the citizen council does not exist."))  # type: ignore[no-any-return]


def meeting_get(pk: Any, *, commune: Commune | None = None) -> CitizenCouncilMeeting:
    rows = CitizenCouncilMeeting.objects.select_related("commune", "minutes", "minutes__commune")
    if commune is not None:
        rows = rows.filter(commune=commune)
    return _get(rows, pk, _("This meeting does not exist."))  # type: ignore[no-any-return]
