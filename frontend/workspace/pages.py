"""The commune workspace (``/communes/<slug>/espace/``), the chooser for people with roles in more
than one commune (``/espace/``), and the commune's audit journal (``/communes/<slug>/journal/``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from frontend.publications.common import commune_for, handles_domain_errors, paginate
from frontend.staff.nav import staff_links
from frontend.workspace.data import audit_lines, workspace_for
from hub.errors import PermissionDenied
from hub.models import Commune
from hub.selectors import commune_audit_entries, staff_communes

JOURNAL_PAGE = 50


@require_GET
@handles_domain_errors
def choose(request: HttpRequest) -> HttpResponse:
    """Straight to the workspace of one's only commune; otherwise a list of them."""
    if not request.user.is_authenticated:
        raise PermissionDenied()
    communes = staff_communes(user=request.user)
    is_admin = bool(request.user.is_platform_admin)
    if is_admin:
        communes = list(Commune.objects.enabled().order_by("search_name", "id"))
    if len(communes) == 1 and not is_admin:
        return redirect("frontend:workspace", communes[0].slug)
    return render(request, "frontend/workspace/choose.html", {"communes": communes, "is_admin": is_admin})


@require_GET
@handles_domain_errors
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.view_staff_area", commune):
        raise PermissionDenied()
    context = {
        "commune": commune,
        "space": workspace_for(request, commune),
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/workspace/workspace.html", context)


@require_GET
@handles_domain_errors
def journal(request: HttpRequest, slug: str) -> HttpResponse:
    """The commune's audit log, newest first, 50 a page (the mayor, the secretary-general, admins)."""
    commune = commune_for(request, slug)
    if not request.user.has_perm("hub.view_commune_audit_log", commune):
        if not request.user.is_authenticated:
            raise PermissionDenied()  # the sign-in page
        # Its own refusal: the publishers' one named roles that are refused here too.
        return render(request, "frontend/workspace/journal_forbidden.html", {"commune": commune}, status=403)
    page = paginate(request, commune_audit_entries(commune=commune), JOURNAL_PAGE)
    lines = audit_lines(page.object_list)
    context = {"commune": commune, "page": page, "lines": lines, "staff_links": staff_links(request, commune)}
    return render(request, "frontend/workspace/journal.html", context)
