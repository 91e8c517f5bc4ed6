"""Template context every page needs: the header's link to the commune workspace."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from hub.models import Commune
from hub.permissions import role_commune_ids


def _workspace_url(request: HttpRequest) -> str:
    """The workspace of one's only commune, the chooser for several (or for a platform
    administrator), "" for a citizen with no role."""
    user = request.user
    if getattr(user, "is_platform_admin", False):
        return reverse("frontend:workspace-choose")
    # The roles the permission checks read anyway (one query per request, hub.permissions).
    commune_ids = role_commune_ids(user)
    if not commune_ids:
        return ""
    if len(commune_ids) == 1:
        slug = Commune.objects.filter(pk=next(iter(commune_ids))).values_list("slug", flat=True).first()
        return reverse("frontend:workspace", args=[slug]) if slug else ""
    return reverse("frontend:workspace-choose")


def workspace_link(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"workspace_url": SimpleLazyObject(lambda: _workspace_url(request))}
