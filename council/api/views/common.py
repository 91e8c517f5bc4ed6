"""What the council API views share: the documented errors, the commune and committee lookups, and the
permission check that runs before a body is read.

Permissions are the services' (``council.services.common.require_manager``: the commune's
secretary-general or mayor, or a platform administrator). A write view asks the same question first,
so a citizen or staff of another commune is told 403 before their input is parsed or checked, never
400 about fields they may not send at all."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from council.errors import CouncilNotFound
from council.models import Committee, Correction, Motion
from council.selectors import as_id
from council.services.common import require_manager
from hub.errors import NotFound
from hub.models import Commune

ERRORS = {
    400: OpenApiResponse(
        description="Invalid input: `invalid` (with `fields`: the shape or a JSON type), "
        "`validation_error` (with `fields`: a rule of the service), `not_a_member` (someone who is "
        "not a member of this council in office)."
    ),
    403: OpenApiResponse(
        description="Not the secretary-general or the mayor of this commune (`forbidden`), or CSRF."
    ),
    404: OpenApiResponse(description="No such commune, member, committee, session or motion (`not_found`)."),
    409: OpenApiResponse(
        description="Refused in the current state: `already_voted`, `motion_closed`, `not_present`, "
        "`no_quorum`, `wrong_status`."
    ),
}


def commune_get(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def manager_check(request: Request, commune: Commune) -> None:
    """The services' own check (401 signed out, 403 ``forbidden``), before the body is read."""
    require_manager(request.user, commune)


def committee_get(committee_id: Any) -> Committee:
    found = Committee.objects.select_related("commune").filter(pk=as_id(committee_id) or 0).first()
    if found is None:
        raise CouncilNotFound(_("This committee does not exist."))
    return found


def motion_corrections(motion: Motion) -> list[Correction]:
    return list(Correction.objects.filter(motion=motion).order_by("id"))
