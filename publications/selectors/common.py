"""Visibility rules shared by the publication lists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, PermissionDenied
from hub.models import Commune
from publications.models import PublicationState
from publications.models.common import PUBLIC_STATES

# ``state`` filter values of the lists; drafts (and "all") need publishing rights in the commune.
STATE_FILTERS = ("published", "withdrawn", "public", "draft", "all")


def state_filter(
    items: QuerySet[Any], *, user: Any, commune_slug: str, state: str, default: str
) -> QuerySet[Any]:
    state = state or default
    if state not in STATE_FILTERS:
        message = _("Unknown value: %(value)s.") % {"value": state[:40]}
        raise InvalidInput(message, fields={"state": [message]})
    if state == "published":
        return items.filter(state=PublicationState.PUBLISHED)
    if state == "withdrawn":
        return items.filter(state=PublicationState.WITHDRAWN)
    if state == "public":
        return items.filter(state__in=PUBLIC_STATES)
    # Drafts: only in one commune at a time, and only for those who may publish there.
    commune = Commune.objects.filter(slug=commune_slug).first() if commune_slug else None
    if commune is None or not user.has_perm("hub.publish_in_commune", commune):
        raise PermissionDenied(_("Only the commune's publishers see its drafts."))
    if state == "draft":
        return items.filter(state=PublicationState.DRAFT)
    return items
