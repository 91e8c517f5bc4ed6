"""Document writes: drafts, files (add, replace with history), publication, withdrawal.

Files are checked (``hub.uploads.upload_check``) and stored *before* the transaction: storage may be S3,
and the network is never called inside a transaction. If the transaction then fails, the stored
files are deleted again. The search index is kept by ``services.search``: on each change here, and
by a task after commit for the text of new files.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import Conflict, InvalidInput
from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.uploads import MAX_FILES_PER_REQUEST, CheckedUpload, FileKind, upload_check
from publications.models import Document, DocumentFile, DocumentType, PublicationState
from publications.services import common
from publications.services.search import document_reindex
from publications.tasks import document_file_extract_text

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("type", "fiscal_year", "title", "summary")


# --- Checks ---------------------------------------------------------------------------------------


def _fields_check(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "type" in changes:
        clean["type"] = common.choice_check(changes["type"], DocumentType, field="type")
    if "fiscal_year" in changes:
        clean["fiscal_year"] = common.fiscal_year_check(changes["fiscal_year"])
    if "title" in changes:
        clean["title"] = common.text_check(changes["title"], field="title", max_length=200)
    if "summary" in changes:
        clean["summary"] = common.text_check(
            changes["summary"], field="summary", max_length=4000, required=False
        )
    return clean


def _uploads_check(uploads: Sequence[Any]) -> list[CheckedUpload]:
    if len(uploads) > MAX_FILES_PER_REQUEST:
        message = _("At most %(count)s files at a time.") % {"count": MAX_FILES_PER_REQUEST}
        raise InvalidInput(message, fields={"files": [message]})
    return [upload_check(upload) for upload in uploads]


# --- Storage (outside transactions) ---------------------------------------------------------------


def stored_name(commune: Commune, kind: str) -> str:
    """Random, never the uploader's name."""
    return f"publications/{commune.pk}/{uuid.uuid4().hex}.{kind}"


@contextmanager
def _stored(commune: Commune, checked: Sequence[CheckedUpload]) -> Iterator[list[str]]:
    """Store the files; delete them again if the block that records them fails."""
    names: list[str] = []
    try:
        for upload in checked:
            upload.file.seek(0)
            names.append(default_storage.save(stored_name(commune, upload.kind), upload.file))
        yield names
    except BaseException:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:  # an orphan file is harmless; the error that matters is re-raised
                logger.warning("could not delete the orphan upload %s", name, exc_info=True)
        raise


def _file_row(
    *, document: Document, upload: CheckedUpload, name: str, slot: int, version: int, actor: User, label: str
) -> DocumentFile:
    return DocumentFile.objects.create(
        document=document,
        slot=slot,
        version=version,
        is_current=True,
        file=name,
        label=label,
        original_name=upload.original_name,
        kind=upload.kind,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        width=upload.width,
        height=upload.height,
        page_count=upload.page_count,
        uploaded_by=actor,
    )


def _extract_text_on_commit(files: Sequence[DocumentFile]) -> None:
    for row in files:
        if row.kind in (FileKind.PDF, FileKind.DOCX, FileKind.ODT):
            document_file_extract_text.delay_on_commit(row.pk)


def _next_slot(document: Document) -> int:
    last = document.files.order_by("-slot").values_list("slot", flat=True).first()
    return (last or 0) + 1


# --- Drafts and edits -----------------------------------------------------------------------------


def document_create(
    *,
    actor: User,
    commune: Commune,
    type: str,
    fiscal_year: Any,
    title: str,
    summary: str = "",
    uploads: Sequence[Any] = (),
    publish: bool = False,
) -> Document:
    """A draft (published at once with ``publish=True``, which needs at least one file)."""
    common.require_publisher(actor, commune)
    fields = _fields_check({"type": type, "fiscal_year": fiscal_year, "title": title, "summary": summary})
    checked = _uploads_check(uploads)
    with _stored(commune, checked) as names, transaction.atomic():
        document = Document.objects.create(commune=commune, created_by=actor, **fields)
        rows = [
            _file_row(
                document=document, upload=upload, name=name, slot=slot, version=1, actor=actor, label=""
            )
            for slot, (upload, name) in enumerate(zip(checked, names, strict=True), start=1)
        ]
        document_reindex(document=document)
        audit_record(
            actor=actor,
            action="document.created",
            obj=document,
            commune=commune,
            data={"type": document.type, "fiscal_year": document.fiscal_year, "files": len(rows)},
        )
        _extract_text_on_commit(rows)
        if publish:
            document, _published = document_publish(actor=actor, document=document)
    return document


def document_update(*, actor: User, document: Document, changes: dict[str, Any]) -> Document:
    common.require_manager(actor, document)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    clean = _fields_check(changes)
    with transaction.atomic():
        document = common.lock(document)  # type: ignore[assignment]
        before = {name: getattr(document, name) for name in clean}
        for name, value in clean.items():
            setattr(document, name, value)
        document.save(update_fields=[*clean, "updated_at"])
        document_reindex(document=document)
        audit_record(
            actor=actor,
            action="document.updated",
            obj=document,
            commune=document.commune,
            data={"before": before, "after": clean},
        )
    return document


# --- Files ----------------------------------------------------------------------------------------


def document_file_add(*, actor: User, document: Document, upload: Any, label: str = "") -> DocumentFile:
    common.require_manager(actor, document)
    label = common.text_check(label, field="label", max_length=200, required=False)
    checked = upload_check(upload)
    with _stored(document.commune, [checked]) as names, transaction.atomic():
        document = common.lock(document)  # type: ignore[assignment]
        row = _file_row(
            document=document,
            upload=checked,
            name=names[0],
            slot=_next_slot(document),
            version=1,
            actor=actor,
            label=label,
        )
        audit_record(
            actor=actor,
            action="document.file_added",
            obj=document,
            commune=document.commune,
            data={"file_id": row.pk, "slot": row.slot, "kind": row.kind, "size": row.size},
        )
        _extract_text_on_commit([row])
    return row


def document_file_replace(*, actor: User, document_file: DocumentFile, upload: Any) -> DocumentFile:
    """A new version in the same slot; the earlier one stays in the history (not current)."""
    document = document_file.document
    common.require_manager(actor, document)
    checked = upload_check(upload)
    with _stored(document.commune, [checked]) as names, transaction.atomic():
        document = common.lock(document)  # type: ignore[assignment]
        current = DocumentFile.objects.filter(
            document=document, slot=document_file.slot, is_current=True
        ).first()
        if current is None or current.pk != document_file.pk:
            raise Conflict(_("A newer version of this file exists already."), code="not_current_version")
        current.is_current = False
        current.replaced_at = timezone.now()
        current.save(update_fields=["is_current", "replaced_at"])
        row = _file_row(
            document=document,
            upload=checked,
            name=names[0],
            slot=current.slot,
            version=current.version + 1,
            actor=actor,
            label=current.label,
        )
        document_reindex(document=document)
        audit_record(
            actor=actor,
            action="document.file_replaced",
            obj=document,
            commune=document.commune,
            data={
                "slot": row.slot,
                "previous_file_id": current.pk,
                "previous_sha256": current.sha256,
                "file_id": row.pk,
                "version": row.version,
                "sha256": row.sha256,
            },
        )
        _extract_text_on_commit([row])
    return row


# --- Publication ----------------------------------------------------------------------------------


def document_publish(*, actor: User, document: Document) -> tuple[Document, bool]:
    """Idempotent: a double submission publishes once and records one outbox event."""
    common.require_manager(actor, document)
    if not document.files.filter(is_current=True).exists():
        message = _("Add at least one file before publishing.")
        raise Conflict(message, code="document_without_file", fields={"files": [message]})
    payload = {
        "type": document.type,
        "type_label": common.french(document.get_type_display()),
        "fiscal_year": document.fiscal_year,
    }
    item, published = common.publish(actor=actor, item=document, payload=payload)
    return item, published  # type: ignore[return-value]


def document_withdraw(*, actor: User, document: Document, reason: str) -> Document:
    return common.withdraw(actor=actor, item=document, reason=reason)  # type: ignore[return-value]


def document_delete_draft(*, actor: User, document: Document) -> None:
    """Only a draft that was never published disappears; anything published is withdrawn instead."""
    common.require_manager(actor, document)
    with transaction.atomic():
        document = common.lock(document)  # type: ignore[assignment]
        if document.state != PublicationState.DRAFT or document.publication_count:
            raise Conflict(_("A published document is withdrawn, not deleted."), code="not_a_draft")
        names = list(document.files.values_list("file", flat=True))
        audit_record(
            actor=actor,
            action="document.deleted",
            obj=document,
            commune=document.commune,
            data={"title": document.title, "files": len(names)},
        )
        document.delete()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("could not delete %s", name, exc_info=True)
