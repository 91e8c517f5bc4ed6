"""Forms of the commitment pages, checked by the commitments API's input serializers
(``ApiCheckedForm``): a page and the API accept the same input and refuse it in the same words; the
services then decide (past due dates, an owner given twice, a document of another commune...)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.api import serializers as api
from commitments.models import (
    MAX_OFFICE_CHARS,
    MAX_PHOTOS,
    MAX_TEXT_CHARS,
    MAX_UPDATE_CHARS,
    CommitmentStatus,
    OriginKind,
)
from frontend.forms import ApiCheckedForm
from hub.models import Role
from hub.uploads import upload_max_bytes

ISO_DATE = "%Y-%m-%d"


def _role_choices() -> list[tuple[str, Any]]:
    return [("", _("No role (name an office below, or leave empty)")), *Role.choices]


class OwnerFields(ApiCheckedForm):
    owner_role = forms.ChoiceField(label=gettext_lazy("Responsible role"), required=False, choices=())
    owner_office = forms.CharField(
        label=gettext_lazy("Or a responsible office"),
        required=False,
        max_length=MAX_OFFICE_CHARS,
        help_text=gettext_lazy("For an office that is not a role on Communes+, e.g. the technical services."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_role"].choices = _role_choices()  # type: ignore[attr-defined]


class CommitmentEditForm(OwnerFields):
    """Text, owner and due date of a commitment (``PATCH /api/v1/commitments/<id>/``)."""

    serializer_class = api.CommitmentEditIn
    field_order = ["text", "owner_role", "owner_office", "due_on"]

    text = forms.CharField(
        label=gettext_lazy("Commitment"), max_length=MAX_TEXT_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due on"),
        required=False,
        help_text=gettext_lazy("A new due date goes on the timeline and citizens are told."),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )


class CommitmentNewForm(OwnerFields):
    """A new commitment: direct, or from an accepted proposal (``POST /api/v1/commitments/``)."""

    serializer_class = api.CommitmentIn
    field_order = ["origin", "proposal", "text", "owner_role", "owner_office", "due_on"]

    origin = forms.ChoiceField(label=gettext_lazy("Origin"), choices=())
    proposal = forms.ChoiceField(label=gettext_lazy("Accepted proposal"), required=False, choices=())
    text = forms.CharField(
        label=gettext_lazy("Commitment"), max_length=MAX_TEXT_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )

    def __init__(self, *args: Any, commune_slug: str, proposals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commune_slug = commune_slug
        self.fields["origin"].choices = [  # type: ignore[attr-defined]
            (OriginKind.DIRECT.value, _("Made directly by the commune")),
            (OriginKind.PROPOSAL.value, _("In answer to an accepted proposal of the forum")),
        ]
        self.fields["proposal"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a proposal")),
            *[(str(p.pk), p.title) for p in proposals],
        ]
        self.fields["proposal"].help_text = _(
            "Commitments made in answer to a session question are recorded from the session's console."
        )

    def api_data(self) -> QueryDict:
        data = super().api_data()
        data["commune"] = self.commune_slug
        if data.get("origin") != OriginKind.PROPOSAL:
            data.pop("proposal", None)
        return data


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UpdateForm(ApiCheckedForm):
    """A timeline entry (``POST /api/v1/commitments/<id>/updates/``); the photos go to the service as
    they came (its checks: images only, at most four). Their size is checked before the form exists:
    the whole request body, photos together, is limited to ``UPLOAD_MAX_BYTES``."""

    serializer_class = api.UpdateIn

    text = forms.CharField(
        label=gettext_lazy("What is new"),
        required=False,
        max_length=MAX_UPDATE_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=())
    progress = forms.IntegerField(
        label=gettext_lazy("Progress (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy(
            "From 0 to 100. Marking it done sets it to 100 unless you give another figure."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )
    document = forms.ChoiceField(
        label=gettext_lazy("Published document as evidence"), required=False, choices=()
    )
    photos = forms.FileField(
        label=gettext_lazy("Photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def __init__(self, *args: Any, current_status: str, documents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("Unchanged (%(status)s)") % {"status": CommitmentStatus(current_status).label}),
            *CommitmentStatus.choices,
        ]
        self.fields["document"].choices = [  # type: ignore[attr-defined]
            ("", _("None")),
            *[(str(d.pk), f"{d.title} ({d.fiscal_year})") for d in documents],
        ]
        # The limit is on the whole request (``hub.uploads.limit_upload_size``), not on each photo.
        self.fields["photos"].help_text = _(
            "Up to %(count)s photos (PNG, JPEG or WebP), at most %(size)s MB in all."
        ) % {"count": MAX_PHOTOS, "size": f"{upload_max_bytes() / (1024 * 1024):g}"}

    def api_data(self) -> QueryDict:
        data = super().api_data()
        data.pop("photos", None)
        return data
