"""Serializers of the organisations, facilitators and citizen council API.

Input serializers check the shape and the JSON types the schema states
(``hub.api.validation.validated``); the services decide the rest (an organisation accredited by this
commune, an account that exists, a published document of this commune...) and say so in the one
error shape. Output serializers declare the fields for the schema and write them from the rows the
selectors return, with codes (kinds), not words: clients label them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from consultations.models import (
    MAX_TITLE_CHARS,
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    CouncilOpinion,
    Facilitator,
    Organisation,
    OrganisationKind,
)
from consultations.selectors_council import minutes_public
from consultations.services.citizen_council import (
    MAX_AGENDA_CHARS,
    MAX_NAME_CHARS,
    MAX_OPINION_CHARS,
    MAX_PLACE_CHARS,
    MAX_ROLE_CHARS,
)
from consultations.services.organisations import MAX_CONTACT_CHARS, MAX_IDENTIFIER_CHARS
from hub.api.validation import ID_MAX
from hub.models import Commune


def an_id(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **options)


# --- Input -------------------------------------------------------------------------------------------


class OrganisationsQueryIn(serializers.Serializer):
    all = serializers.BooleanField(
        required=False, default=False, help_text="true (staff only): withdrawn organisations too."
    )


class OrganisationIn(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_TITLE_CHARS)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    contact = serializers.CharField(
        max_length=MAX_CONTACT_CHARS,
        required=False,
        allow_blank=True,
        help_text="How the commune reaches the organisation (staff only).",
    )


class OrganisationPatchIn(OrganisationIn):
    name = serializers.CharField(max_length=MAX_TITLE_CHARS, required=False)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices, required=False)


class FacilitatorIn(serializers.Serializer):
    identifier = serializers.CharField(
        max_length=MAX_IDENTIFIER_CHARS, help_text="The e-mail address or phone number of their account."
    )
    organisation = an_id(
        required=False,
        allow_null=True,
        help_text="One of the commune's accredited organisations; null: on the commune's own behalf.",
    )


class CitizenCouncilMemberIn(serializers.Serializer):
    full_name = serializers.CharField(max_length=MAX_NAME_CHARS)
    organisation = an_id(required=False, allow_null=True, help_text="The organisation they represent.")
    account = serializers.CharField(
        max_length=MAX_IDENTIFIER_CHARS,
        required=False,
        allow_blank=True,
        help_text="The e-mail address or phone number of their account, if they have one.",
    )
    arrondissement = an_id(required=False, allow_null=True)
    role = serializers.CharField(
        max_length=MAX_ROLE_CHARS, required=False, allow_blank=True, help_text="e.g. chair, secretary."
    )
    joined_on = serializers.DateField()
    left_on = serializers.DateField(required=False, allow_null=True)


class CitizenCouncilMemberPatchIn(CitizenCouncilMemberIn):
    full_name = serializers.CharField(max_length=MAX_NAME_CHARS, required=False)
    joined_on = serializers.DateField(required=False)


class CitizenCouncilMemberLeaveIn(serializers.Serializer):
    left_on = serializers.DateField(required=False, allow_null=True, help_text="Empty: today.")


class CitizenCouncilMeetingIn(serializers.Serializer):
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=MAX_PLACE_CHARS, required=False, allow_blank=True)
    agenda = serializers.CharField(max_length=MAX_AGENDA_CHARS, required=False, allow_blank=True)
    minutes = an_id(
        required=False, allow_null=True, help_text="A document of the commune, published: the minutes."
    )


class CitizenCouncilMeetingPatchIn(CitizenCouncilMeetingIn):
    held_on = serializers.DateField(required=False)


class CitizenCouncilOpinionIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_OPINION_CHARS)
    meeting = an_id(
        required=False, allow_null=True, help_text="The council's meeting that adopted the opinion."
    )


# --- Output ------------------------------------------------------------------------------------------


class OrganisationsCommuneOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()

    def to_representation(self, instance: Commune) -> dict[str, Any]:
        return {"id": instance.pk, "slug": instance.slug, "name": instance.name}


class OrganisationsNamedRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OrganisationOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    contact = serializers.CharField(allow_null=True, help_text="Staff only; null for others.")
    accredited_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    is_accredited = serializers.BooleanField()

    def to_representation(self, instance: Organisation) -> dict[str, Any]:
        staff = bool(self.context.get("staff"))
        return {
            "id": instance.pk,
            "name": instance.name,
            "kind": instance.kind,
            "contact": instance.contact if staff else None,
            "accredited_at": serializers.DateTimeField().to_representation(instance.accredited_at),
            "withdrawn_at": (
                serializers.DateTimeField().to_representation(instance.withdrawn_at)
                if instance.withdrawn_at
                else None
            ),
            "is_accredited": instance.is_accredited,
        }


class OrganisationListOut(serializers.Serializer):
    commune = OrganisationsCommuneOut()
    organisations = OrganisationOut(many=True)


class FacilitatorUserOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class FacilitatorOut(serializers.Serializer):
    id = serializers.IntegerField()
    user = FacilitatorUserOut()
    organisation = OrganisationsNamedRefOut(allow_null=True, help_text="null: on the commune's own behalf.")
    created_at = serializers.DateTimeField()
    can_record = serializers.BooleanField(
        help_text="false once their organisation's accreditation is withdrawn."
    )

    def to_representation(self, instance: Facilitator) -> dict[str, Any]:
        organisation = instance.organisation
        return {
            "id": instance.pk,
            "user": {"id": instance.user_id, "display_name": instance.user.display_name},
            "organisation": {"id": organisation.pk, "name": organisation.name} if organisation else None,
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
            "can_record": instance.revoked_at is None
            and (organisation is None or organisation.is_accredited),
        }


class FacilitatorListOut(serializers.Serializer):
    facilitators = FacilitatorOut(many=True)


class CitizenCouncilMemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    organisation = OrganisationsNamedRefOut(allow_null=True)
    arrondissement = OrganisationsNamedRefOut(allow_null=True)
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)

    def to_representation(self, instance: CitizenCouncilMember) -> dict[str, Any]:
        organisation, arrondissement = instance.organisation, instance.arrondissement
        return {
            "id": instance.pk,
            "full_name": instance.full_name,
            "role": instance.role,
            "organisation": {"id": organisation.pk, "name": organisation.name} if organisation else None,
            "arrondissement": (
                {"id": arrondissement.pk, "name": arrondissement.name} if arrondissement else None
            ),
            "joined_on": instance.joined_on.isoformat(),
            "left_on": instance.left_on.isoformat() if instance.left_on else None,
        }


class CitizenCouncilMinutesOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField(help_text="The document's public page.")


class CitizenCouncilMeetingOut(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    place = serializers.CharField()
    agenda = serializers.CharField()
    minutes = CitizenCouncilMinutesOut(allow_null=True, help_text="null: not yet published.")

    def to_representation(self, instance: CitizenCouncilMeeting) -> dict[str, Any]:
        minutes = instance.minutes if minutes_public(instance) else None
        return {
            "id": instance.pk,
            "held_on": instance.held_on.isoformat(),
            "place": instance.place,
            "agenda": instance.agenda,
            "minutes": (
                {"id": minutes.pk, "title": minutes.title, "path": minutes.get_absolute_url()}
                if minutes is not None
                else None
            ),
        }


class CitizenCouncilOut(serializers.Serializer):
    commune = OrganisationsCommuneOut()
    members = CitizenCouncilMemberOut(many=True, help_text="The members today.")
    meetings = CitizenCouncilMeetingOut(many=True, help_text="Newest first.")


class CitizenCouncilOpinionConsultationOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CitizenCouncilOpinionMeetingOut(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()


class CitizenCouncilOpinionOut(serializers.Serializer):
    consultation = CitizenCouncilOpinionConsultationOut()
    text = serializers.CharField()
    meeting = CitizenCouncilOpinionMeetingOut(allow_null=True)
    recorded_at = serializers.DateTimeField()

    def to_representation(self, instance: CouncilOpinion) -> dict[str, Any]:
        meeting = instance.meeting
        return {
            "consultation": {"id": instance.consultation_id, "title": instance.consultation.title},
            "text": instance.text,
            "meeting": {"id": meeting.pk, "held_on": meeting.held_on.isoformat()} if meeting else None,
            "recorded_at": serializers.DateTimeField().to_representation(instance.recorded_at),
        }
