"""How a page answers a domain error: ``NotFound`` → the 404 page; a refusal to act → sign in first
(signed out), else the area's own 403 page. Each area (sessions, commitments, the council's staff
pages) names its 403 page; the rest is this one decorator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from frontend.views import page_not_found
from hub.errors import NotAuthenticated, NotFound, PermissionDenied

View = Callable[..., HttpResponseBase]


def sign_in_first(request: HttpRequest, back: str = "") -> HttpResponse:
    """The sign-in page, coming back to ``back`` (this page by default) afterwards."""
    return redirect(f"{reverse('frontend:login')}?{urlencode({'next': back or request.path})}")


def domain_error_pages(forbidden: Callable[[HttpRequest], HttpResponseBase]) -> Callable[[View], View]:
    """A view decorator answering ``NotFound`` with the 404 page and a refusal with sign-in (signed
    out) or ``forbidden(request)``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except (NotFound, Http404):
                return page_not_found(request, None)
            except (PermissionDenied, NotAuthenticated):
                if not request.user.is_authenticated:
                    return sign_in_first(request)
                return forbidden(request)

        return wrapper

    return decorate
