"""The team page of a commune: its staff read who holds which role; the mayor and the
secretary-general (and platform administrators) appoint someone, found by e-mail address or Benin
phone number, and revoke roles. The rules are ``hub/permissions.py``'s: only a platform administrator
appoints or removes a mayor. Every change is audited by the services, and takes effect at once: roles
are read again on the next request."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frontend.publications.common import commune_for, handles_domain_errors
from frontend.staff.forms import MembershipForm
from frontend.staff.nav import staff_links
from hub.errors import PermissionDenied
from hub.models import Commune, Membership, Role
from hub.permissions import may_grant_role
from hub.selectors import access_membership, commune_memberships, signed_in, user_lookup
from hub.services import communes as services


def _commune(request: HttpRequest, slug: str, perm: str) -> Commune:
    commune = commune_for(request, slug)
    if not request.user.has_perm(perm, commune):
        raise PermissionDenied()
    return commune


def _grantable(request: HttpRequest, commune: Commune) -> list[str]:
    return [role for role in Role.values if may_grant_role(request.user, commune, role)]


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the memberships (any staff of the commune); POST: appoint (mayor, secretary-general)."""
    commune = _commune(request, slug, "hub.view_staff_area")
    can_manage = request.user.has_perm("hub.manage_memberships", commune)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied()
    form = None
    if can_manage:
        data = request.POST if request.method == "POST" else None
        form = MembershipForm(data, roles=_grantable(request, commune), initial={"is_public": True})

    def appoint(fields: dict[str, Any]) -> Membership:
        member = user_lookup(fields.pop("user"))
        return services.membership_grant(
            actor=signed_in(request.user), commune=commune, user=member, **fields
        )

    if form is not None and form.is_bound:
        # The API's refusals that name no field: an unknown person (404), a role this person may not
        # grant (403), a role already held (409). They belong next to a field here.
        on_field = {"user_not_found": "user", "permission_denied": "role", "duplicate_membership": "user"}
        appointed = form.submit(appoint, on_field=on_field)
        if appointed is not None:
            messages.success(
                request,
                _("%(name)s is now %(role)s of %(commune)s.")
                % {
                    "name": appointed.user.display_name,
                    "role": appointed.get_role_display().lower(),
                    "commune": commune.name,
                },
            )
            return redirect("frontend:staff-team", slug=slug)
    memberships = list(commune_memberships(commune=commune))
    for membership in memberships:
        membership.can_revoke = can_manage and may_grant_role(request.user, commune, membership.role)  # type: ignore[attr-defined]
    context = {
        "commune": commune,
        "memberships": memberships,
        "form": form,
        "can_manage": can_manage,
        "staff_links": staff_links(request, commune),
    }
    status = form.http_status if form is not None and form.is_bound else 200
    return render(request, "frontend/staff/team.html", context, status=status)


@require_POST
@handles_domain_errors
def revoke(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    commune = _commune(request, slug, "hub.manage_memberships")
    membership = access_membership(request.user, commune, membership_id)
    services.membership_revoke(actor=signed_in(request.user), membership=membership)
    messages.success(
        request,
        _("%(name)s is no longer %(role)s of %(commune)s.")
        % {
            "name": membership.user.display_name,
            "role": membership.get_role_display().lower(),
            "commune": commune.name,
        },
    )
    return redirect("frontend:staff-team", slug=slug)
