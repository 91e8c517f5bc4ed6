"""Forms of the publication pages. The staff forms of contracts, agenda events and withdrawals are
checked by the API's input serializers (``ApiCheckedForm``); services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.forms import ApiCheckedForm
from hub.uploads import MAX_FILES_PER_REQUEST, upload_max_bytes
from publications.api import serializers as api
from publications.models import ContractProcedure, ContractStatus, DocumentType

# --- Forms (shape only; services decide) ----------------------------------------------------------


def year_choices(blank: Any) -> list[tuple[Any, Any]]:
    last = timezone.localdate().year + 1
    return [("", blank), *[(year, str(year)) for year in range(last, 1999, -1)]]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_FILES_PER_REQUEST:
            raise forms.ValidationError(
                _("At most %(count)s files at a time.") % {"count": MAX_FILES_PER_REQUEST}, code="max_files"
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


FILE_HELP = gettext_lazy(
    "PDF, images (PNG, JPEG, WebP), ODT, ODS, DOCX, XLSX or CSV; at most %(size)s MB in all."
)


def max_upload_mb() -> str:
    return f"{upload_max_bytes() / (1024 * 1024):g}"


def _file_help() -> str:
    return str(FILE_HELP) % {"size": max_upload_mb()}


def _size_attrs(field: forms.Field) -> None:
    """For publish.js: the limit, and what to say when a chosen file is over it."""
    field.widget.attrs["data-max-bytes"] = upload_max_bytes()
    field.widget.attrs["data-message"] = _("This file is too large: at most %(limit)s MB.") % {
        "limit": max_upload_mb()
    }


class PublishButtonField(forms.BooleanField):
    """Which of a creation form's two submit buttons was pressed: "Publish" (the first, so also
    Enter in a field) sends ``publish=true``, "Save as draft" ``publish=false``. It replaces a
    checkbox that, unticked by default, made drafts by mistake; the templates render the buttons,
    never this field. A post with neither value is a draft, as in the API and as from a page
    opened before the change."""

    def __init__(self) -> None:
        super().__init__(required=False)


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Type of document"), choices=DocumentType.choices)
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int, choices=())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What citizens should know about this document, in a few sentences."),
    )
    uploads = MultipleFileField(label=gettext_lazy("Files"))
    publish = PublishButtonField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = year_choices(_("Choose a year"))  # type: ignore[attr-defined]
        self.fields["uploads"].help_text = _file_help()
        _size_attrs(self.fields["uploads"])


class FileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput())
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
        _size_attrs(self.fields["file"])


class WithdrawForm(ApiCheckedForm):
    serializer_class = api.WithdrawIn

    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal (shown publicly)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Contracts and agenda events: checked by the API's input serializers ----------------------------

ISO_DATE = "%Y-%m-%d"
LOCAL_MOMENT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
SPACES = re.compile(r"[\s\u00a0\u202f]")  # in amounts written "45 000 000"


class ContractForm(ApiCheckedForm):
    """An awarded contract (create, and edit without ``publish``)."""

    serializer_class = api.ContractIn

    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=80,
        help_text=gettext_lazy("As in the award notice, e.g. AOO/2025/012. Unique in the commune."),
    )
    title = forms.CharField(
        label=gettext_lazy("Object of the contract"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    awardee = forms.CharField(label=gettext_lazy("Awardee"), max_length=200)
    amount_xof = forms.CharField(
        label=gettext_lazy("Amount (CFA francs)"),
        max_length=24,
        help_text=gettext_lazy("A whole number, e.g. 45 000 000."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "data-amount": gettext_lazy("%(amount)s CFA francs"),
            }
        ),
    )
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), choices=())
    award_date = forms.DateField(
        label=gettext_lazy("Award date"),
        help_text=gettext_lazy("It cannot be in the future."),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ContractStatus.choices)
    fiscal_year = forms.ChoiceField(
        label=gettext_lazy("Fiscal year"),
        required=False,
        choices=(),
        help_text=gettext_lazy("By default, the year of the award date."),
    )
    publish = PublishButtonField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a procedure")),
            *ContractProcedure.choices,
        ]
        self.fields["fiscal_year"].choices = year_choices(_("Year of the award date"))  # type: ignore[attr-defined]
        if editing:
            del self.fields["publish"]

    def api_data(self) -> QueryDict:
        data = super().api_data()
        if "amount_xof" in data:
            data["amount_xof"] = SPACES.sub("", str(data["amount_xof"]))
        return data


class AgendaEventForm(ApiCheckedForm):
    """An event of the mayor's agenda (create, and edit without ``publish``)."""

    serializer_class = api.AgendaEventIn

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MOMENT),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("End"),
        required=False,
        help_text=gettext_lazy("By default, the start."),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-not-before": "id_starts_at"}, format=LOCAL_MOMENT
        ),
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    publish = PublishButtonField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["publish"]
