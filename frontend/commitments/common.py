"""What the commitment pages share: domain errors turned into pages. ``NotFound`` → the 404 page;
signed out → the sign-in page (then back here); not staff of this commune → 403, with the words of
the publication pages (the same right: ``hub.publish_in_commune``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from frontend.views import page_not_found
from hub.errors import NotAuthenticated, NotFound, PermissionDenied


def sign_in_first(request: HttpRequest, back: str = "") -> HttpResponseBase:
    return redirect(f"{reverse('frontend:login')}?{urlencode({'next': back or request.path})}")


def handles_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Http404):
            return page_not_found(request, None)
        except (PermissionDenied, NotAuthenticated):
            if not request.user.is_authenticated:
                return sign_in_first(request)
            return render(request, "frontend/publications/forbidden.html", status=403)

    return wrapper
