"""Forum pages. Every write is a POST form that redirects (works without JavaScript); the thread
page adds live updates with ``forum.js`` when JavaScript is on."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from forums import selectors, services
from forums.models import Post, ProposalStatus, Thread, ThreadKind, ThreadStatus
from forums.permissions import MODERATE
from frontend.forums.forms import (
    EditForm,
    FlagForm,
    MuteForm,
    ProposalStatusForm,
    ReplyForm,
    StatusForm,
    ThreadForm,
)
from frontend.publications.common import handles_domain_errors
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.models import Commune, User
from hub.selectors import commune_get
from hub.uploads import FileTooLarge, limit_upload_size

THREADS_PER_PAGE = 25
MAX_OFFSET = 100_000
MAX_ID = 2**31 - 1  # the largest primary key PostgreSQL's integer holds


def _int_param(request: HttpRequest, name: str, maximum: int = MAX_ID) -> int | None:
    """A whole number from the query string, or None when absent, not a number or out of 0..maximum."""
    raw = request.GET.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= maximum else None


def _commune(request: HttpRequest, slug: str) -> Commune:
    commune = commune_get(slug=slug, user=request.user)
    return commune


def _categories(commune: Commune) -> list[Any]:
    categories = list(selectors.category_list(commune=commune))
    if not categories and commune.is_enabled:
        services.categories_seed(commune=commune)
        categories = list(selectors.category_list(commune=commune))
    return categories


def _error_message(request: HttpRequest, exc: DomainError) -> None:
    fields = exc.details.get("fields") or {}
    details = " ".join(
        str(m) for msgs in fields.values() for m in (msgs if isinstance(msgs, list) else [msgs])
    )
    messages.error(request, f"{exc.message} {details}".strip())


def _thread_url(thread_id: int, anchor: str = "") -> str:
    return reverse("frontend:forum-thread", kwargs={"pk": thread_id}) + anchor


@require_GET
def forum_index(request: HttpRequest) -> HttpResponse:
    communes = Commune.objects.filter(is_enabled=True).order_by("name")
    return render(request, "frontend/forums/index.html", {"communes": communes})


@require_GET
@handles_domain_errors
def categories(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(request, slug)
    return render(
        request,
        "frontend/forums/categories.html",
        {
            "commune": commune,
            "categories": _categories(commune),
            "threads": selectors.thread_list(user=request.user, commune=commune)[:10],
            "is_moderator": selectors.is_moderator(request.user, commune),
        },
    )


@require_GET
@handles_domain_errors
def thread_list(request: HttpRequest, slug: str, category: str) -> HttpResponse:
    commune = _commune(request, slug)
    current = selectors.category_get(commune=commune, slug=category)
    sort = request.GET.get("tri", "recent")
    sort = sort if sort in selectors.SORTS else "recent"
    kind = request.GET.get("type", "")
    kind = kind if kind in ThreadKind.values else ""
    status = request.GET.get("statut", "")
    status = status if status in ThreadStatus.values else ""
    q = request.GET.get("q", "")[:100]
    threads = selectors.thread_list(
        user=request.user, commune=commune, category=current, kind=kind, status=status, q=q, sort=sort
    )
    offset = _int_param(request, "depuis", MAX_OFFSET) or 0
    page = list(threads[offset : offset + THREADS_PER_PAGE + 1])
    context = {
        "commune": commune,
        "category": current,
        "threads": page[:THREADS_PER_PAGE],
        "next_offset": offset + THREADS_PER_PAGE if len(page) > THREADS_PER_PAGE else None,
        "sort": sort,
        "kind": kind,
        "status": status,
        "q": q,
        "kinds": ThreadKind.choices,
        "statuses": ThreadStatus.choices,
        "sorts": [
            ("recent", _("Recent activity")),
            ("supported", _("Most supported")),
            ("unanswered", _("Unanswered")),
        ],
    }
    return render(request, "frontend/forums/threads.html", context)


def _upload_guard(request: HttpRequest) -> str:
    """The upload size check from Content-Length, before anything reads the body ("" if fine)."""
    if request.method != "POST":
        return ""
    try:
        limit_upload_size(request)
    except FileTooLarge as exc:
        return exc.message
    return ""


@csrf_exempt
@handles_domain_errors
def thread_new(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = _commune(request, slug)
    if not request.user.is_authenticated:
        raise PermissionDenied()
    too_large = _upload_guard(request)
    if too_large:
        messages.error(request, too_large)
        return redirect(reverse("frontend:forum-new", kwargs={"slug": slug}))
    return _thread_new(request, commune)


@csrf_protect
def _thread_new(request: HttpRequest, commune: Commune) -> HttpResponseBase:
    categories = _categories(commune)
    chosen = request.POST.get("category") or request.GET.get("categorie", "")
    form = ThreadForm(request.POST or None, initial={"kind": request.GET.get("type", ThreadKind.QUESTION)})
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            category = selectors.category_get(commune=commune, slug=chosen)
            thread = services.thread_create(
                actor=request.user,
                commune=commune,
                category=category,
                images=request.FILES.getlist("images"),
                **form.cleaned_data,
            )
            return redirect(_thread_url(thread.pk))
        except NotFound:
            error = _("Choose a category.")
        except DomainError as exc:
            status = _form_domain_error(form, exc)
    if form.is_bound and form.errors and status == 200:
        status = 400
    if error and status == 200:
        status = 400
    _describe_errors(form)
    context = {"commune": commune, "categories": categories, "chosen": chosen, "form": form, "error": error}
    return render(request, "frontend/forums/thread_new.html", context, status=status)


def _form_domain_error(form: Any, exc: DomainError, field: str = "body") -> int:
    """Put a service's refusal next to its field (the text field when it names none): the page is
    shown again with what was typed. Returns the HTTP status to answer with."""
    fields = exc.details.get("fields") or {}
    if not fields:
        form.add_error(field, str(exc.message))
    for name, msgs in fields.items():
        msgs = msgs if isinstance(msgs, list) else [msgs]
        form.add_error(name if name in form.fields else field, [str(m) for m in msgs])
    return exc.status


def _describe_errors(form: Any) -> None:
    """Each field in error points to its message (aria-describedby) and says it is invalid."""
    if not form.is_bound:
        return
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"
            attrs["aria-invalid"] = "true"


@require_GET
@handles_domain_errors
def thread_page(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.access_thread(request.user, pk)
    return _thread_render(request, thread)


def _thread_render(
    request: HttpRequest, thread: Thread, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    posts = list(selectors.post_list(user=request.user, thread=thread))
    answer = next(
        (p for p in posts if p.is_official and not p.is_removed and p.pk == thread.official_answer_id), None
    )
    commune = thread.commune
    user = request.user
    context = {
        "commune": commune,
        "thread": thread,
        "opening": next((p for p in posts if p.is_opening), None),
        "answer": answer,
        # the official answer is shown once, first, in its own section
        "posts": [p for p in posts if not p.is_opening and p is not answer],
        "viewer": selectors.thread_viewer_state(user, thread),
        "reply_form": reply_form or ReplyForm(initial={"quote_of": _int_param(request, "citer")}),
        "flag_form": FlagForm(),
        "status_form": StatusForm(initial={"status": thread.status}),
        "proposal_form": ProposalStatusForm(initial={"proposal_status": thread.proposal_status}),
        "status_labels": json.dumps({str(v): str(label) for v, label in ThreadStatus.choices}),
        "proposal_labels": json.dumps({str(v): str(label) for v, label in ProposalStatus.choices}),
        "can_answer": user.is_authenticated and user.has_perm("forums.answer_officially", commune),
        "is_moderator": selectors.is_moderator(user, commune),
        "mute": selectors.active_mute(commune_id=commune.pk, user_id=user.pk)
        if user.is_authenticated
        else None,
    }
    return render(request, "frontend/forums/thread.html", context, status=status)


def _post_action(view: Any) -> Any:
    """POST-only, signed in, domain errors become a message on the thread page."""

    @csrf_exempt
    @require_POST
    @handles_domain_errors
    def wrapper(request: HttpRequest, pk: int) -> HttpResponseBase:
        if not request.user.is_authenticated:
            raise PermissionDenied()
        too_large = _upload_guard(request)
        if too_large:
            messages.error(request, too_large)
            return redirect(_thread_url(pk, "#reply"))
        return protected(request, pk)

    @csrf_protect
    def protected(request: HttpRequest, pk: int) -> HttpResponseBase:
        thread = selectors.access_thread(request.user, pk)
        try:
            target = view(request, thread)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _error_message(request, exc)
            target = _thread_url(thread.pk, "#reply")
        return redirect(target)

    wrapper.__name__ = view.__name__
    return wrapper


def _post_of(thread: Thread, raw: Any) -> Post | None:
    if raw in (None, ""):
        return None
    try:
        pk = int(raw)
        if not 0 < pk <= MAX_ID:
            raise ValueError(raw)
        return Post.objects.select_related("author").get(pk=pk, thread=thread)
    except (ValueError, TypeError, Post.DoesNotExist):
        raise NotFound() from None


@csrf_exempt
@require_POST
@handles_domain_errors
def reply(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A reply; when it is refused the page comes back with the typed text and the reason next to it."""
    if not request.user.is_authenticated:
        raise PermissionDenied()
    too_large = _upload_guard(request)
    if too_large:  # the body is not read at all: nothing typed can be given back
        messages.error(request, too_large)
        return redirect(_thread_url(pk, "#reply"))
    return _reply(request, pk)


@csrf_protect
def _reply(request: HttpRequest, pk: int) -> HttpResponseBase:
    thread = selectors.access_thread(request.user, pk)
    form = ReplyForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            post = services.post_create(
                actor=request.user, thread=thread, images=request.FILES.getlist("images"), **form.cleaned_data
            )
            return redirect(_thread_url(thread.pk, f"#message-{post.pk}"))
        except NotFound:
            raise
        except DomainError as exc:
            status = _form_domain_error(form, exc)
    _describe_errors(form)
    return _thread_render(request, thread, reply_form=form, status=status)


@_post_action
def support(request: HttpRequest, thread: Thread) -> str:
    services.support_set(actor=request.user, thread=thread, supported=request.POST.get("supported") == "1")
    return _thread_url(thread.pk)


@_post_action
def follow(request: HttpRequest, thread: Thread) -> str:
    services.follow_set(actor=request.user, thread=thread, following=request.POST.get("following") == "1")
    return _thread_url(thread.pk)


@_post_action
def flag(request: HttpRequest, thread: Thread) -> str:
    form = FlagForm(request.POST)
    if form.is_valid():
        post = _post_of(thread, form.cleaned_data["post"])
        services.flag_create(actor=request.user, thread=thread, reason=form.cleaned_data["reason"], post=post)
        messages.success(request, _("Thank you: the moderators will look at it."))
    return _thread_url(thread.pk)


@_post_action
def status(request: HttpRequest, thread: Thread) -> str:
    if "proposal_status" in request.POST:
        form: Any = ProposalStatusForm(request.POST)
        if form.is_valid():
            services.proposal_status_set(actor=request.user, thread=thread, **form.cleaned_data)
    else:
        form = StatusForm(request.POST)
        if form.is_valid():
            services.thread_status_set(actor=request.user, thread=thread, **form.cleaned_data)
    return _thread_url(thread.pk)


@_post_action
def moderate(request: HttpRequest, thread: Thread) -> str:
    action = request.POST.get("action")
    post = _post_of(thread, request.POST.get("post"))
    if action == "hide":
        services.content_hide(
            actor=request.user, thread=thread, post=post, reason=request.POST.get("reason", "")
        )
    elif action == "restore":
        services.content_restore(actor=request.user, thread=thread, post=post)
    elif action in ("lock", "unlock"):
        services.thread_lock_set(actor=request.user, thread=thread, locked=action == "lock")
    elif action == "delete" and post is not None:
        services.post_delete(actor=request.user, post=post)
    if request.POST.get("next") == "queue":
        return reverse("frontend:forum-moderation", kwargs={"slug": thread.commune.slug})
    if action == "hide" and post is None:
        return reverse("frontend:forum-categories", kwargs={"slug": thread.commune.slug})
    return _thread_url(thread.pk)


@handles_domain_errors
def moderation(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = _commune(request, slug)
    if not request.user.is_authenticated or not request.user.has_perm(MODERATE, commune):
        raise PermissionDenied()
    if request.method == "POST":
        form = MuteForm(request.POST)
        target = User.objects.filter(pk=request.POST.get("user") or 0).first() if form.is_valid() else None
        if target is None:
            messages.error(request, _("Give a number of days (1 to 365) and a reason."))
        else:
            try:
                mute = services.user_mute(
                    actor=request.user,
                    commune=commune,
                    user=target,
                    days=form.cleaned_data["days"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("%(name)s is muted until %(until)s.")
                    % {"name": target.display_name, "until": mute.until.strftime("%d/%m/%Y")},
                )
            except DomainError as exc:
                _error_message(request, exc)
        return redirect(reverse("frontend:forum-moderation", kwargs={"slug": slug}))
    context = {"commune": commune, **selectors.moderation_queue(commune=commune), "mute_form": MuteForm()}
    return render(request, "frontend/forums/moderation.html", context)


@handles_domain_errors
def post_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The author edits a message; the earlier text stays in its history."""
    if not request.user.is_authenticated:
        raise PermissionDenied()
    post = selectors.access_post(request.user, pk)
    if post.author_id != request.user.pk or post.deleted_at is not None:
        raise PermissionDenied()
    form = EditForm(request.POST or None, initial={"body": post.body})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
            return redirect(_thread_url(post.thread_id, f"#message-{post.pk}"))
        except DomainError as exc:
            error = exc.message
            for msgs in (exc.details.get("fields") or {}).values():
                error = " ".join([error, *(str(m) for m in msgs)])
    context = {"commune": post.thread.commune, "post": post, "form": form, "error": error}
    status = 400 if error or form.errors else 200
    return render(request, "frontend/forums/post_edit.html", context, status=status)
