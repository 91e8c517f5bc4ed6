"""Serving a stored file: always as an attachment, never sniffed, never rendered inline."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _

from hub.errors import NotFound
from publications.models import DocumentFile, PublicationState


def file_response(row: DocumentFile) -> FileResponse:
    """``row.document`` must be the (authorised) document the file belongs to."""
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_("This file is no longer available."), code="file_missing") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=row.download_name(), content_type=row.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were told to open it, a file is a sandbox with no rights.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if row.document.state == PublicationState.PUBLISHED:
        response["Cache-Control"] = "public, max-age=300"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
