"""Serving a stored file: always as an attachment, never sniffed, never rendered inline.

A published file may be cached anywhere, but only on condition: ``Cache-Control: public, no-cache``
with a strong ``ETag`` makes every cache (a browser, a proxy, a CDN) ask again before each use, and
the answer is a bodiless 304 while the file is unchanged and public. So a withdrawal takes effect at
the next request instead of when a cached copy expires: the question then gets the 404 of a file
that is no longer public. Drafts and withdrawn files (seen only by their publishers) are never
stored by a cache.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _

from hub.errors import NotFound
from publications.models import DocumentFile, PublicationState

PUBLIC_CACHE_CONTROL = "public, no-cache"
PRIVATE_CACHE_CONTROL = "private, no-store"


def file_etag(row: DocumentFile) -> str:
    """A strong validator: the content's digest, and the name it is served under (a new label
    changes ``Content-Disposition``, which a revalidated copy must not keep)."""
    return f'"{row.sha256}-{row.download_name()}"'


def file_response(row: DocumentFile, request: HttpRequest | None = None) -> HttpResponseBase:
    """``row.document`` must be the (authorised) document the file belongs to. With the request, a
    matching ``If-None-Match`` on a public file is answered 304 without opening the file."""
    public = row.document.state == PublicationState.PUBLISHED
    etag = file_etag(row) if public else None
    if request is not None and etag is not None:
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = PUBLIC_CACHE_CONTROL
            return not_modified
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
    if etag is not None:
        response["ETag"] = etag
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    else:
        response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response
