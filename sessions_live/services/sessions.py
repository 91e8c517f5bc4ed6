"""Session writes: scheduling, settings (with documents, and the agenda as a whole), start and end.
The agenda's own writes (one item at a time) are in ``sessions_live.services.agenda``.

Start and end also bound the session's audience (``sessions_live.audience``): the start counts
from the viewers connected at that moment; the end keeps the peak and total reached on the row.

Scheduling and settings check every field before writing and report all the fields in error at
once (one ``Invalid`` with ``fields``): the API and the staff pages show the same messages, next to
each field.

A session cannot be scheduled in the past, nor a session that has not started moved there: it would
notify followers of something already over and sit among the upcoming sessions for ever. A start a
little in the past (``PAST_START_GRACE``) is still taken: the form has minutes, clocks drift, and a
secretary may schedule the session that is starting now just before starting it.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import versions
from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.services.outbox import outbox_record
from sessions_live import audience, events
from sessions_live.errors import Invalid, WrongStatus
from sessions_live.events import session_path, session_status_data
from sessions_live.models import AgendaItem, LiveSession, SessionDocument, SessionKind, SessionStatus
from sessions_live.presence import viewer_count
from sessions_live.services.agenda import agenda_apply, agenda_of, agenda_titles_clean, rows_for_titles
from sessions_live.services.common import invalid, require_manager, require_user, text_clean, url_clean
from sessions_live.services.polls import poll_close

MAX_SLOW_MODE_SECONDS = 3600
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 4000
MAX_SESSION_DOCUMENTS = 50
# How far in the past a new start may be (scheduling, or moving a session that has not started).
PAST_START_GRACE = datetime.timedelta(hours=1)
# What an ended session still takes (documents too: the minutes are often published afterwards).
ENDED_FIELDS = frozenset({"recording_url", "description"})
# What only a session that has not started takes.
BEFORE_START_FIELDS = frozenset({"kind", "agenda"})

FieldErrors = dict[str, list[str]]


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


def _add_errors(errors: FieldErrors, exc: Invalid) -> None:
    for name, messages in (exc.details.get("fields") or {}).items():
        errors.setdefault(name, []).extend(str(message) for message in messages)


def _raise_gathered(errors: FieldErrors) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, fields=errors)


def _kind_clean(value: Any) -> str:
    if value not in SessionKind.values:
        raise invalid("kind", _("Choose a kind of session."))
    return str(value)


def _slow_mode_clean(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SLOW_MODE_SECONDS:
        raise invalid(
            "slow_mode_seconds", _("Between 0 and %(max)d seconds.") % {"max": MAX_SLOW_MODE_SECONDS}
        )
    return value


def _premoderated_clean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid("questions_premoderated", _("true or false."))
    return value


def _starts_at_clean(value: Any) -> datetime.datetime:
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        raise invalid("starts_at", _("Give a date and time with a time zone."))
    return value


def _start_not_past(starts_at: datetime.datetime, errors: FieldErrors) -> None:
    if starts_at < timezone.now() - PAST_START_GRACE:
        errors.setdefault("starts_at", []).append(
            _("A session cannot start in the past: choose a later date or time.")
        )


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "kind": _kind_clean,
    "title": lambda value: text_clean(value, field="title", max_length=MAX_TITLE_CHARS),
    "description": lambda value: text_clean(
        value, field="description", max_length=MAX_DESCRIPTION_CHARS, required=False
    ),
    "starts_at": _starts_at_clean,
    "stream_url": lambda value: url_clean(value, field="stream_url", embed=True),
    "audio_url": lambda value: url_clean(value, field="audio_url"),
    "recording_url": lambda value: url_clean(value, field="recording_url"),
    "slow_mode_seconds": _slow_mode_clean,
    "questions_premoderated": _premoderated_clean,
}


def _settings_clean(changes: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """The known fields of ``changes``, cleaned; the errors of every bad one go to ``errors``."""
    clean: dict[str, Any] = {}
    for field, cleaner in _CLEANERS.items():
        if field in changes:
            try:
                clean[field] = cleaner(changes[field])
            except Invalid as exc:
                _add_errors(errors, exc)
    return clean


def _published_documents() -> QuerySet[Any]:
    """Published documents, of the model this app's own foreign key names: feature apps do not
    import each other, and publications' querysets offer ``published()`` for this."""
    document_model: Any = SessionDocument._meta.get_field("document").related_model
    return document_model.objects.published()


def _documents_clean(commune_id: int, document_ids: Any) -> list[int]:
    message = _("Attach published documents of this commune only.")
    if not isinstance(document_ids, list | tuple) or not all(
        isinstance(pk, int) and not isinstance(pk, bool) for pk in document_ids
    ):
        raise invalid("documents", message)
    ids = list(dict.fromkeys(document_ids))
    if len(ids) > MAX_SESSION_DOCUMENTS:
        raise invalid("documents", _("At most %(max)d documents.") % {"max": MAX_SESSION_DOCUMENTS})
    found = set(_published_documents().filter(pk__in=ids, commune_id=commune_id).values_list("pk", flat=True))
    if found != set(ids):
        raise invalid("documents", message)
    return ids


def _documents_set(session: LiveSession, ids: list[int]) -> None:
    SessionDocument.objects.filter(session=session).delete()
    SessionDocument.objects.bulk_create(
        [SessionDocument(session=session, document_id=pk, position=index) for index, pk in enumerate(ids)]
    )
    versions.changed(session_id=session.pk)  # bulk_create sends no signal


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
    errors: FieldErrors = {}
    clean = _settings_clean({"kind": kind, "title": title, "starts_at": starts_at, **settings_}, errors)
    if "starts_at" in clean:
        _start_not_past(clean["starts_at"], errors)
    titles: list[str] = []
    try:
        titles = agenda_titles_clean(agenda)
    except Invalid as exc:
        _add_errors(errors, exc)
    with transaction.atomic():
        document_ids: list[int] = []
        try:
            document_ids = _documents_clean(commune.pk, documents) if documents else []
        except Invalid as exc:
            _add_errors(errors, exc)
        _raise_gathered(errors)
        session = LiveSession.objects.create(commune=commune, created_by=user, **clean)
        AgendaItem.objects.bulk_create(
            [AgendaItem(session=session, position=index + 1, title=t) for index, t in enumerate(titles)]
        )
        if document_ids:
            _documents_set(session, document_ids)
        audit_record(actor=user, action="session.schedule", obj=session, commune=commune, data={"kind": kind})
        _notify_followers(session, "session.scheduled")
    return session


def session_update(*, actor: Any, session: LiveSession, changes: dict[str, Any]) -> LiveSession:
    """Settings, documents, and (before the start) the kind and the whole agenda, as a list of
    titles: items whose title is unchanged keep their identity, the others are renamed, added or
    removed in order."""
    user = require_manager(actor, session)
    changes = dict(changes)
    documents = changes.pop("documents", None)
    agenda = changes.pop("agenda", None)
    errors: FieldErrors = {}
    clean = _settings_clean(changes, errors)
    titles: list[str] | None = None
    document_ids: list[int] = []
    try:
        titles = agenda_titles_clean(agenda) if agenda is not None else None
    except Invalid as exc:
        _add_errors(errors, exc)
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().only("id", "status", "starts_at").get(pk=session.pk)
        try:
            document_ids = _documents_clean(session.commune_id, documents) if documents is not None else []
        except Invalid as exc:
            _add_errors(errors, exc)
        # Only a new start is checked: a late session keeps the start it was announced with.
        moved = "starts_at" in clean and clean["starts_at"] != locked.starts_at
        if moved and locked.status == SessionStatus.SCHEDULED:
            _start_not_past(clean["starts_at"], errors)
        _raise_gathered(errors)
        asked = set(clean) | ({"agenda"} if titles is not None else set())
        if locked.status == SessionStatus.ENDED and asked - ENDED_FIELDS:
            raise WrongStatus(_("An ended session only takes a recording link and a description."))
        if locked.status != SessionStatus.SCHEDULED and asked & BEFORE_START_FIELDS:
            raise WrongStatus(_("The kind and the agenda can be changed only before the session starts."))
        for field, value in clean.items():
            setattr(session, field, value)
        if clean:
            session.save(update_fields=[*clean, "updated_at"])
        if documents is not None:
            _documents_set(session, document_ids)
        public = {k: (v.isoformat() if isinstance(v, datetime.datetime) else v) for k, v in clean.items()}
        if documents is not None:
            public["documents"] = document_ids
        if public:
            events.event_append(session.pk, events.SESSION_UPDATED, public)
        if titles is not None:
            agenda_apply(session, rows_for_titles(agenda_of(session), titles))
        if public or titles is not None:
            audit_record(
                actor=user,
                action="session.update",
                obj=session,
                commune=session.commune,
                data={"fields": sorted([*public, *(["agenda"] if titles is not None else [])])},
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
        transaction.on_commit(functools.partial(_audience_restart, locked.pk))
    return locked


def _audience_restart(session_id: int) -> None:
    audience.figures_restart(session_id, viewers=viewer_count(session_id))


def session_end(*, actor: Any, session: LiveSession) -> LiveSession:
    """live → ended; polls still open are closed (their results archived); the audience counted
    until now is kept on the row (never lower than what the live saves stored)."""
    user = require_manager(actor, session)
    counted = audience.figures_read(session.pk)  # before the transaction: no network call inside it
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.ENDED:
            return locked
        if locked.status != SessionStatus.LIVE:
            raise WrongStatus(_("Only a live session can end."))
        for poll in locked.polls.filter(status="open"):
            poll_close(actor=user, poll=poll)
        locked.status, locked.ended_at = SessionStatus.ENDED, timezone.now()
        stored = audience.Figures(locked.peak_viewers, locked.total_viewers)
        locked.peak_viewers, locked.total_viewers = audience.figures_combined(stored, counted)
        locked.save(update_fields=["status", "ended_at", "peak_viewers", "total_viewers", "updated_at"])
        events.event_append(locked.pk, events.SESSION_STATUS, session_status_data(locked))
        audit_record(actor=user, action="session.end", obj=locked, commune=locked.commune)
    return locked
