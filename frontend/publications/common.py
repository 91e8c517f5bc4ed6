"""Helpers shared by the publication pages: lookups, pagination, error pages, the upload guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from frontend.views import page_not_found
from hub.errors import NotFound, PermissionDenied
from hub.models import Commune
from hub.selectors import commune_get
from hub.uploads import FileTooLarge, limit_upload_size
from publications.models import Document
from publications.selectors.documents import (
    access_document,
)

PAGE_SIZE = 50


# --- Helpers -------------------------------------------------------------------------------------------


def commune_for(request: HttpRequest, slug: str) -> Commune:
    return commune_get(slug=slug, user=request.user)


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def choice_or_blank(value: Any, choices: type[Any]) -> str:
    return value if value in choices.values else ""


def paginate(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def querystring(**params: Any) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/publications/forbidden.html", status=403)


def handles_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``NotFound`` → the HTML 404 page, ``PermissionDenied`` → 403 (or sign in first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return page_not_found(request, None)
        except PermissionDenied:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('frontend:login')}?{urlencode({'next': request.path})}")
            return forbidden(request)

    return wrapper


def upload_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse an oversized upload (413) from its ``Content-Length`` before the CSRF check reads the
    body; the CSRF check then runs as usual."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if request.method == "POST":
                limit_upload_size(request)
            return protected(request, *args, **kwargs)
        except FileTooLarge as exc:
            back = request.path
            if "pk" in kwargs:  # an upload to a document: back to its page
                back = reverse("frontend:pub-document", args=[kwargs["slug"], kwargs["pk"]])
            context = {"message": exc.message, "back": back}
            return render(request, "frontend/publications/too_large.html", context, status=413)

    return csrf_exempt(wrapper)


def document_in(request: HttpRequest, slug: str, pk: int, *, manage: bool = False) -> Document:
    document = access_document(request.user, pk, manage=manage)
    if document.commune.slug != slug:
        raise NotFound()
    return document
