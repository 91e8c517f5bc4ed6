"""Template context every page needs: the header's link to the commune workspace."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from hub.selectors import staff_communes


def _workspace_url(request: HttpRequest) -> str:
    """The workspace of one's only commune, the chooser for several (or for a platform
    administrator), "" for a citizen with no role."""
    user = request.user
    if getattr(user, "is_platform_admin", False):
        return reverse("frontend:workspace-choose")
    communes = staff_communes(user=user)
    if not communes:
        return ""
    if len(communes) == 1:
        return reverse("frontend:workspace", args=[communes[0].slug])
    return reverse("frontend:workspace-choose")


def workspace_link(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"workspace_url": SimpleLazyObject(lambda: _workspace_url(request))}
