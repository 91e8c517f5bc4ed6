"""Forms of the council's staff pages: the members, committees and rules, and the desk of a council
session (open a motion, a secret ballot's counts, corrections, the deliberation of an adopted motion).

They check only the shape a browser sends (required, lengths, whole numbers, dates); the council's
services decide the rest and their refusals go next to the fields (``ServiceForm.submit``). The roll
call and the named votes are one radio group per member: they are read from the request by the desk
itself (``frontend.council.staff.desk``), every member's line as it came, so the services judge
every line, those of members the page did not list included."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from council.models import (
    MAX_MOTION_TEXT_CHARS,
    MAX_MOTION_TITLE_CHARS,
    MAX_NAME_CHARS,
    MAX_REASON_CHARS,
    CouncilRole,
    MajorityRule,
    QuorumRule,
    TieRule,
    VoteChoice,
)
from frontend.forms import apply_field_errors
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied

T = TypeVar("T")
ISO_DATE = "%Y-%m-%d"
MAX_COUNT = 10_000


class ServiceForm(forms.Form):
    """A form whose input a council service judges: ``submit`` calls it when the shape is right and
    puts its refusal next to the field it names (``service_fields`` renames the services' field
    names to this form's; ``on_field`` names the field of a refusal that names none, by its code)."""

    service_fields: ClassVar[Mapping[str, str]] = MappingProxyType({})
    # The HTTP status of a page shown again with errors (a service's refusal sets its own: 409...).
    http_status = 400

    def submit(
        self, write: Callable[[dict[str, Any]], T], *, on_field: Mapping[str, str] = MappingProxyType({})
    ) -> T | None:
        if not self.is_valid():
            return None
        try:
            return write(self.cleaned_data)
        except DomainError as exc:
            field = on_field.get(exc.code)
            if field is None and isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
                raise
            fields = exc.details.get("fields") or ({field: [exc.message]} if field else None)
            if fields:
                fields = {self.service_fields.get(name, name): errors for name, errors in fields.items()}
            apply_field_errors(self, fields, exc.message)
            self.http_status = exc.status
            return None


# --- Members, committees, rules ----------------------------------------------------------------------


class MemberForm(ServiceForm):
    """A council member (``council.services.member_create`` / ``member_update``), and their photo
    (``member_photo_set``). ``remove_photo`` is offered on the edit page only."""

    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=MAX_NAME_CHARS)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=CouncilRole.choices)
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=MAX_NAME_CHARS,
        help_text=gettext_lazy("As it is written in the council's records, e.g. 1st deputy mayor."),
    )
    arrondissement = forms.CharField(label=gettext_lazy("Arrondissement"), required=False, max_length=80)
    mandate_start = forms.DateField(
        label=gettext_lazy("Mandate starts on"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    mandate_end = forms.DateField(
        label=gettext_lazy("Mandate ends on"),
        required=False,
        help_text=gettext_lazy(
            "Leave empty while the mandate runs. A member who leaves the council keeps their record: "
            "end their mandate rather than deleting them."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    committees = forms.MultipleChoiceField(
        label=gettext_lazy("Committees"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    user = forms.ChoiceField(
        label=gettext_lazy("Account on Communes+ (optional)"),
        required=False,
        choices=(),
        help_text=gettext_lazy(
            "The staff account this member uses, if any: the questions they answer in sessions and "
            "the commitments of their role then show on their public page."
        ),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo"),
        required=False,
        help_text=gettext_lazy("PNG, JPEG or WebP. Without a photo, the member's initials are shown."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=gettext_lazy("Remove the current photo"), required=False)

    def __init__(
        self,
        *args: Any,
        committees: list[Any],
        accounts: list[tuple[int, str]] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committees"].choices = [(str(c.pk), c.name) for c in committees]  # type: ignore[attr-defined]
        self.fields["user"].choices = [("", gettext_lazy("No account"))] + [  # type: ignore[attr-defined]
            (str(pk), label) for pk, label in accounts or []
        ]
        if not editing:
            del self.fields["remove_photo"]

    def member_data(self, *, changed_only: bool) -> dict[str, Any]:
        """What the service takes: every member field, or only those that changed."""
        names = ("full_name", "role", "title", "arrondissement", "mandate_start", "mandate_end", "committees")
        data = {
            name: self.cleaned_data[name] for name in names if not changed_only or name in self.changed_data
        }
        if not changed_only or "user" in self.changed_data:
            data["user"] = self.cleaned_data.get("user") or None
        return data


class CommitteeForm(ServiceForm):
    name = forms.CharField(label=gettext_lazy("Name of the committee"), max_length=MAX_NAME_CHARS)


class DeleteMemberForm(ServiceForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm: this member was entered by mistake"),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


# Plain words for each rule, shown under its choice.
QUORUM_HELP = {
    QuorumRule.MAJORITY: gettext_lazy(
        "The council may deliberate when more than half of its members in office are in the room "
        "(for example 13 of 25). This is the rule of Benin's law on communes."
    ),
    QuorumRule.TWO_THIRDS: gettext_lazy(
        "At least two thirds of the members in office must be in the room (for example 17 of 25)."
    ),
    QuorumRule.FIXED: gettext_lazy(
        "The council may deliberate when a set number of members is in the room: give that number below."
    ),
}
MAJORITY_HELP = {
    MajorityRule.CAST: gettext_lazy(
        "Adopted when the votes for outnumber the votes against. Abstentions and members who do not "
        "take part are not counted. This is the rule of Benin's law on communes."
    ),
    MajorityRule.PRESENT: gettext_lazy(
        "Adopted when the votes for are more than half of the members who voted, abstentions "
        "included: an abstention weighs like a vote against."
    ),
    MajorityRule.MEMBERS: gettext_lazy(
        "Adopted when the votes for are more than half of all the members in office, present or not "
        "(for example 13 votes for in a council of 25)."
    ),
    MajorityRule.TWO_THIRDS: gettext_lazy(
        "Adopted when the votes for reach two thirds of the votes cast (for and against)."
    ),
}
TIE_HELP = {
    TieRule.CHAIR: gettext_lazy(
        "When the votes for and against are equal, the side the chair voted for wins (the mayor "
        "presides when present). In a secret ballot, or if the chair voted neither for nor against, "
        "the motion is rejected."
    ),
    TieRule.REJECTED: gettext_lazy("When the votes for and against are equal, the motion is rejected."),
}


def _explained(field: forms.BoundField, help_texts: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    return [(radio, help_texts.get(radio.data["value"], "")) for radio in field]


class RulesForm(ServiceForm):
    """How the council counts its quorum and decides (``council.services.rules_update``)."""

    quorum_rule = forms.ChoiceField(
        label=gettext_lazy("Quorum"), choices=QuorumRule.choices, widget=forms.RadioSelect
    )
    quorum_fixed = forms.IntegerField(
        label=gettext_lazy("Fixed quorum (number of members)"),
        required=False,
        min_value=1,
        max_value=500,
        help_text=gettext_lazy("Only with “A fixed number of members”."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    proxies_count_for_quorum = forms.BooleanField(
        label=gettext_lazy("Members represented by proxy count towards the quorum"),
        required=False,
        help_text=gettext_lazy(
            "Unticked, only the members in the room count. Tick it only if your council's rules count "
            "the members represented by a colleague."
        ),
    )
    majority_rule = forms.ChoiceField(
        label=gettext_lazy("Majority"), choices=MajorityRule.choices, widget=forms.RadioSelect
    )
    tie_rule = forms.ChoiceField(
        label=gettext_lazy("In case of a tie"),
        choices=TieRule.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "A tie is decided so under the majority of the votes cast; under the other rules, exactly "
            "half is not a majority and the motion is rejected."
        ),
    )

    def quorum_choices(self) -> list[tuple[Any, Any]]:
        return _explained(self["quorum_rule"], QUORUM_HELP)

    def majority_choices(self) -> list[tuple[Any, Any]]:
        return _explained(self["majority_rule"], MAJORITY_HELP)

    def tie_choices(self) -> list[tuple[Any, Any]]:
        return _explained(self["tie_rule"], TIE_HELP)


# --- The desk of a council session -------------------------------------------------------------------


class MotionOpenForm(ServiceForm):
    """Put a motion to the vote (``council.services.motion_open``)."""

    title = forms.CharField(label=gettext_lazy("Title of the motion"), max_length=MAX_MOTION_TITLE_CHARS)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=MAX_MOTION_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    document = forms.ChoiceField(label=gettext_lazy("Document it concerns"), required=False, choices=())
    agenda_item = forms.ChoiceField(label=gettext_lazy("Agenda item"), required=False, choices=())
    secret = forms.BooleanField(
        label=gettext_lazy("Secret ballot (only the counts are recorded, not names)"), required=False
    )
    majority_rule = forms.ChoiceField(
        label=gettext_lazy("Majority"),
        choices=MajorityRule.choices,
        help_text=gettext_lazy("By default, the council's rule."),
    )

    def __init__(self, *args: Any, documents: list[Any], agenda: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [  # type: ignore[attr-defined]
            ("", _("None")),
            *[(str(d.pk), f"{d.title} ({d.fiscal_year})") for d in documents],
        ]
        self.fields["agenda_item"].choices = [  # type: ignore[attr-defined]
            ("", _("The current item, if any")),
            *[(str(item.pk), f"{item.position}. {item.title}") for item in agenda],
        ]


class CountsForm(ServiceForm):
    """A secret ballot's counts (``council.services.counts_record``)."""

    service_fields = MappingProxyType(
        {"for": "votes_for", "against": "votes_against", "abstain": "abstentions"}
    )

    votes_for = forms.IntegerField(label=gettext_lazy("For"), min_value=0, max_value=MAX_COUNT)
    votes_against = forms.IntegerField(label=gettext_lazy("Against"), min_value=0, max_value=MAX_COUNT)
    abstentions = forms.IntegerField(
        label=pgettext_lazy("vote", "Abstention"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    not_voting = forms.IntegerField(
        label=gettext_lazy("Did not take part in the vote"), min_value=0, max_value=MAX_COUNT, initial=0
    )

    def counts(self) -> dict[str, int]:
        data = self.cleaned_data
        return {
            "for": data["votes_for"],
            "against": data["votes_against"],
            "abstain": data["abstentions"],
            "not_voting": data["not_voting"],
        }


REASON_HELP = gettext_lazy("Shown publicly with the correction.")


class CountsCorrectForm(CountsForm):
    """Correct a secret ballot's counts, with the reason (``council.services.counts_correct``)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"), max_length=MAX_REASON_CHARS, help_text=REASON_HELP
    )


VOTE_LABELS = {
    VoteChoice.FOR: gettext_lazy("For"),
    VoteChoice.AGAINST: gettext_lazy("Against"),
    VoteChoice.ABSTAIN: gettext_lazy("Abstention"),
    VoteChoice.NOT_VOTING: gettext_lazy("Does not take part in the vote"),
}


class VoteCorrectForm(ServiceForm):
    """Correct one member's recorded vote, with the reason (``council.services.vote_correct``)."""

    member = forms.ChoiceField(label=gettext_lazy("Member"), choices=())
    choice = forms.ChoiceField(label=gettext_lazy("New vote"), choices=list(VOTE_LABELS.items()))
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"), max_length=MAX_REASON_CHARS, help_text=REASON_HELP
    )

    def __init__(self, *args: Any, votes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a member")),
            *[(str(v.member_id), f"{v.member.full_name} ({v.get_choice_display()})") for v in votes],
        ]


class DeliberationForm(ServiceForm):
    """Link an adopted motion to its published deliberation (``motion_link_deliberation``)."""

    deliberation = forms.ChoiceField(
        label=gettext_lazy("Deliberation or minutes"), required=False, choices=()
    )

    def __init__(self, *args: Any, documents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deliberation"].choices = [  # type: ignore[attr-defined]
            ("", _("None (remove the link)")),
            *[(str(d.pk), f"{d.title} ({d.get_type_display()}, {d.fiscal_year})") for d in documents],
        ]
