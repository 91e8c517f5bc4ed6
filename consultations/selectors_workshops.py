"""Reading workshops: who may see them, and the queries that show them.

A consultation's workshops are public once its results are (phase closed or responded), like the
online answers; before that, only the commune's staff and facilitators see them (the facilitators'
list of what was recorded). A consultation still in draft does not exist for anyone else."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from consultations.errors import Forbidden
from consultations.models import Consultation, Workshop, WorkshopAnswer, WorkshopPhoto
from consultations.permissions import can_facilitate, is_signed_in
from consultations.selectors import can_see, visible_consultation
from hub.errors import NotAuthenticated, NotFound


def consultation_get(consultation_id: Any, user: Any = None) -> Consultation:
    """``selectors.visible_consultation``, under the name (and argument order) the workshop pages use."""
    return visible_consultation(user, consultation_id)


def can_see_workshops(user: Any, consultation: Consultation) -> bool:
    return consultation.results_public or can_facilitate(user, consultation.commune)


def workshops_visible_check(user: Any, consultation: Consultation) -> None:
    if can_see_workshops(user, consultation):
        return
    if not is_signed_in(user):
        raise NotAuthenticated(_("Workshops are shown to everyone once the consultation closes."))
    raise Forbidden(_("Workshops are shown to everyone once the consultation closes."))


def access_consultation_workshops(user: Any, consultation_id: Any) -> Consultation:
    consultation = consultation_get(consultation_id, user)
    workshops_visible_check(user, consultation)
    return consultation


def workshops(consultation: Consultation) -> QuerySet[Workshop]:
    """The consultation's workshops, oldest first, with what they show (a fixed number of queries)."""
    return (
        Workshop.objects.filter(consultation=consultation)
        .select_related("arrondissement", "organisation", "consultation", "commune")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=WorkshopAnswer.objects.select_related("question", "option").order_by(
                    "question__position", "option__position", "id"
                ),
            ),
            Prefetch("photos", queryset=WorkshopPhoto.objects.order_by("id")),
        )
        .order_by("held_on", "id")
    )


def access_workshop(user: Any, workshop_id: Any) -> Workshop:
    """A workshop ``user`` may see (its consultation's rules), with what it shows."""
    pk = workshop_id if isinstance(workshop_id, int) else 0
    found = (
        Workshop.objects.filter(pk=pk)
        .select_related("arrondissement", "organisation", "consultation__commune", "commune")
        .first()
    )
    if found is None:
        raise NotFound(_("This workshop does not exist."))
    consultation = found.consultation
    if not can_see(user, consultation):
        raise NotFound(_("This workshop does not exist."))
    workshops_visible_check(user, consultation)
    return workshops(consultation).get(pk=found.pk)


def access_photo(user: Any, photo_id: Any) -> WorkshopPhoto:
    pk = photo_id if isinstance(photo_id, int) else 0
    photo = (
        WorkshopPhoto.objects.select_related("workshop__consultation__commune", "workshop__commune")
        .filter(pk=pk)
        .first()
    )
    if photo is None:
        raise NotFound(_("This photo does not exist."))
    consultation = photo.workshop.consultation
    if not can_see_workshops(user, consultation):
        raise NotFound(_("This photo does not exist."))
    return photo
