"""The search index of documents: the searchable text of a document and, on PostgreSQL, its
weighted French vector; the text of an uploaded file, extracted by a task after commit.

Its own module so that ``publications.tasks`` (which runs the extraction) and the document services
(which schedule it) do not import each other.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import TextField, Value
from django.utils import timezone

from hub import versions
from publications.models import Document, DocumentFile
from publications.text import MAX_CHARS, file_text, normalize


def document_reindex(*, document: Document) -> None:
    """Recompute the searchable text (and, on PostgreSQL, the weighted French vector)."""
    body = "\n".join(
        document.files.filter(is_current=True).order_by("slot").values_list("extracted_text", flat=True)
    )[:MAX_CHARS]
    title, summary, body = normalize(document.title), normalize(document.summary), normalize(body)
    updates: dict[str, Any] = {"search_text": f"{title}\n{summary}\n{body}"}
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        def vector(text: str, weight: str) -> SearchVector:
            return SearchVector(Value(text, output_field=TextField()), weight=weight, config="french")

        updates["search_vector"] = vector(title, "A") + vector(summary, "B") + vector(body, "C")
    Document.objects.filter(pk=document.pk).update(**updates)
    versions.changed(commune_id=document.commune_id)  # search answers change; update() sends no signal


def document_file_extract_text(*, file_id: int) -> bool:
    """Extract the text of a stored file for search (run by a task after commit; safe to re-run)."""
    row = DocumentFile.objects.select_related("document").filter(pk=file_id).first()
    if row is None or row.text_extracted_at is not None:
        return False
    with row.file.open("rb") as handle:
        text = file_text(handle, row.kind)
    with transaction.atomic():
        updated = DocumentFile.objects.filter(pk=row.pk, text_extracted_at__isnull=True).update(
            extracted_text=text.replace("\x00", ""), text_extracted_at=timezone.now()
        )
        if updated:
            document_reindex(document=row.document)
    return bool(updated)
