"""Helpers shared by the session pages: the session lookup, the error pages, and who sees the staff
links (the API's own predicates: ``sessions_live.permissions``, ``hub.publish_in_commune``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from frontend.views import page_not_found
from hub.errors import NotAuthenticated, NotFound, PermissionDenied
from hub.models import Commune, Membership
from sessions_live import selectors
from sessions_live.models import LiveSession
from sessions_live.permissions import can_manage, can_moderate, is_signed_in


def session_get(pk: int) -> LiveSession:
    return selectors.session_get(pk, detail=True)


def forbidden(
    request: HttpRequest,
    session: LiveSession | None = None,
    *,
    moderation: bool = False,
    commune: Commune | None = None,
) -> HttpResponse:
    context = {"session": session, "moderation": moderation, "commune": commune}
    return render(request, "frontend/sessions/forbidden.html", context, status=403)


def sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('frontend:login')}?{urlencode({'next': request.path})}")


def with_staff_rights(user: Any, sessions: Iterable[LiveSession]) -> list[LiveSession]:
    """The sessions, each marked with what ``user`` may open: its console, its moderation console."""
    rows = list(sessions)
    for session in rows:
        session.can_manage = can_manage(user, session)  # type: ignore[attr-defined]
        session.can_moderate = can_moderate(user, session)  # type: ignore[attr-defined]
    return rows


def schedulable_communes(user: Any) -> list[Commune]:
    """The communes where ``user`` may schedule a session, among those they hold a role in."""
    if not is_signed_in(user):
        return []
    ids = Membership.objects.filter(user_id=user.pk).values_list("commune_id", flat=True)
    communes = Commune.objects.filter(pk__in=ids).order_by("name")
    return [commune for commune in communes if user.has_perm("hub.publish_in_commune", commune)]


def handles_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``NotFound`` → the HTML 404 page, ``PermissionDenied`` → 403 (or sign in first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Http404):
            return page_not_found(request, None)
        except (PermissionDenied, NotAuthenticated):
            if not request.user.is_authenticated:
                return sign_in_first(request)
            return forbidden(request)

    return wrapper
