"""Input serializers of the practices API: they validate the shape; the services decide the rest (an
unknown theme, a document of another commune, a phone number that is not from Benin...). The staff
pages check their forms with these same serializers (``frontend.forms.ApiCheckedForm``), so a page
and the API refuse the same input in the same words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from hub.api.validation import ID_MAX
from practices.models import (
    MAX_ACTIONS_CHARS,
    MAX_CONTACT_CHARS,
    MAX_DOCUMENTS,
    MAX_PROBLEM_CHARS,
    MAX_RESULTS_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_THEMES,
    MAX_TITLE_CHARS,
)
from practices.services.questions import BODY_MAX_CHARS, TITLE_MAX_CHARS
from practices.services.sheets import MAX_REASON_CHARS


class PracticeSheetQueryIn(serializers.Serializer):
    theme = serializers.SlugField(required=False, default="", max_length=60, help_text="A theme's slug.")
    commune = serializers.SlugField(required=False, default="", max_length=80, help_text="A commune's slug.")
    q = serializers.CharField(
        required=False,
        default="",
        max_length=100,
        allow_blank=True,
        help_text="Words that must all appear (title, texts, commune; accents and case ignored).",
    )


def _themes(**kwargs: object) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.SlugField(max_length=60),
        max_length=MAX_THEMES,
        error_messages={"max_length": gettext_lazy("Choose {max_length} themes at most.")},
        help_text=f"1 to {MAX_THEMES} theme slugs (GET /practices/themes/).",
        **kwargs,  # type: ignore[arg-type]
    )


def _documents(**kwargs: object) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=MAX_DOCUMENTS,
        help_text=f"Up to {MAX_DOCUMENTS} published documents of the sheet's commune, by id.",
        **kwargs,  # type: ignore[arg-type]
    )


class PracticeSheetFieldsIn(serializers.Serializer):
    """Everything a sheet says (a new sheet, or the staff page's edit form: every field sent)."""

    title = serializers.CharField(max_length=MAX_TITLE_CHARS)
    summary = serializers.CharField(max_length=MAX_SUMMARY_CHARS, help_text="What the library's lists show.")
    problem = serializers.CharField(max_length=MAX_PROBLEM_CHARS, help_text="The problem the commune faced.")
    actions = serializers.CharField(max_length=MAX_ACTIONS_CHARS, help_text="What the commune did.")
    results = serializers.CharField(max_length=MAX_RESULTS_CHARS, help_text="What came of it.")
    themes = _themes()
    documents = _documents(required=False, default=list)
    contact_name = serializers.CharField(max_length=MAX_CONTACT_CHARS)
    contact_role = serializers.CharField(
        max_length=MAX_CONTACT_CHARS, required=False, allow_blank=True, default="", help_text="Their office."
    )
    contact_email = serializers.CharField(
        max_length=254, required=False, allow_blank=True, default="", help_text="An e-mail or a phone."
    )
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="A Benin number."
    )


class PracticeSheetIn(PracticeSheetFieldsIn):
    """``POST /practices/``: a new sheet of the commune, as a draft."""

    commune = serializers.SlugField(max_length=80)


class PracticeSheetPatchIn(serializers.Serializer):
    """``PATCH /practices/<id>/``: the fields given change."""

    title = serializers.CharField(max_length=MAX_TITLE_CHARS, required=False)
    summary = serializers.CharField(max_length=MAX_SUMMARY_CHARS, required=False)
    problem = serializers.CharField(max_length=MAX_PROBLEM_CHARS, required=False)
    actions = serializers.CharField(max_length=MAX_ACTIONS_CHARS, required=False)
    results = serializers.CharField(max_length=MAX_RESULTS_CHARS, required=False)
    themes = _themes(required=False)
    documents = _documents(required=False)
    contact_name = serializers.CharField(max_length=MAX_CONTACT_CHARS, required=False)
    contact_role = serializers.CharField(max_length=MAX_CONTACT_CHARS, required=False, allow_blank=True)
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class PracticeWithdrawIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_REASON_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="For the commune's journal (not shown to the public).",
    )


class PracticeQuestionIn(serializers.Serializer):
    title = serializers.CharField(
        max_length=TITLE_MAX_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="The discussion's title (5 to 160 characters); the question's first line without it.",
    )
    body = serializers.CharField(
        max_length=BODY_MAX_CHARS, help_text="The question (Markdown, as in the forum)."
    )
