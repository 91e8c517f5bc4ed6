"""What the council's staff pages share: who may open them (the commune's secretary-general or
mayor, platform administrators: ``council.permissions.can_manage``, the services' own check), the
answers to others (sign in first; a 403 page saying who may), and the upload guard of the photo
forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from council.permissions import can_manage
from frontend.refusals import domain_error_pages, sign_in_first
from hub.models import Commune
from hub.selectors import commune_get
from hub.uploads import FileTooLarge, limit_upload_size
from sessions_live.models import LiveSession
from sessions_live.selectors import session_get


def forbidden(
    request: HttpRequest, commune: Commune | None = None, session: LiveSession | None = None
) -> HttpResponse:
    context = {"commune": commune, "session": session}
    return render(request, "frontend/council/staff_forbidden.html", context, status=403)


handles_domain_errors = domain_error_pages(forbidden)


def manager_commune(request: HttpRequest, slug: str) -> Commune | HttpResponse:
    """The commune if the user keeps its council's record; otherwise the page to answer with."""
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, commune):
        return forbidden(request, commune=commune)
    return commune


def manager_session(request: HttpRequest, pk: int) -> LiveSession | HttpResponse:
    """The session if the user keeps its commune's council record; otherwise the page to answer with."""
    session = session_get(pk, detail=True)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, session.commune):
        return forbidden(request, commune=session.commune, session=session)
    return session


def upload_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse an oversized upload (413) from its ``Content-Length`` (and while it streams) before the
    CSRF check reads the body; the CSRF check then runs as usual."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if request.method == "POST":
                limit_upload_size(request)
            return protected(request, *args, **kwargs)
        except FileTooLarge as exc:
            context = {"message": exc.message, "back": request.path}
            return render(request, "frontend/publications/too_large.html", context, status=413)

    return csrf_exempt(wrapper)
