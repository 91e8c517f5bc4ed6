"""The citizen's notification pages beside the inbox (``views.notifications_page``): opening one
notification, and the preferences page. Both work without JavaScript.

Opening goes through ``notif-open`` so that following the link marks the notification read (through
``notifications.services.notification_mark_read``, which also tells the user's other tabs the new
unread count) before the reader lands on what it is about. The target comes from the event's payload:
only a path on this site is followed, never another host.

On the preferences page, a commune follows the all-communes settings until the citizen changes
something in its own section: only the boxes that changed are saved, through
``notifications.services.preference_set``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from frontend.sms.citizen import sms_section
from hub.errors import DomainError, NotFound
from hub.models import Commune, User
from hub.selectors import signed_in, user_follows
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications.models import Channel
from notifications.preferences import ChannelChoice

IMMEDIATE, DAILY = "immediate", "daily"


class ScopePreferenceForm(forms.Form):
    """The choices for one scope: all communes (prefix ``all``) or one commune (``commune-<id>``)."""

    in_app = forms.BooleanField(label=gettext_lazy("In the app"), required=False)
    email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    email_frequency = forms.ChoiceField(
        label=gettext_lazy("How often by e-mail"),
        choices=[
            (IMMEDIATE, gettext_lazy("One e-mail per publication")),
            (DAILY, gettext_lazy("One e-mail a day listing every publication (daily digest)")),
        ],
        widget=forms.RadioSelect,
    )
    push = forms.BooleanField(label=gettext_lazy("Push notifications on my devices"), required=False)

    def __init__(self, *args: Any, push: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not push:
            del self.fields["push"]


@dataclass(frozen=True)
class Scope:
    commune: Commune | None
    form: ScopePreferenceForm
    own_settings: bool  # a commune with rows of its own (always False for all communes)


def push_ready() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def _initial(choices: dict[str, ChannelChoice]) -> dict[str, Any]:
    return {
        "in_app": choices[Channel.IN_APP].enabled,
        "email": choices[Channel.EMAIL].enabled,
        "email_frequency": DAILY if choices[Channel.EMAIL].daily_digest else IMMEDIATE,
        "push": choices[Channel.PUSH].enabled,
    }


def _scopes(request: HttpRequest, user: User) -> list[Scope]:
    """One form per scope, its initial values being what applies today (as the fan-out resolves it)."""
    follows = list(user_follows(user=user))
    choices = notification_selectors.preference_choices(
        user=user, commune_ids=[None, *(follow.commune_id for follow in follows)]
    )
    with_own_rows = {row.commune_id for row in notification_selectors.preferences(user=user)}

    def initial(commune_id: int | None) -> dict[str, Any]:
        return _initial({c: choices[(commune_id, c)] for c in Channel.values})

    data = request.POST if request.method == "POST" else None
    push = push_ready()
    scopes = [Scope(None, ScopePreferenceForm(data, prefix="all", push=push, initial=initial(None)), False)]
    for follow in follows:
        commune = follow.commune
        prefix = f"commune-{commune.pk}"
        form = ScopePreferenceForm(data, prefix=prefix, push=push, initial=initial(commune.pk))
        scopes.append(Scope(commune, form, commune.pk in with_own_rows))
    return scopes


def _save(user: User, scope: Scope) -> None:
    changed, data, commune = set(scope.form.changed_data), scope.form.cleaned_data, scope.commune
    if "in_app" in changed:
        notification_services.preference_set(
            user=user, commune=commune, channel=Channel.IN_APP, enabled=data["in_app"]
        )
    if changed & {"email", "email_frequency"}:
        notification_services.preference_set(
            user=user,
            commune=commune,
            channel=Channel.EMAIL,
            enabled=data["email"],
            daily_digest=data["email_frequency"] == DAILY,
        )
    if "push" in changed:
        notification_services.preference_set(
            user=user, commune=commune, channel=Channel.PUSH, enabled=data["push"]
        )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    scopes = _scopes(request, user)
    status, error = 200, ""
    if request.method == "POST":
        status = 400
        if all([scope.form.is_valid() for scope in scopes]):  # a list: every section shows its errors
            try:
                with transaction.atomic():  # all the sections are saved, or none
                    for scope in scopes:
                        _save(user, scope)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("Your notification preferences have been saved."))
                return redirect("frontend:notif-preferences")
    context = {
        "scopes": scopes,
        "push": push_ready(),
        "error": error,
        "has_errors": bool(error) or any(scope.form.errors for scope in scopes),
        "sms": sms_section(user),  # its own forms (frontend.sms.citizen): SMS is not in the table above
    }
    return render(request, "frontend/notification_preferences.html", context, status=status)


def same_site_path(target: object) -> str | None:
    """``target`` if it is a path on this site (``/forum/sujets/1/``), else None. A payload is data:
    a scheme, a host (``//evil.example``), a backslash or a control character is never followed."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) <= 32 or ord(char) == 127 for char in target):
        return None
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return None
    return target


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read for its recipient, then go where it points (the inbox if nowhere
    safe). Someone else's notification is a 404 and stays as it was."""
    try:
        notification = notification_services.notification_mark_read(
            user=signed_in(request.user), notification_id=notification_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    payload = notification.event.payload
    target = same_site_path(payload.get("path") if isinstance(payload, dict) else None)
    return redirect(target or reverse("frontend:notifications"))
