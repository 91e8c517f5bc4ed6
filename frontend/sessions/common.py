"""Helpers shared by the session pages: the session lookup, the error pages, and who sees the staff
links (the API's own predicates: ``sessions_live.permissions``, ``hub.publish_in_commune``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frontend.refusals import domain_error_pages
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


handles_domain_errors = domain_error_pages(forbidden)
