"""Forms of the publication pages (shape only; services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.uploads import MAX_FILES_PER_REQUEST, upload_max_bytes
from publications.models import DocumentType

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
    "PDF, images (PNG, JPEG, WebP), ODT, ODS, DOCX, XLSX or CSV; at most %(size)s MB per file."
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
    publish = forms.BooleanField(
        label=gettext_lazy("Publish now (otherwise, a draft that only staff can see)"), required=False
    )

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


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal (shown publicly)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
