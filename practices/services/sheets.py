"""A commune's practice sheets: writing one (a draft), editing it, publishing it and withdrawing it.

Each write checks first that the actor publishes in the sheet's commune (``practices.manage_sheet``),
cleans its input (every field in error at once), and writes in one transaction with its audit entry.
The first publication of a sheet records the outbox event that tells the followers of its themes
(each person once, whichever of its themes they follow); a sheet withdrawn and published again is
not announced twice. Corrections of a published sheet stay published, audited, unannounced.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Commune
from hub.services.audit import audit_record
from practices.errors import Invalid, WrongStatus
from practices.models import PracticeSheet, SheetStatus
from practices.services.common import fields_clean, require_manager, search_text, slugs
from practices.services.notify import notify_published

MAX_REASON_CHARS = 500
# Fields whose old and new values the audit entry keeps (the long texts are named only).
AUDITED_VALUES = ("title", "contact_name", "contact_role", "contact_email", "contact_phone")


def _lock(sheet: PracticeSheet) -> PracticeSheet:
    return PracticeSheet.objects.select_related("commune").select_for_update(of=("self",)).get(pk=sheet.pk)


def sheet_create(*, actor: Any, commune: Commune, data: dict[str, Any]) -> PracticeSheet:
    """Write a new sheet of the commune, as a draft: only its staff see it until it is published."""
    user = require_manager(actor, commune)
    clean = fields_clean(data, commune=commune, creating=True)
    themes, documents = clean.pop("themes"), clean.pop("documents")
    with transaction.atomic():
        now = timezone.now()
        sheet = PracticeSheet(commune=commune, created_by=user, created_at=now, updated_at=now, **clean)
        sheet.search_text = search_text(sheet, commune.name)
        sheet.save()
        sheet.themes.set(themes)
        sheet.documents.set(documents)
        audit_record(
            actor=user,
            action="practice.create",
            obj=sheet,
            commune=commune,
            data={"themes": slugs(themes), "documents": [d.pk for d in documents]},
        )
    return sheet


def sheet_update(*, actor: Any, sheet: PracticeSheet, changes: dict[str, Any]) -> PracticeSheet:
    """Edit a sheet, whatever its status (a published one stays published: corrections are not
    announced). Only the fields given change; nothing changed writes nothing."""
    user = require_manager(actor, sheet.commune)
    clean = fields_clean(changes, commune=sheet.commune, creating=False, current=sheet)
    with transaction.atomic():
        locked = _lock(sheet)
        themes, documents = clean.pop("themes", None), clean.pop("documents", None)
        edited = {field: value for field, value in clean.items() if getattr(locked, field) != value}
        shown = [field for field in edited if field in AUDITED_VALUES]
        before: dict[str, Any] = {field: getattr(locked, field) for field in shown}
        after: dict[str, Any] = {field: edited[field] for field in shown}
        if themes is not None:
            old = sorted(locked.themes.values_list("slug", flat=True))
            if old != sorted(slugs(themes)):
                before["themes"], after["themes"] = old, slugs(themes)
            else:
                themes = None
        if documents is not None:
            old_ids = sorted(locked.documents.values_list("pk", flat=True))
            if old_ids != sorted(d.pk for d in documents):
                before["documents"], after["documents"] = old_ids, [d.pk for d in documents]
            else:
                documents = None
        relations = {"themes": themes, "documents": documents}
        changed = sorted([*edited, *(name for name, value in relations.items() if value is not None)])
        if not changed:
            return locked
        for field, value in edited.items():
            setattr(locked, field, value)
        locked.updated_at = timezone.now()
        locked.search_text = search_text(locked, locked.commune.name)
        # The sheet's own save bumps what public reads show, for its themes and documents as well.
        locked.save()
        if themes is not None:
            locked.themes.set(themes)
        if documents is not None:
            locked.documents.set(documents)
        audit_record(
            actor=user,
            action="practice.update",
            obj=locked,
            commune=locked.commune,
            data={"fields": changed, "before": before, "after": after},
        )
    return locked


def sheet_publish(*, actor: Any, sheet: PracticeSheet) -> PracticeSheet:
    """Publish a draft or a withdrawn sheet. The first time, the followers of its themes are told
    (outbox, after commit)."""
    user = require_manager(actor, sheet.commune)
    with transaction.atomic():
        locked = _lock(sheet)
        if locked.is_published:
            raise WrongStatus(_("This sheet is already published."))
        if not locked.themes.exists():
            message = _("Choose at least one theme.")
            raise Invalid(message, fields={"themes": [message]})
        now = timezone.now()
        first = locked.first_published_at is None
        locked.status = SheetStatus.PUBLISHED
        locked.published_at = now
        locked.withdrawn_at = None
        if first:
            locked.first_published_at = now
        locked.updated_at = now
        locked.save()
        audit_record(
            actor=user, action="practice.publish", obj=locked, commune=locked.commune, data={"first": first}
        )
        if first:
            notify_published(locked, user)
    return locked


def sheet_withdraw(*, actor: Any, sheet: PracticeSheet, reason: Any = "") -> PracticeSheet:
    """Withdraw a published sheet: the public no longer sees it (its questions stay in the forum).
    The reason, if given, goes to the journal."""
    user = require_manager(actor, sheet.commune)
    if reason is None:
        reason = ""
    if not isinstance(reason, str) or len(reason.strip()) > MAX_REASON_CHARS or "\x00" in reason:
        message = _("At most %(max)d characters.") % {"max": MAX_REASON_CHARS}
        raise Invalid(message, fields={"reason": [message]})
    with transaction.atomic():
        locked = _lock(sheet)
        if not locked.is_published:
            raise WrongStatus(_("Only a published sheet can be withdrawn."))
        now = timezone.now()
        locked.status = SheetStatus.WITHDRAWN
        locked.withdrawn_at = now
        locked.updated_at = now
        locked.save()
        audit_record(
            actor=user,
            action="practice.withdraw",
            obj=locked,
            commune=locked.commune,
            data={"reason": reason.strip()},
        )
    return locked
