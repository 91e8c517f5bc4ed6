"""Following a commitment up: editing it (text, owner, due date), and the public timeline (an entry
with text and, optionally, a new status, a new progress, up to four photos and one published document
of the commune as evidence).

What citizens should see change goes into the timeline and is announced: a new status, a new
progress, a new due date (``commitment_update`` records such an entry itself, so a status changed
from the session console is on the timeline too). Corrections of the text or the owner are audited
only. A new due date makes both reminders due again.

Photos are checked, then stored *before* the transaction (as the publications' document files):
storage may be S3, and the network is never called inside a transaction. If the transaction then
fails (a refusal, a lost race, a database error), the stored files are deleted again.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from commitments.errors import Invalid
from commitments.events import session_event_append
from commitments.models import (
    MAX_PHOTOS,
    MAX_UPDATE_CHARS,
    Commitment,
    CommitmentPhoto,
    CommitmentUpdate,
)
from commitments.services.common import Cleaner, fields_clean, require_manager, status_apply
from commitments.services.notify import notify_update
from hub.cleaning import as_id
from hub.models import User
from hub.services.audit import audit_record
from hub.uploads import CheckedUpload, image_rows, images_check, images_stored
from publications.models import Document


def photos_check(uploads: list[Any]) -> list[CheckedUpload]:
    """Check every photo before anything is written: images only (from their content), at most
    ``MAX_PHOTOS``."""
    return images_check(
        uploads,
        max_count=MAX_PHOTOS,
        field="photos",
        too_many=_("At most %(max)s photos per update.") % {"max": MAX_PHOTOS},
        invalid=Invalid,
    )


def _photos_record(update: CommitmentUpdate, checked: Sequence[CheckedUpload], names: Sequence[str]) -> None:
    CommitmentPhoto.objects.bulk_create(
        CommitmentPhoto(update=update, **row) for row in image_rows(checked, names)
    )


def _document_clean(cleaner: Cleaner, commitment: Commitment, value: Any) -> Document | None:
    """A published document of the commitment's commune (anything else is refused in one message)."""
    if value is None or value == "":
        return None
    document = None
    pk = as_id(value)
    if pk is not None:
        document = (
            Document.objects.published()
            .select_related("commune")
            .filter(pk=pk, commune_id=commitment.commune_id)
            .first()
        )
    if document is None:
        cleaner.fail("document", _("Choose a published document of this commune."))
    return document


def _lock(commitment: Commitment) -> Commitment:
    return Commitment.objects.select_related("commune").select_for_update(of=("self",)).get(pk=commitment.pk)


def _record(
    commitment: Commitment,
    user: User,
    *,
    text: str = "",
    status: str = "",
    progress: int | None = None,
    due_on: datetime.date | None = None,
    document: Document | None = None,
    photos: Sequence[CheckedUpload] = (),
    photo_names: Sequence[str] = (),
) -> CommitmentUpdate:
    """The timeline entry, its evidence (photos already stored as ``photo_names``), the audit entry,
    the session event and the outbox event (the caller's transaction, the commitment saved)."""
    update = CommitmentUpdate.objects.create(
        commitment=commitment,
        author=user,
        text=text,
        status=status,
        progress=progress,
        due_on=due_on,
        document=document,
        created_at=commitment.updated_at,
    )
    if photos:
        _photos_record(update, photos, photo_names)
    audit_record(
        actor=user,
        action="commitment.post_update",
        obj=update,
        commune=commitment.commune,
        data={
            "commitment": commitment.pk,
            "status": status,
            "progress": progress,
            "due_on": due_on.isoformat() if due_on else None,
            "document": document.pk if document is not None else None,
            "photos": len(photos),
        },
    )
    session_event_append(commitment, created=False)
    notify_update(commitment, update, user)
    return update


def commitment_post_update(
    *,
    actor: Any,
    commitment: Commitment,
    text: Any = "",
    status: Any = None,
    progress: Any = None,
    document: Any = None,
    photos: list[Any] | None = None,
) -> CommitmentUpdate:
    """Add an entry to the timeline. It must say something: a text, a new status or progress, or
    evidence. Watchers and followers are told."""
    user = require_manager(actor, commitment.commune)
    cleaner = Cleaner()
    clean_text = cleaner.text(text, field="text", max_length=MAX_UPDATE_CHARS, required=False)
    changes = fields_clean(cleaner, {"status": status, "progress": progress}, creating=False)
    chosen = _document_clean(cleaner, commitment, document)
    cleaner.done()
    checked = photos_check(list(photos or []))
    with images_stored(checked, "commitments") as names, transaction.atomic():
        locked = _lock(commitment)
        new_status = changes.get("status", "")
        new_status = new_status if new_status != locked.status else ""
        new_progress = changes.get("progress")
        if not (clean_text or new_status or new_progress is not None or chosen or checked):
            message = _("Say what is new: a text, a status, a progress or evidence.")
            raise Invalid(message, fields={"text": [message]})
        status_apply(locked, new_status, new_progress)
        locked.save()
        return _record(
            locked,
            user,
            text=clean_text,
            status=new_status,
            progress=locked.progress if (new_progress is not None or new_status) else None,
            document=chosen,
            photos=checked,
            photo_names=names,
        )


def commitment_update(*, actor: Any, commitment: Commitment, changes: dict[str, Any]) -> Commitment:
    """Edit the text, the owner or the due date; ``status`` and ``progress`` are accepted too (the
    session console sends them) and go on the timeline like a new due date."""
    user = require_manager(actor, commitment.commune)
    cleaner = Cleaner()
    clean = fields_clean(cleaner, changes, creating=False, current=commitment)
    cleaner.done()
    with transaction.atomic():
        locked = _lock(commitment)
        new_status = clean.pop("status", "")
        new_status = new_status if new_status != locked.status else ""
        new_progress = clean.pop("progress", None)
        if new_progress == locked.progress and not new_status:
            new_progress = None
        due_on_changed = "due_on" in clean and clean["due_on"] != locked.due_on
        edited = {field: value for field, value in clean.items() if getattr(locked, field) != value}
        visible = bool(new_status or new_progress is not None or (due_on_changed and clean["due_on"]))
        if not edited and not visible:
            return locked
        before = {field: str(getattr(locked, field)) for field in edited}
        for field, value in edited.items():
            setattr(locked, field, value)
        if due_on_changed:
            locked.due_soon_reminded_at = locked.overdue_reminded_at = None
        status_apply(locked, new_status, new_progress)
        locked.save()
        if edited:
            audit_record(
                actor=user,
                action="commitment.update",
                obj=locked,
                commune=locked.commune,
                data={"before": before, "after": {field: str(value) for field, value in edited.items()}},
            )
        if visible:
            _record(
                locked,
                user,
                status=new_status,
                progress=locked.progress if (new_progress is not None or new_status) else None,
                due_on=locked.due_on if due_on_changed else None,
            )
        else:
            session_event_append(locked, created=False)
    return locked
