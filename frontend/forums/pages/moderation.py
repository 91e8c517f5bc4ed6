"""Moderators on the forum: hide, restore, lock or delete from a thread page, and the commune's
moderation queue (flagged content, mutes)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from forums import selectors, services
from forums.models import Thread
from forums.permissions import MODERATE
from frontend.forums.forms import MuteForm
from frontend.forums.pages.common import commune_of, error_message, post_of, thread_action, thread_url
from frontend.publications.common import handles_domain_errors
from hub.errors import DomainError, PermissionDenied
from hub.models import User


@thread_action
def moderate(request: HttpRequest, thread: Thread) -> str:
    action = request.POST.get("action")
    post = post_of(thread, request.POST.get("post"))
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
    return thread_url(thread.pk)


@handles_domain_errors
def moderation(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = commune_of(request, slug)
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
                error_message(request, exc)
        return redirect(reverse("frontend:forum-moderation", kwargs={"slug": slug}))
    context = {"commune": commune, **selectors.moderation_queue(commune=commune), "mute_form": MuteForm()}
    return render(request, "frontend/forums/moderation.html", context)
