"""Agenda writes: events of the mayor's agenda, published to followers and to the iCalendar feed.
Withdrawing a published event cancels it (calendar clients receive ``STATUS:CANCELLED``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from hub.errors import InvalidInput
from hub.models import Commune, User
from hub.services.audit import audit_record
from publications.models import AgendaEvent
from publications.services import common

EDITABLE_FIELDS = ("title", "description", "place", "starts_at", "ends_at")


def _moment_check(value: Any, field: str) -> datetime.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime.datetime):
        message = _("Give a date and a time.")
        raise InvalidInput(message, fields={field: [message]})
    if timezone.is_naive(value):  # a time without zone is the commune's local time
        value = timezone.make_aware(value)
    return value


def _fields_check(changes: dict[str, Any], current: AgendaEvent | None = None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "title" in changes:
        clean["title"] = common.text_check(changes["title"], field="title", max_length=200)
    if "description" in changes:
        clean["description"] = common.text_check(
            changes["description"], field="description", max_length=4000, required=False
        )
    if "place" in changes:
        clean["place"] = common.text_check(changes["place"], field="place", max_length=200, required=False)
    for field in ("starts_at", "ends_at"):
        if field in changes:
            clean[field] = _moment_check(changes[field], field)
    starts = clean.get("starts_at", current.starts_at if current else None)
    ends = clean.get("ends_at", current.ends_at if current else None)
    if starts and ends and ends < starts:
        message = _("The end comes before the start.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    return clean


def agenda_event_create(
    *,
    actor: User,
    commune: Commune,
    title: str,
    starts_at: Any,
    ends_at: Any = None,
    description: str = "",
    place: str = "",
    publish: bool = False,
) -> AgendaEvent:
    common.require_publisher(actor, commune)
    fields = {"title": title, "description": description, "place": place, "starts_at": starts_at}
    fields["ends_at"] = ends_at if ends_at not in (None, "") else starts_at
    clean = _fields_check(fields)
    with transaction.atomic():
        event = AgendaEvent.objects.create(commune=commune, created_by=actor, **clean)
        audit_record(
            actor=actor,
            action="agenda.created",
            obj=event,
            commune=commune,
            data={"starts_at": event.starts_at.isoformat()},
        )
        if publish:
            event, _published = agenda_event_publish(actor=actor, event=event)
    return event


def agenda_event_update(*, actor: User, event: AgendaEvent, changes: dict[str, Any]) -> AgendaEvent:
    common.require_manager(actor, event)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    clean = _fields_check(changes, current=event)
    with transaction.atomic():
        event = common.lock(event)  # type: ignore[assignment]
        before = {name: _jsonable(getattr(event, name)) for name in clean}
        for name, value in clean.items():
            setattr(event, name, value)
        event.save(update_fields=[*clean, "updated_at"])
        audit_record(
            actor=actor,
            action="agenda.updated",
            obj=event,
            commune=event.commune,
            data={"before": before, "after": {name: _jsonable(value) for name, value in clean.items()}},
        )
    return event


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def agenda_event_publish(*, actor: User, event: AgendaEvent) -> tuple[AgendaEvent, bool]:
    payload = {
        "type": "agenda_event",
        "type_label": common.french(AgendaEvent._meta.verbose_name),
        "starts_at": event.starts_at.isoformat(),
        "place": event.place,
    }
    item, published = common.publish(actor=actor, item=event, payload=payload)
    return item, published  # type: ignore[return-value]


def agenda_event_withdraw(*, actor: User, event: AgendaEvent, reason: str) -> AgendaEvent:
    return common.withdraw(actor=actor, item=event, reason=reason)  # type: ignore[return-value]
