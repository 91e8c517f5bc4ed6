"""What the forum pages share: query-string numbers, the commune and its categories, where a thread
is, domain errors turned into messages or form errors, the upload guard and the wrapper of the
thread's POST actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from forums import selectors, services
from forums.models import Post, Thread
from frontend.publications.common import handles_domain_errors
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.models import Commune
from hub.selectors import commune_get
from hub.uploads import FileTooLarge, limit_upload_size

MAX_ID = 2**31 - 1  # the largest primary key PostgreSQL's integer holds

ThreadAction = Callable[[HttpRequest, Thread], str]


def int_param(request: HttpRequest, name: str, maximum: int = MAX_ID) -> int | None:
    """A whole number from the query string, or None when absent, not a number or out of 0..maximum."""
    raw = request.GET.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= maximum else None


def commune_of(request: HttpRequest, slug: str) -> Commune:
    return commune_get(slug=slug, user=request.user)


def categories_of(commune: Commune) -> list[Any]:
    categories = list(selectors.category_list(commune=commune))
    if not categories and commune.is_enabled:
        services.categories_seed(commune=commune)
        categories = list(selectors.category_list(commune=commune))
    return categories


def thread_url(thread_id: int, anchor: str = "") -> str:
    return reverse("frontend:forum-thread", kwargs={"pk": thread_id}) + anchor


def error_message(request: HttpRequest, exc: DomainError) -> None:
    fields = exc.details.get("fields") or {}
    details = " ".join(
        str(m) for msgs in fields.values() for m in (msgs if isinstance(msgs, list) else [msgs])
    )
    messages.error(request, f"{exc.message} {details}".strip())


def form_domain_error(form: Any, exc: DomainError, field: str = "body") -> int:
    """Put a service's refusal next to its field (the text field when it names none): the page is
    shown again with what was typed. Returns the HTTP status to answer with."""
    fields = exc.details.get("fields") or {}
    if not fields:
        form.add_error(field, str(exc.message))
    for name, msgs in fields.items():
        msgs = msgs if isinstance(msgs, list) else [msgs]
        form.add_error(name if name in form.fields else field, [str(m) for m in msgs])
    return exc.status


def describe_errors(form: Any) -> None:
    """Each field in error points to its message (aria-describedby) and says it is invalid."""
    if not form.is_bound:
        return
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"
            attrs["aria-invalid"] = "true"


def upload_guard(request: HttpRequest) -> str:
    """The upload size check from Content-Length, before anything reads the body ("" if fine)."""
    if request.method != "POST":
        return ""
    try:
        limit_upload_size(request)
    except FileTooLarge as exc:
        return exc.message
    return ""


def post_of(thread: Thread, raw: Any) -> Post | None:
    if raw in (None, ""):
        return None
    try:
        pk = int(raw)
        if not 0 < pk <= MAX_ID:
            raise ValueError(raw)
        return Post.objects.select_related("author").get(pk=pk, thread=thread)
    except (ValueError, TypeError, Post.DoesNotExist):
        raise NotFound() from None


def thread_action(view: ThreadAction) -> Callable[..., HttpResponseBase]:
    """A POST action on a thread: signed in, CSRF-checked after the upload guard; the view returns
    where to go, and a domain error becomes a message on the thread page."""

    @csrf_exempt
    @require_POST
    @handles_domain_errors
    def wrapper(request: HttpRequest, pk: int) -> HttpResponseBase:
        if not request.user.is_authenticated:
            raise PermissionDenied()
        too_large = upload_guard(request)
        if too_large:
            messages.error(request, too_large)
            return redirect(thread_url(pk, "#reply"))
        return protected(request, pk)

    @csrf_protect
    def protected(request: HttpRequest, pk: int) -> HttpResponseBase:
        thread = selectors.access_thread(request.user, pk)
        try:
            target = view(request, thread)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            error_message(request, exc)
            target = thread_url(thread.pk, "#reply")
        return redirect(target)

    wrapper.__name__ = view.__name__
    return wrapper
