"""Staff pages of the mayor's agenda: add an event (a draft, or published at once), edit it, publish
it, cancel it with a public reason (withdrawing an event cancels it, also in the iCalendar feed). The
forms are checked as the API checks them, then the agenda services decide
(``publications/services/agenda.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from frontend.publications import lifecycle
from frontend.publications.common import commune_for, handles_domain_errors
from frontend.publications.forms import AgendaEventForm
from frontend.staff.nav import staff_links
from hub.models import Commune
from hub.selectors import signed_in
from publications.models import AgendaEvent
from publications.selectors.agenda import access_agenda_event, agenda_event_list
from publications.services import agenda as services

EVENT = lifecycle.Kind(
    access=access_agenda_event,
    publish=lambda actor, item: services.agenda_event_publish(actor=actor, event=item),
    withdraw=lambda actor, item, reason: services.agenda_event_withdraw(
        actor=actor, event=item, reason=reason
    ),
    page="frontend:pub-agenda-event",
    published=gettext_lazy("The event is published in the agenda."),
    withdrawn=gettext_lazy("The event is cancelled. The notice stays public."),
    withdraw_title=gettext_lazy("Cancel the event “%(title)s”"),
    withdraw_button=gettext_lazy("Cancel the event"),
    reason_label=gettext_lazy("Reason for the cancellation (shown publicly)"),
)


def _render_form(
    request: HttpRequest, commune: Commune, form: AgendaEventForm, event: AgendaEvent | None = None
) -> HttpResponse:
    context = {
        "commune": commune,
        "form": form,
        "event": event,
        "drafts": agenda_event_list(user=request.user, commune=commune.slug, state="draft")[:50],
        "staff_links": staff_links(request, commune),
    }
    status = form.http_status if form.is_bound else 200
    return render(request, "frontend/publications/agenda_event_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def agenda_event_new(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    lifecycle.require_publisher(request, commune)
    form = AgendaEventForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        created = form.submit(
            lambda fields: services.agenda_event_create(
                actor=signed_in(request.user), commune=commune, **fields
            )
        )
        if created is not None:
            if created.is_published:
                messages.success(request, _("The event is published in the agenda."))
            else:
                messages.success(
                    request, _("The draft is saved. Only staff can see it until you publish it.")
                )
            return redirect(EVENT.page, slug=slug, pk=created.pk)
    return _render_form(request, commune, form)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def agenda_event_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event: AgendaEvent = EVENT.item_in(request, slug, pk)
    current = {name: getattr(event, name) for name in services.EDITABLE_FIELDS}
    data = request.POST if request.method == "POST" else None
    form = AgendaEventForm(data, initial=current, editing=True)

    def update(fields: dict[str, Any]) -> AgendaEvent:
        fields.pop("publish", None)  # the API's create field; publishing is a button here
        if fields.get("ends_at") is None:  # left blank: the event ends when it starts, as on creation
            fields["ends_at"] = fields["starts_at"]
        changes = {name: value for name, value in fields.items() if current.get(name) != value}
        if not changes:
            return event
        return services.agenda_event_update(actor=signed_in(request.user), event=event, changes=changes)

    if form.is_bound and form.submit(update) is not None:
        messages.success(request, _("The changes are saved."))
        return redirect(EVENT.page, slug=slug, pk=pk)
    return _render_form(request, event.commune, form, event)


@require_POST
@handles_domain_errors
def agenda_event_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.publish(request, EVENT, slug, pk)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def agenda_event_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.withdraw(request, EVENT, slug, pk)
