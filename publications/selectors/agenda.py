"""Agenda reads: a commune's events (cancelled ones included, marked), detail, the iCalendar feed."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from hub.errors import PermissionDenied
from publications.errors import PublicationNotFound
from publications.models import AgendaEvent
from publications.selectors.common import state_filter


def agenda_event_list(
    *,
    user: Any,
    commune: str = "",
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    state: str = "",
) -> QuerySet[AgendaEvent]:
    """Public events (published, and withdrawn ones shown as cancelled) that end after ``start``
    and begin before ``end``, soonest first."""
    events: QuerySet[AgendaEvent] = AgendaEvent.objects.select_related("commune")
    events = state_filter(events, user=user, commune_slug=commune, state=state, default="public")
    if commune:
        events = events.filter(commune__slug=commune)
    if start is not None:
        events = events.filter(ends_at__gte=start)
    if end is not None:
        events = events.filter(starts_at__lt=end)
    return events.order_by("starts_at", "id")


def agenda_feed(*, commune_slug: str, since: datetime.datetime) -> QuerySet[AgendaEvent]:
    """The iCalendar feed: public events from ``since`` on (cancelled ones too, so clients drop them)."""
    return agenda_event_list(user=None, commune=commune_slug, start=since, state="public")


def access_agenda_event(user: Any, event_id: int, *, manage: bool = False) -> AgendaEvent:
    event = AgendaEvent.objects.select_related("commune", "commune__department").filter(pk=event_id).first()
    if event is None or not user.has_perm("publications.view_item", event):
        raise PublicationNotFound()
    if manage and not user.has_perm("publications.manage_item", event):
        raise PermissionDenied()
    return event
