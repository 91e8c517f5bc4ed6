"""Staff pages that change a session: schedule it, edit it, start it, end it. They work without
JavaScript (plain forms; start and end ask for confirmation on a page of their own) and call the
same services as the REST API, which decide who may act: staff of another commune get a 403 page
and nothing is written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from council.permissions import can_manage as can_manage_council
from council.services import motions_close_open
from frontend.refusals import sign_in_first
from frontend.sessions.common import forbidden, handles_domain_errors, session_get
from frontend.sessions.forms import SessionForm
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Commune
from hub.selectors import signed_in
from sessions_live.models import LiveSession, SessionStatus
from sessions_live.permissions import can_manage
from sessions_live.services import sessions as session_services


def _manager_page(request: HttpRequest, pk: int) -> LiveSession | HttpResponse:
    """The session if the user may manage it; otherwise the page to answer with (sign in, 403)."""
    session = session_get(pk)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, session):
        return forbidden(request, session)
    return session


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Schedule a session of the commune (``POST /api/v1/sessions/``): its page comes next."""
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound()
    if not request.user.has_perm("hub.publish_in_commune", commune):  # as POST /api/v1/sessions/
        return (
            forbidden(request, commune=commune) if request.user.is_authenticated else sign_in_first(request)
        )
    form = SessionForm(request.POST or None, commune=commune)
    if request.method == "POST":

        def schedule(data: dict[str, Any]) -> LiveSession:
            data.pop("commune", None)
            return session_services.session_schedule(actor=signed_in(request.user), commune=commune, **data)

        session = form.submit(schedule)
        if session is not None:
            messages.success(
                request, _("The session is scheduled. The commune's followers are told about it.")
            )
            return redirect("frontend:session", pk=session.pk)
    return _form_page(request, form, commune, None)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a session (``PATCH /api/v1/sessions/<id>/``): only what changed is sent to the service."""
    found = _manager_page(request, pk)
    if isinstance(found, HttpResponse):
        return found
    session = found
    form = SessionForm(request.POST or None, commune=session.commune, session=session)
    if request.method == "POST":

        def update(_data: dict[str, Any]) -> dict[str, Any]:
            changes = form.changes()
            if changes:
                session_services.session_update(
                    actor=signed_in(request.user), session=session, changes=changes
                )
            return changes

        changes = form.submit(update)
        if changes is not None:
            messages.success(request, _("The session is saved.") if changes else _("Nothing was changed."))
            return redirect("frontend:session", pk=session.pk)
    return _form_page(request, form, session.commune, session)


def _form_page(
    request: HttpRequest, form: SessionForm, commune: Commune, session: LiveSession | None
) -> HttpResponse:
    context = {
        "form": form,
        "commune": commune,
        "session": session,
        "agenda": list(session.agenda_items.all()) if session is not None else [],
        "cancel_url": reverse("frontend:session", args=[session.pk])
        if session is not None
        else reverse("frontend:commune-sessions", args=[commune.slug]),
    }
    status = form.http_status if form.is_bound and form.errors else 200
    return render(request, "frontend/sessions/form.html", context, status=status)


# --- Start and end ---------------------------------------------------------------------------------

ACTIONS: dict[str, dict[str, Any]] = {
    "start": {
        "service": session_services.session_start,
        "from": SessionStatus.SCHEDULED,
        "done": SessionStatus.LIVE,
    },
    "end": {
        "service": session_services.session_end,
        "from": SessionStatus.LIVE,
        "done": SessionStatus.ENDED,
    },
}


def _status_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET, or a POST without ``confirmed``: the confirmation page. A confirmed POST acts; a start
    leads to the console, an end to the session's page (its archive)."""
    found = _manager_page(request, pk)
    if isinstance(found, HttpResponse):
        return found
    session = found
    rule = ACTIONS[action]
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            with transaction.atomic():
                if action == "end" and can_manage_council(request.user, session.commune):
                    # A vote left open closes with the session, with the votes it has (council/).
                    motions_close_open(actor=signed_in(request.user), session=session)
                rule["service"](actor=signed_in(request.user), session=session)
        except DomainError as exc:
            if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
                raise
            messages.error(request, exc.message)
            return redirect("frontend:session", pk=session.pk)
        if action == "start":
            messages.success(request, _("The session is live. Citizens can chat, vote and ask questions."))
            return redirect("frontend:session-console", pk=session.pk)
        messages.success(request, _("The session has ended. Its page is now its archive."))
        return redirect("frontend:session", pk=session.pk)
    if session.status == rule["done"]:
        messages.info(
            request,
            _("This session is already live.") if action == "start" else _("This session has already ended."),
        )
        return redirect(
            "frontend:session-console" if action == "start" else "frontend:session", pk=session.pk
        )
    context = {"session": session, "action": action, "possible": session.status == rule["from"]}
    return render(
        request, "frontend/sessions/confirm.html", context, status=200 if context["possible"] else 409
    )


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def session_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, "start")


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, "end")
