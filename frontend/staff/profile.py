"""The commune's public profile, edited by its staff (``hub.change_commune_profile``: mayor,
secretary-general, communication officer, platform administrators): description, website, contact
e-mail address and phone number, as ``PATCH /api/v1/communes/<slug>/`` checks them. Audited by
``commune_update_profile``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frontend.publications.common import commune_for, handles_domain_errors
from frontend.staff.forms import CommuneProfileForm
from frontend.staff.nav import staff_links
from hub.errors import PermissionDenied
from hub.models import Commune
from hub.selectors import signed_in
from hub.services import communes as services


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def commune_profile(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.change_commune_profile", commune):
        raise PermissionDenied()
    current = {name: getattr(commune, name) for name in services.PROFILE_FIELDS}
    form = CommuneProfileForm(request.POST if request.method == "POST" else None, initial=current)

    def save(fields: dict[str, Any]) -> Commune:
        changes = {name: value for name, value in fields.items() if current.get(name) != value}
        if not changes:
            return commune
        return services.commune_update_profile(
            actor=signed_in(request.user), commune=commune, changes=changes
        )

    if form.is_bound and form.submit(save) is not None:
        messages.success(request, _("The commune's public profile is saved."))
        return redirect("frontend:commune", slug=slug)
    context = {"commune": commune, "form": form, "staff_links": staff_links(request, commune)}
    status = form.http_status if form.is_bound else 200
    return render(request, "frontend/staff/profile.html", context, status=status)
