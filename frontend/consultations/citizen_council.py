"""Pages of a commune's standing citizen council (public) and of its accredited organisations,
facilitators and council (staff).

The public page lists the council's members today, its meetings with their minutes (a published
document of the commune) and its opinions on the commune's public consultations. The staff page is one
page of forms, each posting back with an ``action``: a refused form comes back with what was typed and
the service's reason next to its field (400); a saved one redirects (POST, then GET) with a message.
Who may use it is the services' own check (``consultations.permissions.can_manage``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from consultations import selectors_council as selectors
from consultations.models import CouncilOpinion
from consultations.permissions import can_manage
from consultations.services import citizen_council as council_services
from consultations.services import organisations as organisation_services
from frontend.consultations.citizen_council_forms import (
    FacilitatorForm,
    MeetingForm,
    MemberForm,
    OrganisationForm,
)
from frontend.council.staff_forms import ServiceForm
from frontend.refusals import domain_error_pages, sign_in_first
from frontend.staff.nav import staff_links
from hub.models import Arrondissement, Commune
from hub.selectors import commune_get, signed_in
from publications.models import Document, PublicationState


def forbidden(request: HttpRequest, commune: Commune | None = None) -> HttpResponse:
    return render(
        request, "frontend/consultations/organisations_forbidden.html", {"commune": commune}, status=403
    )


handles_domain_errors = domain_error_pages(forbidden)


def consultation_link(opinion: CouncilOpinion) -> str:
    return opinion.consultation.get_absolute_url()


@require_safe
@handles_domain_errors
def citizen_council_page(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    council = selectors.citizen_council(commune)
    opinions = [(opinion, consultation_link(opinion)) for opinion in selectors.opinions(commune)]
    meetings = [(meeting, selectors.minutes_public(meeting)) for meeting in council.meetings]
    context = {
        "commune": commune,
        "members": council.current,
        "meetings": meetings,
        "opinions": opinions,
        "is_manager": can_manage(request.user, commune),
    }
    return render(request, "frontend/consultations/citizen_council.html", context)


# --- The staff page ----------------------------------------------------------------------------------


def _manage_url(slug: str, anchor: str = "") -> str:
    return reverse("frontend:consultation-organisations", args=[slug]) + anchor


def _choices(commune: Commune) -> dict[str, list[tuple[str, str]]]:
    organisations = [(str(o.pk), o.name) for o in selectors.organisations(commune)]
    arrondissements = [(str(a.pk), a.name) for a in Arrondissement.objects.filter(commune=commune)]
    documents = [
        (str(d.pk), str(d))
        for d in Document.objects.filter(commune=commune, state=PublicationState.PUBLISHED).order_by(
            "-published_at", "-id"
        )[:200]
    ]
    return {"organisations": organisations, "arrondissements": arrondissements, "documents": documents}


class Forms:
    """The page's four forms, empty or bound to the one that was posted."""

    def __init__(self, commune: Commune, data: Any = None, action: str = "") -> None:
        choices = _choices(commune)

        def bound(name: str) -> Any:
            return data if action == name else None

        self.organisation = OrganisationForm(bound("organisation_accredit"), auto_id="id_org_%s")
        self.facilitator = FacilitatorForm(
            bound("facilitator_grant"), organisations=choices["organisations"], auto_id="id_fac_%s"
        )
        self.member = MemberForm(
            bound("member_add"),
            organisations=choices["organisations"],
            arrondissements=choices["arrondissements"],
            auto_id="id_member_%s",
        )
        self.meeting = MeetingForm(
            bound("meeting_record"), documents=choices["documents"], auto_id="id_meeting_%s"
        )


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def organisations_manage(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, commune):
        return forbidden(request, commune=commune)
    status = 200
    forms = Forms(commune)
    if request.method == "POST":
        actor = signed_in(request.user)
        action = request.POST.get("action", "")
        forms = Forms(commune, request.POST, action)
        refused: ServiceForm | None = None
        if action == "organisation_accredit":
            organisation = forms.organisation.submit(
                lambda data: organisation_services.organisation_accredit(
                    actor=actor, commune=commune, data=data
                )
            )
            if organisation is not None:
                messages.success(request, _("“%(name)s” is accredited.") % {"name": organisation.name})
                return redirect(_manage_url(slug, "#organisations"))
            refused = forms.organisation
        elif action == "organisation_withdraw":
            organisation = selectors.organisation_get(request.POST.get("organisation"), commune=commune)
            organisation_services.organisation_withdraw(actor=actor, organisation=organisation)
            messages.success(
                request,
                _("“%(name)s” is no longer accredited: its facilitators no longer record workshops.")
                % {"name": organisation.name},
            )
            return redirect(_manage_url(slug, "#organisations"))
        elif action == "facilitator_grant":
            form = forms.facilitator
            facilitator = form.submit(
                lambda data: organisation_services.facilitator_grant(
                    actor=actor,
                    commune=commune,
                    identifier=data["identifier"],
                    organisation=data["organisation"],
                )
            )
            if facilitator is not None:
                messages.success(
                    request, _("%(name)s is named facilitator.") % {"name": facilitator.user.display_name}
                )
                return redirect(_manage_url(slug, "#facilitators"))
            refused = form
        elif action == "facilitator_revoke":
            facilitator = selectors.facilitator_get(request.POST.get("facilitator"), commune=commune)
            organisation_services.facilitator_revoke(actor=actor, facilitator=facilitator)
            messages.success(
                request, _("%(name)s is no longer a facilitator.") % {"name": facilitator.user.display_name}
            )
            return redirect(_manage_url(slug, "#facilitators"))
        elif action == "member_add":
            member = forms.member.submit(
                lambda data: council_services.member_add(actor=actor, commune=commune, data=data)
            )
            if member is not None:
                messages.success(
                    request, _("%(name)s is added to the citizen council.") % {"name": member.full_name}
                )
                return redirect(_manage_url(slug, "#members"))
            refused = forms.member
        elif action == "member_leave":
            member = selectors.member_get(request.POST.get("member"), commune=commune)
            council_services.member_leave(actor=actor, member=member)
            messages.success(
                request, _("%(name)s has left the citizen council.") % {"name": member.full_name}
            )
            return redirect(_manage_url(slug, "#members"))
        elif action == "meeting_record":
            meeting = forms.meeting.submit(
                lambda data: council_services.meeting_record(actor=actor, commune=commune, data=data)
            )
            if meeting is not None:
                messages.success(request, _("The meeting is recorded."))
                return redirect(_manage_url(slug, "#meetings"))
            refused = forms.meeting
        else:
            messages.error(request, _("This form is not known. Reload the page and try again."))
            return redirect(_manage_url(slug))
        status = refused.http_status
    council = selectors.citizen_council(commune)
    context = {
        "commune": commune,
        "organisations": list(selectors.organisations(commune, include_withdrawn=True)),
        "facilitators": list(selectors.facilitators(commune)),
        "members": council.current,
        "past_members": council.past,
        "meetings": [(meeting, selectors.minutes_public(meeting)) for meeting in council.meetings],
        "forms": forms,
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/consultations/organisations_manage.html", context, status=status)
