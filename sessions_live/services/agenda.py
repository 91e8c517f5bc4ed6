"""Agenda writes: add an item, set the current one, and, before the session starts, rename, remove,
reorder or replace the whole agenda.

The agenda is announced to citizens with the session. Until the session starts staff may change it
freely, and every such change sends ``agenda.changed`` with the whole agenda (the item that was
current is unset if it is removed); once it is live, items can only be added (``agenda.item``), so
what viewers follow keeps its shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from hub.errors import NotFound
from hub.services.audit import audit_record
from sessions_live import events
from sessions_live.errors import Invalid, WrongStatus
from sessions_live.events import agenda_changed_data, agenda_item_data
from sessions_live.models import AgendaItem, LiveSession, SessionStatus
from sessions_live.services.common import invalid, require_manager, text_clean

MAX_ITEM_CHARS = 200
MAX_AGENDA_ITEMS = 100

AgendaRows = list[tuple[AgendaItem | None, str]]


def agenda_titles_clean(titles: Any) -> list[str]:
    """A list of item titles (errors under ``agenda``, each naming the item's number)."""
    if not isinstance(titles, list | tuple):
        raise invalid("agenda", _("Send a list of titles."))
    if len(titles) > MAX_AGENDA_ITEMS:
        raise invalid("agenda", _("At most %(max)d agenda items.") % {"max": MAX_AGENDA_ITEMS})
    clean: list[str] = []
    messages: list[str] = []
    for number, title in enumerate(titles, start=1):
        try:
            clean.append(text_clean(title, field="agenda", max_length=MAX_ITEM_CHARS))
        except Invalid as exc:
            messages.append(_("Item %(number)d: %(error)s") % {"number": number, "error": exc.message})
    if messages:
        raise Invalid(messages[0], fields={"agenda": messages})
    return clean


def agenda_of(session: LiveSession) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(session=session).order_by("position", "id"))


def rows_for_titles(existing: list[AgendaItem], titles: list[str]) -> AgendaRows:
    """Match a new list of titles to the items: an unchanged title keeps its item; the items left
    over are renamed in order, and then removed; titles left over become new items."""
    unused = list(existing)
    rows: AgendaRows = []
    for title in titles:
        same = next((item for item in unused if item.title == title), None)
        if same is not None:
            unused.remove(same)
        rows.append((same, title))
    for index, (item, title) in enumerate(rows):
        if item is None and unused:
            rows[index] = (unused.pop(0), title)
    return rows


def agenda_apply(session: LiveSession, rows: AgendaRows) -> list[AgendaItem]:
    """Make the agenda ``rows``, in order (positions 1..n), and send ``agenda.changed``. Runs inside
    the caller's transaction, with the session's row locked and its status checked."""
    existing = agenda_of(session)
    kept = [item for item, _title in rows if item is not None]
    kept_ids = {item.pk for item in kept}
    removed = [item.pk for item in existing if item.pk not in kept_ids]
    if removed:
        AgendaItem.objects.filter(pk__in=removed).delete()  # unsets the current item if it is one
    # Positions are unique per session, checked row by row: park the kept items above every position
    # in use or to come, then give each its final place.
    base = max([len(rows), *(item.position for item in existing)])
    for offset, item in enumerate(kept, start=1):
        item.position = base + offset
    AgendaItem.objects.bulk_update(kept, ["position"])
    created: list[AgendaItem] = []
    for position, (row_item, title) in enumerate(rows, start=1):
        if row_item is None:
            created.append(AgendaItem(session=session, position=position, title=title))
        else:
            row_item.position, row_item.title = position, title
    AgendaItem.objects.bulk_update(kept, ["position", "title"])
    AgendaItem.objects.bulk_create(created)
    current = LiveSession.objects.filter(pk=session.pk).values_list("current_item_id", flat=True).get()
    session.current_item_id = current
    items = agenda_of(session)
    events.event_append(session.pk, events.AGENDA_CHANGED, agenda_changed_data(items, current))
    return items


def _agenda_before_start(session: LiveSession) -> list[AgendaItem]:
    """Lock the session; its agenda if it has not started (``WrongStatus`` otherwise)."""
    locked = LiveSession.objects.select_for_update().only("id", "status").get(pk=session.pk)
    if locked.status != SessionStatus.SCHEDULED:
        raise WrongStatus(_("The agenda can be changed only before the session starts; add items instead."))
    return agenda_of(session)


def _item_in(items: list[AgendaItem], item_id: Any) -> AgendaItem:
    item = next((item for item in items if item.pk == item_id), None)
    if item is None:
        raise NotFound(_("This item is not on this session's agenda."))
    return item


def agenda_item_add(*, actor: Any, session: LiveSession, title: str) -> AgendaItem:
    user = require_manager(actor, session)
    if session.status == SessionStatus.ENDED:
        raise WrongStatus()
    clean = text_clean(title, field="title", max_length=MAX_ITEM_CHARS)
    with transaction.atomic():
        LiveSession.objects.select_for_update().only("id").get(pk=session.pk)
        if AgendaItem.objects.filter(session=session).count() >= MAX_AGENDA_ITEMS:
            raise invalid("title", _("At most %(max)d agenda items.") % {"max": MAX_AGENDA_ITEMS})
        last = AgendaItem.objects.filter(session=session).aggregate(m=Max("position"))["m"] or 0
        item = AgendaItem.objects.create(session=session, position=last + 1, title=clean)
        events.event_append(session.pk, events.AGENDA_ITEM, {"item": agenda_item_data(item)})
        audit_record(actor=user, action="session.agenda_add", obj=item, commune=session.commune)
    return item


def agenda_item_update(*, actor: Any, session: LiveSession, item_id: int, title: str) -> AgendaItem:
    """Rename an item, before the session starts."""
    user = require_manager(actor, session)
    clean = text_clean(title, field="title", max_length=MAX_ITEM_CHARS)
    with transaction.atomic():
        items = _agenda_before_start(session)
        item = _item_in(items, item_id)
        before = item.title
        agenda_apply(session, [(row, clean if row.pk == item.pk else row.title) for row in items])
        audit_record(
            actor=user,
            action="session.agenda_update",
            obj=item,
            commune=session.commune,
            data={"before": before, "after": clean},
        )
    return item


def agenda_item_remove(*, actor: Any, session: LiveSession, item_id: int) -> None:
    """Take an item off the agenda, before the session starts; the next ones move up."""
    user = require_manager(actor, session)
    with transaction.atomic():
        items = _agenda_before_start(session)
        item = _item_in(items, item_id)
        agenda_apply(session, [(row, row.title) for row in items if row.pk != item.pk])
        audit_record(
            actor=user,
            action="session.agenda_remove",
            obj=session,
            commune=session.commune,
            data={"item": item.pk, "title": item.title},
        )


def agenda_reorder(*, actor: Any, session: LiveSession, item_ids: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in the order of ``item_ids`` (every item once), before the session starts."""
    user = require_manager(actor, session)
    with transaction.atomic():
        items = _agenda_before_start(session)
        by_id = {item.pk: item for item in items}
        ids = list(item_ids) if isinstance(item_ids, list | tuple) else []
        every_item_once = (
            len(ids) == len(by_id) and all(isinstance(pk, int) for pk in ids) and set(ids) == set(by_id)
        )
        if not every_item_once:
            raise invalid("items", _("Give every item of the agenda once, in the new order."))
        ordered = agenda_apply(session, [(by_id[pk], by_id[pk].title) for pk in ids])
        audit_record(
            actor=user,
            action="session.agenda_reorder",
            obj=session,
            commune=session.commune,
            data={"items": ids},
        )
    return ordered


def agenda_current_set(*, actor: Any, session: LiveSession, item_id: int | None) -> LiveSession:
    user = require_manager(actor, session)
    if session.status == SessionStatus.ENDED:
        raise WrongStatus()
    if item_id is not None and not AgendaItem.objects.filter(pk=item_id, session=session).exists():
        raise invalid("item", _("This item is not on this session's agenda."))
    with transaction.atomic():
        LiveSession.objects.filter(pk=session.pk).update(current_item_id=item_id)
        session.current_item_id = item_id
        events.event_append(session.pk, events.AGENDA_CURRENT, {"item": item_id})
        audit_record(
            actor=user,
            action="session.agenda_current",
            obj=session,
            commune=session.commune,
            data={"item": item_id},
        )
    return session
