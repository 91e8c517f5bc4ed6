"""Helpers shared by the session pages: the session lookup, the error pages, the page's own CSP."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from frontend.views import page_not_found
from hub.errors import NotFound, PermissionDenied
from hub.security import POLICY
from sessions_live import selectors
from sessions_live.models import LiveSession


def session_get(pk: int) -> LiveSession:
    return selectors.session_get(pk, detail=True)


def forbidden(
    request: HttpRequest, session: LiveSession | None = None, *, moderation: bool = False
) -> HttpResponse:
    context = {"session": session, "moderation": moderation}
    return render(request, "frontend/sessions/forbidden.html", context, status=403)


def handles_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``NotFound`` → the HTML 404 page, ``PermissionDenied`` → 403 (or sign in first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Http404):
            return page_not_found(request, None)
        except PermissionDenied:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('frontend:login')}?{urlencode({'next': request.path})}")
            return forbidden(request)

    return wrapper


def origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname:
        return None
    return f"https://{parts.netloc}"


def with_stream_policy(response: HttpResponse, session: LiveSession) -> HttpResponse:
    """Our strict policy, plus the session's own video embed (frame-src) and sound stream (media-src).

    Only the origins of this session's URLs, which staff set and the services check (https, known
    embed hosts), are added; everything else stays as strict as on every other page."""
    directives = [POLICY]
    frame = origin(session.stream_url)
    media = origin(session.audio_url)
    if frame and "frame-src" not in POLICY:
        directives.append(f"frame-src {frame}")
    if media and "media-src" not in POLICY:
        directives.append(f"media-src 'self' {media}")
    if len(directives) > 1:
        response.headers["Content-Security-Policy"] = "; ".join(directives)
    return response


def viewer_count(session_id: int) -> int:
    """The live viewer count (across server processes) for the first paint; 0 if unknown."""
    try:
        from sessions_live.presence import viewer_count as count
    except ImportError:  # the presence module is not there yet
        return 0
    try:
        return int(count(session_id))
    except Exception:
        return 0
