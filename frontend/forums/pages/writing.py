"""What citizens and the town hall write on the forum: a new thread, a reply, an edit, a support,
a follow, a flag and the thread's status. A refused form comes back with what was typed and the
reason next to its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from forums import selectors, services
from forums.models import Thread, ThreadKind
from frontend.forums.forms import EditForm, FlagForm, ProposalStatusForm, ReplyForm, StatusForm, ThreadForm
from frontend.forums.pages.common import (
    categories_of,
    commune_of,
    describe_errors,
    form_domain_error,
    post_of,
    thread_action,
    thread_url,
    upload_guard,
)
from frontend.forums.pages.thread import thread_render
from frontend.publications.common import handles_domain_errors
from hub.errors import DomainError, NotFound, PermissionDenied
from hub.models import Commune


@csrf_exempt
@handles_domain_errors
def thread_new(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = commune_of(request, slug)
    if not request.user.is_authenticated:
        raise PermissionDenied()
    too_large = upload_guard(request)
    if too_large:
        messages.error(request, too_large)
        return redirect(reverse("frontend:forum-new", kwargs={"slug": slug}))
    return _thread_new(request, commune)


@csrf_protect
def _thread_new(request: HttpRequest, commune: Commune) -> HttpResponseBase:
    categories = categories_of(commune)
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
            return redirect(thread_url(thread.pk))
        except NotFound:
            error = _("Choose a category.")
        except DomainError as exc:
            status = form_domain_error(form, exc)
    if form.is_bound and form.errors and status == 200:
        status = 400
    if error and status == 200:
        status = 400
    describe_errors(form)
    context = {"commune": commune, "categories": categories, "chosen": chosen, "form": form, "error": error}
    return render(request, "frontend/forums/thread_new.html", context, status=status)


@csrf_exempt
@require_POST
@handles_domain_errors
def reply(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A reply; when it is refused the page comes back with the typed text and the reason next to it."""
    if not request.user.is_authenticated:
        raise PermissionDenied()
    too_large = upload_guard(request)
    if too_large:  # the body is not read at all: nothing typed can be given back
        messages.error(request, too_large)
        return redirect(thread_url(pk, "#reply"))
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
            return redirect(thread_url(thread.pk, f"#message-{post.pk}"))
        except NotFound:
            raise
        except DomainError as exc:
            status = form_domain_error(form, exc)
    describe_errors(form)
    return thread_render(request, thread, reply_form=form, status=status)


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
            return redirect(thread_url(post.thread_id, f"#message-{post.pk}"))
        except DomainError as exc:
            error = exc.message
            for msgs in (exc.details.get("fields") or {}).values():
                error = " ".join([error, *(str(m) for m in msgs)])
    context = {"commune": post.thread.commune, "post": post, "form": form, "error": error}
    status = 400 if error or form.errors else 200
    return render(request, "frontend/forums/post_edit.html", context, status=status)


@thread_action
def support(request: HttpRequest, thread: Thread) -> str:
    services.support_set(actor=request.user, thread=thread, supported=request.POST.get("supported") == "1")
    return thread_url(thread.pk)


@thread_action
def follow(request: HttpRequest, thread: Thread) -> str:
    services.follow_set(actor=request.user, thread=thread, following=request.POST.get("following") == "1")
    return thread_url(thread.pk)


@thread_action
def flag(request: HttpRequest, thread: Thread) -> str:
    form = FlagForm(request.POST)
    if form.is_valid():
        post = post_of(thread, form.cleaned_data["post"])
        services.flag_create(actor=request.user, thread=thread, reason=form.cleaned_data["reason"], post=post)
        messages.success(request, _("Thank you: the moderators will look at it."))
    return thread_url(thread.pk)


@thread_action
def status(request: HttpRequest, thread: Thread) -> str:
    if "proposal_status" in request.POST:
        form: Any = ProposalStatusForm(request.POST)
        if form.is_valid():
            services.proposal_status_set(actor=request.user, thread=thread, **form.cleaned_data)
    else:
        form = StatusForm(request.POST)
        if form.is_valid():
            services.thread_status_set(actor=request.user, thread=thread, **form.cleaned_data)
    return thread_url(thread.pk)
