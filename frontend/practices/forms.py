"""Forms of the practice pages, checked by the practices API's input serializers
(``ApiCheckedForm``): a page and the API accept the same input and refuse it in the same words; the
services then decide (an unknown theme, a document of another commune, a phone number...)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.forms import ApiCheckedForm
from practices.api import serializers as api
from practices.models import (
    MAX_ACTIONS_CHARS,
    MAX_CONTACT_CHARS,
    MAX_DOCUMENTS,
    MAX_PROBLEM_CHARS,
    MAX_RESULTS_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_THEMES,
    MAX_TITLE_CHARS,
    PracticeSheet,
    Theme,
)
from practices.services.questions import BODY_MAX_CHARS, TITLE_MAX_CHARS
from practices.services.sheets import MAX_REASON_CHARS
from publications.models import Document


def _text(label: Any, limit: int, rows: int, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class SheetForm(ApiCheckedForm):
    """A sheet's every field: a new sheet (``POST /api/v1/practices/``) or the edit form (every field
    sent: an emptied box is refused, not skipped)."""

    serializer_class = api.PracticeSheetFieldsIn

    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE_CHARS)
    summary = _text(
        gettext_lazy("Summary"),
        MAX_SUMMARY_CHARS,
        3,
        gettext_lazy("Two or three sentences: what the library's lists show."),
    )
    themes = forms.MultipleChoiceField(
        label=gettext_lazy("Themes"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    problem = _text(
        gettext_lazy("The problem"),
        MAX_PROBLEM_CHARS,
        5,
        gettext_lazy("What the commune faced, with figures."),
    )
    actions = _text(
        gettext_lazy("What the commune did"),
        MAX_ACTIONS_CHARS,
        8,
        gettext_lazy("The steps, who took part, what it cost, how long it took."),
    )
    results = _text(
        gettext_lazy("Results"),
        MAX_RESULTS_CHARS,
        5,
        gettext_lazy("What changed, with figures if you have them."),
    )
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Published documents"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact name"), max_length=MAX_CONTACT_CHARS)
    contact_role = forms.CharField(
        label=gettext_lazy("Contact's office"),
        required=False,
        max_length=MAX_CONTACT_CHARS,
        help_text=gettext_lazy("For example: head of the revenue department."),
    )
    contact_email = forms.CharField(
        label=gettext_lazy("Contact e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("Benin number, e.g. +229 01 97 00 00 00."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, themes: list[Theme], documents: list[Document], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(theme.slug, theme.name) for theme in themes]  # type: ignore[attr-defined]
        self.fields["themes"].help_text = _("One to %(max)d themes.") % {"max": MAX_THEMES}
        self.fields["documents"].choices = [  # type: ignore[attr-defined]
            (str(d.pk), f"{d.title} ({d.fiscal_year})") for d in documents
        ]
        self.fields["documents"].help_text = _(
            "Up to %(max)d published documents of the commune: a deliberation, a report, a budget…"
        ) % {"max": MAX_DOCUMENTS}


def sheet_initial(sheet: PracticeSheet) -> dict[str, Any]:
    return {
        "title": sheet.title,
        "summary": sheet.summary,
        "themes": [theme.slug for theme in sheet.themes.all()],
        "problem": sheet.problem,
        "actions": sheet.actions,
        "results": sheet.results,
        "documents": [str(pk) for pk in sheet.documents.values_list("pk", flat=True)],
        "contact_name": sheet.contact_name,
        "contact_role": sheet.contact_role,
        "contact_email": sheet.contact_email,
        "contact_phone": sheet.contact_phone,
    }


class WithdrawForm(ApiCheckedForm):
    serializer_class = api.PracticeWithdrawIn

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=MAX_REASON_CHARS,
        help_text=gettext_lazy("For the commune's journal; the public only sees that the sheet is gone."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QuestionForm(ApiCheckedForm):
    """A question to the sheet's commune (``POST /api/v1/practices/<id>/questions/``)."""

    serializer_class = api.PracticeQuestionIn

    title = forms.CharField(
        label=gettext_lazy("Subject"),
        required=False,
        max_length=TITLE_MAX_CHARS,
        help_text=gettext_lazy("In a few words; without it, the first line of your question."),
    )
    body = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "It opens a discussion in the commune's forum, where its staff answer. You will be told of "
            "the answer. Your name and your question will be public."
        ),
    )
