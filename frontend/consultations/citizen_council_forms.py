"""Forms of the organisations and citizen council staff page: accredit an organisation, name a
facilitator, add a member to the citizen council, record one of its meetings.

They check only the shape a browser sends (required, lengths); the consultations' services decide
the rest (an account that exists, an organisation accredited by this commune, a published document)
and their refusals go next to the fields (``ServiceForm.submit``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from consultations.models import MAX_TITLE_CHARS, OrganisationKind
from consultations.services.citizen_council import (
    MAX_AGENDA_CHARS,
    MAX_NAME_CHARS,
    MAX_PLACE_CHARS,
    MAX_ROLE_CHARS,
)
from consultations.services.organisations import MAX_CONTACT_CHARS, MAX_IDENTIFIER_CHARS
from frontend.council.staff_forms import ServiceForm

Choices = list[tuple[str, str]]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganisationForm(ServiceForm):
    name = forms.CharField(label=gettext_lazy("Name of the organisation"), max_length=MAX_TITLE_CHARS)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OrganisationKind.choices)
    contact = forms.CharField(
        label=gettext_lazy("Contact"),
        required=False,
        max_length=MAX_CONTACT_CHARS,
        help_text=gettext_lazy("How the commune reaches it: a person, a phone number. Shown to staff only."),
    )


class FacilitatorForm(ServiceForm):
    identifier = forms.CharField(
        label=gettext_lazy("E-mail address or phone number of their account"),
        max_length=MAX_IDENTIFIER_CHARS,
        help_text=gettext_lazy("The person must already have an account on Communes+."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    organisation = forms.ChoiceField(label=gettext_lazy("On behalf of"), required=False)

    def __init__(self, *args: object, organisations: Choices, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        own = [("", gettext_lazy("The commune itself"))]
        self.fields["organisation"].choices = [*own, *organisations]  # type: ignore[attr-defined]


class MemberForm(ServiceForm):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=MAX_NAME_CHARS)
    role = forms.CharField(
        label=gettext_lazy("Role on the council"),
        required=False,
        max_length=MAX_ROLE_CHARS,
        help_text=gettext_lazy("e.g. chair, secretary."),
    )
    organisation = forms.ChoiceField(label=gettext_lazy("Organisation represented"), required=False)
    arrondissement = forms.ChoiceField(label=gettext_lazy("Arrondissement"), required=False)
    account = forms.CharField(
        label=gettext_lazy("Their account (e-mail address or phone number)"),
        required=False,
        max_length=MAX_IDENTIFIER_CHARS,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    joined_on = forms.CharField(label=gettext_lazy("Member since"), widget=DATE_INPUT)

    def __init__(
        self, *args: object, organisations: Choices, arrondissements: Choices, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["organisation"].choices = [("", gettext_lazy("None: a citizen")), *organisations]  # type: ignore[attr-defined]
        self.fields["arrondissement"].choices = [("", "—"), *arrondissements]  # type: ignore[attr-defined]


class MeetingForm(ServiceForm):
    held_on = forms.CharField(label=gettext_lazy("Date of the meeting"), widget=DATE_INPUT)
    place = forms.CharField(label=gettext_lazy("Place"), required=False, max_length=MAX_PLACE_CHARS)
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=MAX_AGENDA_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    minutes = forms.ChoiceField(
        label=gettext_lazy("Minutes"),
        required=False,
        help_text=gettext_lazy(
            "Publish the minutes as a document of the commune first, then choose it here."
        ),
    )

    def __init__(self, *args: object, documents: Choices, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["minutes"].choices = [("", gettext_lazy("Not yet published")), *documents]  # type: ignore[attr-defined]
