"""A commune's accredited organisations, its facilitators and its standing citizen council over REST.

Reading the organisations, the citizen council and its opinion on a public consultation is open to
everyone; the list of facilitators names people, so it is for the commune's staff. Writing is for the
staff who manage the commune's consultations (``consultations.services.common.require_manager``),
checked before the body is read, so that a citizen or staff of another commune is told 403, never
400 about fields they may not send at all. The views are thin: the same services as the staff pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations import selectors_council as selectors
from consultations.api import serializers_organisations as s
from consultations.models import Consultation
from consultations.permissions import can_manage
from consultations.selectors import visible_consultation
from consultations.services import citizen_council as council_services
from consultations.services import organisations as organisation_services
from consultations.services.common import require_manager
from hub.api.validation import validated, validated_query
from hub.errors import NotFound
from hub.models import Commune

ERRORS = {
    400: OpenApiResponse(
        description="Invalid input: `invalid` (with `fields`: the shape or a JSON type), "
        "`validation_error` (with `fields`: a rule of the service: an unknown account, an organisation "
        "not accredited by this commune, a document not published...)."
    ),
    403: OpenApiResponse(
        description="Not staff managing this commune's consultations (`forbidden`), or CSRF."
    ),
    404: OpenApiResponse(
        description="No such commune, organisation, facilitator, member, meeting or consultation "
        "(`commune_not_found`, `not_found`)."
    ),
}
READ_ERRORS = {404: ERRORS[404]}


def commune_get(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def commune_data(commune: Commune) -> dict[str, Any]:
    return {"id": commune.pk, "slug": commune.slug, "name": commune.name}


# --- Organisations -----------------------------------------------------------------------------------


class OrganisationsView(APIView):
    @extend_schema(parameters=[s.OrganisationsQueryIn], responses={200: s.OrganisationListOut, **READ_ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        """The organisations of civil society the commune has accredited (``all=true``, staff only:
        those withdrawn too). Their contact is shown to the commune's staff only."""
        commune = commune_get(slug)
        everyone = validated_query(s.OrganisationsQueryIn, request)["all"]
        staff = can_manage(request.user, commune)
        rows = selectors.organisations(commune, include_withdrawn=everyone and staff)
        return Response(
            {
                "commune": commune_data(commune),
                "organisations": s.OrganisationOut(rows, many=True, context={"staff": staff}).data,
            }
        )

    @extend_schema(request=s.OrganisationIn, responses={201: s.OrganisationOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Accredit an organisation (audited)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        data = validated(s.OrganisationIn, request.data)
        organisation = organisation_services.organisation_accredit(
            actor=request.user, commune=commune, data=data
        )
        return Response(
            s.OrganisationOut(organisation, context={"staff": True}).data, status=status.HTTP_201_CREATED
        )


class OrganisationDetailView(APIView):
    @extend_schema(request=s.OrganisationPatchIn, responses={200: s.OrganisationOut, **ERRORS})
    def patch(self, request: Request, slug: str, organisation_id: int) -> Response:
        """Change an organisation's name, kind or contact (the fields sent only)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        organisation = selectors.organisation_get(organisation_id, commune=commune)
        data = validated(s.OrganisationPatchIn, request.data)
        organisation = organisation_services.organisation_update(
            actor=request.user, organisation=organisation, data=data
        )
        return Response(s.OrganisationOut(organisation, context={"staff": True}).data)


class OrganisationWithdrawView(APIView):
    @extend_schema(request=None, responses={200: s.OrganisationOut, **ERRORS})
    def post(self, request: Request, slug: str, organisation_id: int) -> Response:
        """Withdraw the accreditation: its facilitators no longer record workshops (once; again
        changes nothing)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        organisation = selectors.organisation_get(organisation_id, commune=commune)
        organisation = organisation_services.organisation_withdraw(
            actor=request.user, organisation=organisation
        )
        return Response(s.OrganisationOut(organisation, context={"staff": True}).data)


# --- Facilitators ------------------------------------------------------------------------------------


class FacilitatorsView(APIView):
    # The list names people: staff only, signed in whatever the method.
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: s.FacilitatorListOut, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request: Request, slug: str) -> Response:
        """The facilitators the commune has named (not revoked). The commune's focal points record
        workshops too, without being listed here."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        rows = selectors.facilitators(commune)
        return Response({"facilitators": s.FacilitatorOut(rows, many=True).data})

    @extend_schema(request=s.FacilitatorIn, responses={201: s.FacilitatorOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Name a facilitator by the e-mail address or phone number of their account, for an
        accredited organisation or on the commune's own behalf (audited)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        data = validated(s.FacilitatorIn, request.data)
        facilitator = organisation_services.facilitator_grant(
            actor=request.user,
            commune=commune,
            identifier=data["identifier"],
            organisation=data.get("organisation"),
        )
        facilitator = selectors.facilitator_get(facilitator.pk)
        return Response(s.FacilitatorOut(facilitator).data, status=status.HTTP_201_CREATED)


class FacilitatorDetailView(APIView):
    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, slug: str, facilitator_id: int) -> Response:
        """Revoke a facilitator (they no longer record workshops; their workshops stay)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        facilitator = selectors.facilitator_get(facilitator_id, commune=commune)
        organisation_services.facilitator_revoke(actor=request.user, facilitator=facilitator)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The citizen council -----------------------------------------------------------------------------


class CitizenCouncilView(APIView):
    @extend_schema(responses={200: s.CitizenCouncilOut, **READ_ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        """The standing citizen council: its members today (with the organisation they represent and
        their arrondissement) and its meetings, newest first, with their minutes once published."""
        commune = commune_get(slug)
        return Response(
            {
                "commune": commune_data(commune),
                "members": s.CitizenCouncilMemberOut(selectors.current_members(commune), many=True).data,
                "meetings": s.CitizenCouncilMeetingOut(selectors.meetings(commune), many=True).data,
            }
        )


class CitizenCouncilMembersView(APIView):
    @extend_schema(request=s.CitizenCouncilMemberIn, responses={201: s.CitizenCouncilMemberOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Add a member: a citizen, or the delegate of an accredited organisation (audited)."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        data = validated(s.CitizenCouncilMemberIn, request.data)
        member = council_services.member_add(actor=request.user, commune=commune, data=data)
        member = selectors.member_get(member.pk)
        return Response(s.CitizenCouncilMemberOut(member).data, status=status.HTTP_201_CREATED)


class CitizenCouncilMemberView(APIView):
    @extend_schema(
        request=s.CitizenCouncilMemberPatchIn, responses={200: s.CitizenCouncilMemberOut, **ERRORS}
    )
    def patch(self, request: Request, slug: str, member_id: int) -> Response:
        """Change a member (the fields sent only); ``account`` empty unlinks their account."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        member = selectors.member_get(member_id, commune=commune)
        data = validated(s.CitizenCouncilMemberPatchIn, request.data)
        council_services.member_update(actor=request.user, member=member, data=data)
        return Response(s.CitizenCouncilMemberOut(selectors.member_get(member.pk)).data)


class CitizenCouncilMemberLeaveView(APIView):
    @extend_schema(
        request=s.CitizenCouncilMemberLeaveIn, responses={200: s.CitizenCouncilMemberOut, **ERRORS}
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        """The member leaves the council (today, or on ``left_on``); they stay in its history."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        member = selectors.member_get(member_id, commune=commune)
        data = validated(s.CitizenCouncilMemberLeaveIn, request.data)
        council_services.member_leave(actor=request.user, member=member, left_on=data.get("left_on"))
        return Response(s.CitizenCouncilMemberOut(selectors.member_get(member.pk)).data)


class CitizenCouncilMeetingsView(APIView):
    @extend_schema(request=s.CitizenCouncilMeetingIn, responses={201: s.CitizenCouncilMeetingOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Record a meeting, with its minutes (a published document of the commune) if ready."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        data = validated(s.CitizenCouncilMeetingIn, request.data)
        meeting = council_services.meeting_record(actor=request.user, commune=commune, data=data)
        meeting = selectors.meeting_get(meeting.pk)
        return Response(s.CitizenCouncilMeetingOut(meeting).data, status=status.HTTP_201_CREATED)


class CitizenCouncilMeetingView(APIView):
    @extend_schema(
        request=s.CitizenCouncilMeetingPatchIn, responses={200: s.CitizenCouncilMeetingOut, **ERRORS}
    )
    def patch(self, request: Request, slug: str, meeting_id: int) -> Response:
        """Change a meeting (the fields sent only): most often, link its minutes once published."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        meeting = selectors.meeting_get(meeting_id, commune=commune)
        data = validated(s.CitizenCouncilMeetingPatchIn, request.data)
        council_services.meeting_update(actor=request.user, meeting=meeting, data=data)
        return Response(s.CitizenCouncilMeetingOut(selectors.meeting_get(meeting.pk)).data)


class ConsultationOpinionView(APIView):
    def _consultation(self, request: Request, consultation_id: int) -> Consultation:
        return visible_consultation(request.user, consultation_id)

    @extend_schema(responses={200: s.CitizenCouncilOpinionOut, **READ_ERRORS})
    def get(self, request: Request, consultation_id: int) -> Response:
        """The citizen council's opinion on a consultation (404 ``no_opinion`` while it has none).
        A consultation still in draft is found by its commune's staff only."""
        consultation = self._consultation(request, consultation_id)
        opinion = selectors.opinion_for(consultation)
        if opinion is None:
            raise NotFound(
                _("The citizen council has given no opinion on this consultation."), code="no_opinion"
            )
        return Response(s.CitizenCouncilOpinionOut(opinion).data)

    @extend_schema(request=s.CitizenCouncilOpinionIn, responses={200: s.CitizenCouncilOpinionOut, **ERRORS})
    def put(self, request: Request, consultation_id: int) -> Response:
        """Record the council's opinion (one per consultation: sending again replaces it; audited)."""
        consultation = self._consultation(request, consultation_id)
        require_manager(request.user, consultation.commune)
        data = validated(s.CitizenCouncilOpinionIn, request.data)
        opinion = council_services.opinion_record(
            actor=request.user, consultation=consultation, text=data["text"], meeting=data.get("meeting")
        )
        return Response(s.CitizenCouncilOpinionOut(opinion).data)
