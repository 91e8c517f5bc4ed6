"""Helpers shared by the session pages: the session lookup, the error pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from frontend.views import page_not_found
from hub.errors import NotFound, PermissionDenied
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
