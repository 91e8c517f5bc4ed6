"""Session writes: scheduling, settings, start and end, agenda and documents."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.services.outbox import outbox_record
from sessions_live import events
from sessions_live.errors import WrongStatus
from sessions_live.events import agenda_item_data, session_path, session_status_data
from sessions_live.models import AgendaItem, LiveSession, SessionDocument, SessionKind, SessionStatus
from sessions_live.services.common import invalid, require_manager, require_user, text_clean, url_clean
from sessions_live.services.polls import poll_close

MAX_SLOW_MODE_SECONDS = 3600


def _notify_followers(session: LiveSession, kind: str) -> None:
    outbox_record(
        kind=kind,
        commune=session.commune,
        obj=session,
        payload={
            "title": session.title,
            "path": session_path(session),
            "starts_at": session.starts_at.isoformat(),
        },
        dedup_key=f"{kind}:{session.pk}",
    )


def _settings_clean(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "title" in changes:
        clean["title"] = text_clean(changes["title"], field="title", max_length=200)
    if "description" in changes:
        clean["description"] = text_clean(
            changes["description"], field="description", max_length=4000, required=False
        )
    for field in ("stream_url", "audio_url", "recording_url"):
        if field in changes:
            clean[field] = url_clean(changes[field], field=field, embed=field == "stream_url")
    if "slow_mode_seconds" in changes:
        value = changes["slow_mode_seconds"]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SLOW_MODE_SECONDS:
            raise invalid(
                "slow_mode_seconds", _("Between 0 and %(max)d seconds.") % {"max": MAX_SLOW_MODE_SECONDS}
            )
        clean["slow_mode_seconds"] = value
    if "questions_premoderated" in changes:
        if not isinstance(changes["questions_premoderated"], bool):
            raise invalid("questions_premoderated", _("true or false."))
        clean["questions_premoderated"] = changes["questions_premoderated"]
    if "starts_at" in changes:
        starts_at = changes["starts_at"]
        if not isinstance(starts_at, datetime.datetime) or timezone.is_naive(starts_at):
            raise invalid("starts_at", _("Give a date and time with a time zone."))
        clean["starts_at"] = starts_at
    return clean


def _published_documents() -> QuerySet[Any]:
    """Published documents, of the model this app's own foreign key names: feature apps do not
    import each other, and publications' querysets offer ``published()`` for this."""
    document_model: Any = SessionDocument._meta.get_field("document").related_model
    return document_model.objects.published()


def _documents_set(session: LiveSession, document_ids: Sequence[int]) -> None:
    ids = list(dict.fromkeys(document_ids))
    found = set(
        _published_documents().filter(pk__in=ids, commune_id=session.commune_id).values_list("pk", flat=True)
    )
    if found != set(ids):
        raise invalid("documents", _("Attach published documents of this commune only."))
    SessionDocument.objects.filter(session=session).delete()
    SessionDocument.objects.bulk_create(
        [SessionDocument(session=session, document_id=pk, position=index) for index, pk in enumerate(ids)]
    )


def session_schedule(
    *,
    actor: User,
    commune: Commune,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    agenda: Sequence[str] = (),
    documents: Sequence[int] = (),
    **settings_: Any,
) -> LiveSession:
    """Schedule a session (staff of the commune); followers of the commune are notified."""
    user = require_user(actor)
    probe = LiveSession(commune=commune)
    require_manager(user, probe)
    if kind not in SessionKind.values:
        raise invalid("kind", _("Choose a kind of session."))
    clean = _settings_clean({"title": title, "starts_at": starts_at, **settings_})
    titles = [text_clean(item, field="agenda", max_length=200) for item in agenda]
    with transaction.atomic():
        session = LiveSession.objects.create(commune=commune, kind=kind, created_by=user, **clean)
        AgendaItem.objects.bulk_create(
            [AgendaItem(session=session, position=index + 1, title=t) for index, t in enumerate(titles)]
        )
        if documents:
            _documents_set(session, documents)
        audit_record(actor=user, action="session.schedule", obj=session, commune=commune, data={"kind": kind})
        _notify_followers(session, "session.scheduled")
    return session


def session_update(*, actor: Any, session: LiveSession, changes: dict[str, Any]) -> LiveSession:
    user = require_manager(actor, session)
    documents = changes.pop("documents", None)
    clean = _settings_clean(changes)
    if session.status == SessionStatus.ENDED and set(clean) - {"recording_url", "description"}:
        raise WrongStatus(_("An ended session only takes a recording link and a description."))
    with transaction.atomic():
        for field, value in clean.items():
            setattr(session, field, value)
        if clean:
            session.save(update_fields=[*clean, "updated_at"])
        if documents is not None:
            _documents_set(session, documents)
        public = {k: (v.isoformat() if isinstance(v, datetime.datetime) else v) for k, v in clean.items()}
        if documents is not None:
            public["documents"] = list(documents)
        if public:
            events.event_append(session.pk, events.SESSION_UPDATED, public)
            audit_record(
                actor=user,
                action="session.update",
                obj=session,
                commune=session.commune,
                data={"fields": sorted(public)},
            )
    return session


def session_start(*, actor: Any, session: LiveSession) -> LiveSession:
    """scheduled → live; followers are told it is live (once, even if started twice)."""
    user = require_manager(actor, session)
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.LIVE:
            return locked
        if locked.status != SessionStatus.SCHEDULED:
            raise WrongStatus(_("This session has ended."))
        locked.status, locked.started_at = SessionStatus.LIVE, timezone.now()
        locked.save(update_fields=["status", "started_at", "updated_at"])
        events.event_append(locked.pk, events.SESSION_STATUS, session_status_data(locked))
        audit_record(actor=user, action="session.start", obj=locked, commune=locked.commune)
        _notify_followers(locked, "session.live")
    return locked


def session_end(*, actor: Any, session: LiveSession) -> LiveSession:
    """live → ended; polls still open are closed (their results archived)."""
    user = require_manager(actor, session)
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.ENDED:
            return locked
        if locked.status != SessionStatus.LIVE:
            raise WrongStatus(_("Only a live session can end."))
        for poll in locked.polls.filter(status="open"):
            poll_close(actor=user, poll=poll)
        locked.status, locked.ended_at = SessionStatus.ENDED, timezone.now()
        locked.save(update_fields=["status", "ended_at", "updated_at"])
        events.event_append(locked.pk, events.SESSION_STATUS, session_status_data(locked))
        audit_record(actor=user, action="session.end", obj=locked, commune=locked.commune)
    return locked


def agenda_item_add(*, actor: Any, session: LiveSession, title: str) -> AgendaItem:
    user = require_manager(actor, session)
    if session.status == SessionStatus.ENDED:
        raise WrongStatus()
    clean = text_clean(title, field="title", max_length=200)
    with transaction.atomic():
        LiveSession.objects.select_for_update().only("id").get(pk=session.pk)
        last = AgendaItem.objects.filter(session=session).aggregate(m=Max("position"))["m"] or 0
        item = AgendaItem.objects.create(session=session, position=last + 1, title=clean)
        events.event_append(
            session.pk,
            events.AGENDA_ITEM,
            {"item": agenda_item_data(item)},
        )
        audit_record(actor=user, action="session.agenda_add", obj=item, commune=session.commune)
    return item


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
