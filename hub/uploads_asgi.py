"""Request bodies limited while they stream in, before Django reads them.

Django's ASGI handler reads the whole body (into a temporary file) before any middleware or view
runs, so a view that checks ``Content-Length`` (``hub.uploads.limit_upload_size``) answers only
after a 30 MB upload has been received and written to disk, and a chunked body, which declares no
length, is not limited at all. This ASGI middleware sits between the server and Django:

- a body that declares more than its limit is refused at once, without reading a byte of it (a
  client that sent ``Expect: 100-continue`` never sends it: uvicorn sends ``100 Continue`` only
  when the application first reads);
- a form with files (``multipart/form-data``) that declares no length (``Transfer-Encoding:
  chunked``) is refused at once too, with 411: Django parses no multipart body without a
  ``Content-Length`` (it would read it all, then see an empty form);
- any other chunked body (JSON, a form without files) is counted as Django reads it; once the
  running total passes the limit, the refusal is sent and Django is told the client went away, so
  it stops reading and never runs a view. A body within its declared length needs no counting:
  the server stops it there. Requests without a body (every read) go on untouched.

The limits: ``UPLOAD_MAX_BYTES`` plus the form fields' allowance for ``multipart/form-data`` (the
limit of ``hub.uploads``), ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for any other body (Django's own limit
for them, which it checks only once the body is read). The refusal is a 413 with
``Connection: close``: the server closes the connection instead of reading the rest of the body to
reach the next request. Under ``/api/`` (or when JSON is asked for) it is the project's error shape
(``file_too_large`` for uploads, ``payload_too_large`` otherwise, ``length_required`` for the 411);
elsewhere a page in the visitor's language, as the site's other error pages.

Under daphne (``serve --server daphne``) Twisted receives the whole body before the application
runs: only uvicorn, the production server, gets the streaming limit.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from hub import uploads
from hub.api.errors import wants_json
from hub.security import POLICY
from hub.static_asgi import SECURITY_HEADERS

logger = logging.getLogger(__name__)

FILE_TOO_LARGE = "file_too_large"
PAYLOAD_TOO_LARGE = "payload_too_large"
LENGTH_REQUIRED = "length_required"


@dataclass(frozen=True)
class Framing:
    """What a request's head says of its body: its limit and error code, its declared length, and
    whether it comes in chunks (HTTP/1.1: no ``Content-Length`` and no ``Transfer-Encoding``, no
    body)."""

    limit: int | None
    code: str
    declared: int | None
    chunked: bool


def framing(scope: dict[str, Any]) -> Framing:
    content_type = b""
    declared: int | None = None
    chunked = False
    for key, value in scope.get("headers", ()):
        if key == b"content-type":
            content_type = bytes(value).split(b";", 1)[0].strip().lower()
        elif key == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None  # the server refuses such a request before it reaches us
        elif key == b"transfer-encoding":
            chunked = True
    if declared is None and not str(scope.get("http_version", "1.1")).startswith("1"):
        # HTTP/2 and later frame a body without either header: counted as it arrives, like chunks.
        chunked = True
    if content_type == b"multipart/form-data":
        return Framing(
            uploads.upload_max_bytes() + uploads.MULTIPART_OVERHEAD, FILE_TOO_LARGE, declared, chunked
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return Framing(None if limit is None else int(limit), PAYLOAD_TOO_LARGE, declared, chunked)


class BodyLimit:
    """ASGI middleware: ``app`` gets every request whose body stays within its limit."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = framing(scope)
        limit, code, declared = body.limit, body.code, body.declared
        if limit is None:
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > limit:
            await refuse(scope, send, code, received=0, declared=declared)
            return
        if not body.chunked:
            # No body, or one the server stops at its declared length: nothing to count (the
            # path of every page and every read, which this middleware leaves as it was).
            await self.app(scope, receive, send)
            return
        if code == FILE_TOO_LARGE:
            await refuse(scope, send, LENGTH_REQUIRED, received=0, declared=declared)
            return
        received = 0
        refused = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await refuse(scope, send, code, received=received, declared=declared)
                    # Django stops reading and returns without running a view (RequestAborted).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if not refused:  # after the refusal the response is ours
                await send(message)

        await self.app(scope, counted_receive, guarded_send)


async def refuse(scope: dict[str, Any], send: Any, code: str, *, received: int, declared: int | None) -> None:
    status = 411 if code == LENGTH_REQUIRED else 413
    logger.info(
        "request body refused (%s, %s): %s %s, %s bytes read, %s declared",
        status,
        code,
        scope.get("method"),
        scope.get("path"),
        received,
        "none" if declared is None else declared,
    )
    body, content_type = await sync_to_async(_refusal, thread_sensitive=False)(scope, code)
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        # Close instead of reading the rest of the body to reach a next request.
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
        (b"x-frame-options", b"DENY"),
        *SECURITY_HEADERS,
    ]
    if content_type.startswith(b"text/html"):
        headers.append((b"content-security-policy", POLICY.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _refusal(scope: dict[str, Any], code: str) -> tuple[bytes, bytes]:
    """The refusal's body and content type, in the visitor's language (as LocaleMiddleware picks it)."""
    request = ASGIRequest(scope, io.BytesIO())
    with translation.override(translation.get_language_from_request(request)):
        if code == FILE_TOO_LARGE:
            error = uploads.file_too_large()
            payload: dict[str, Any] = error.as_dict()
            message, title = error.message, _("File too large")
        elif code == LENGTH_REQUIRED:
            message = title = _("A form with files must declare its length (Content-Length).")
            payload = {"error": {"code": code, "message": message}}
        else:
            message = title = _("The request body is too large.")
            payload = {"error": {"code": code, "message": message}}
        if wants_json(request):
            return json.dumps(payload, ensure_ascii=False).encode(), b"application/json"
        context = {
            "title": title,
            "message": message,
            "back": _back(request),
            "is_file": code == FILE_TOO_LARGE,
        }
        page = render_to_string("hub/uploads_too_large.html", context)
        return page.encode(), b"text/html; charset=utf-8"


def _back(request: ASGIRequest) -> str:
    """Where the form was: the referring page of this site, else the home page."""
    referer = urlsplit(request.headers.get("Referer", ""))
    same_site = referer.netloc and referer.netloc == request.headers.get("Host")
    if same_site and referer.path.startswith("/") and not referer.path.startswith("//"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"
