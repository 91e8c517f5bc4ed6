"""Forms of the consultations' staff pages: the consultation's fields, a question of the
questionnaire, a section of the draft, the phase buttons, the response, and the moderation of
comments.

They check only what a browser sends (a date and a time, the options' lines); the services
(``consultations.services``) judge the rest, and ``ServiceForm.submit`` puts their refusals next to
the field they name. The services name nested fields (``questions.2.options.1.cost_xof``):
``service_fields`` turns the ones of the question or section being written into this form's fields
(an option's error goes to the options' textarea, with its line number)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.models import (
    MAX_COMMENT_CHARS,
    MAX_HELP_CHARS,
    MAX_OPINION_CHARS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_PROMPT_CHARS,
    MAX_RESPONSE_CHARS,
    MAX_SECTION_BODY_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    QuestionKind,
)
from frontend.forms import apply_field_errors
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied

T = TypeVar("T")
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
MAX_REASON_CHARS = 300
# What may follow an amount in XOF on an option's line ("12 500 000 FCFA").
CURRENCY = re.compile(r"\s*(xof|fcfa|f\s*cfa|f)\.?\s*$", re.IGNORECASE)
# Thousands separators people type: spaces (plain, no-break, narrow no-break), dots and commas.
SEPARATORS = re.compile(r"[\s\u00a0\u202f.,]")


class ServiceForm(forms.Form):
    """A form whose input a consultations service judges (see the module's docstring)."""

    http_status = 400

    def service_field(self, name: str) -> tuple[str | None, str]:
        """This form's field for a service's field name, and a prefix for the message."""
        return (name if name in self.fields else None), ""

    def submit(self, write: Callable[[dict[str, Any]], T], *, within: str = "") -> T | None:
        """``write(cleaned_data)``, or None with its refusal next to the fields. ``within``: the
        service's prefix of this form's fields (``questions.2.``); other fields' errors go on top."""
        if not self.is_valid():
            return None
        try:
            return write(self.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
                raise
            self.apply_service_errors(exc, within=within)
            return None

    def apply_service_errors(self, exc: DomainError, *, within: str = "") -> None:
        fields = exc.details.get("fields") or {}
        if not fields:
            apply_field_errors(self, None, exc.message)
        for name, errors in fields.items():
            if within and not name.startswith(within):
                target, prefix = None, ""
            else:
                target, prefix = self.service_field(name.removeprefix(within))
            for text in errors:
                self.add_error(target, f"{prefix}{text}")
        self.http_status = exc.status


def _local_moment(day: Any, time: Any) -> str:
    """What the service parses: ``YYYY-MM-DDTHH:MM`` (local time), or "" when the date is missing."""
    if not day:
        return ""
    return f"{day}T{time}" if time else str(day)


class ConsultationForm(ServiceForm):
    """The consultation's own fields (``consultation_create`` / ``consultation_update``). Once it is
    open only the title, the summary and the closing date are offered (``open_only``)."""

    FIELD_MAP: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"opens_at": "opens_on", "closes_at": "closes_on"}
    )

    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE_CHARS)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        max_length=MAX_SUMMARY_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What citizens are asked, and what the commune will do with the answers."),
    )
    opens_on = forms.DateField(
        label=gettext_lazy("Opens on"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    opens_time = forms.TimeField(
        label=gettext_lazy("at (Benin time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format=ISO_TIME),
    )
    closes_on = forms.DateField(
        label=gettext_lazy("Closes on"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    closes_time = forms.TimeField(
        label=gettext_lazy("at (Benin time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format=ISO_TIME),
    )
    draft = forms.ChoiceField(
        label=gettext_lazy("The draft it is about"),
        required=False,
        choices=(),
        help_text=gettext_lazy(
            "A published document of the commune (the draft work plan, the draft budget...). The "
            "version published today is the one consulted on."
        ),
    )
    comments_enabled = forms.BooleanField(
        label=gettext_lazy("Citizens may comment on the draft's sections"), required=False
    )

    def __init__(self, *args: Any, documents: list[Any], open_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("No document"))]
        choices += [(str(d.pk), document_label(d)) for d in documents]
        self.fields["draft"].choices = choices  # type: ignore[attr-defined]
        self.open_only = open_only
        if open_only:
            for name in ("opens_on", "opens_time", "draft", "comments_enabled"):
                del self.fields[name]

    def service_field(self, name: str) -> tuple[str | None, str]:
        name = self.FIELD_MAP.get(name, name)
        return (name if name in self.fields else None), ""

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            "title": data["title"],
            "summary": data["summary"],
            "closes_at": _local_moment(data["closes_on"], data["closes_time"]),
        }
        if not self.open_only:
            out["opens_at"] = _local_moment(data["opens_on"], data["opens_time"])
            out["draft"] = data["draft"] or None
            out["comments_enabled"] = data["comments_enabled"]
        return out


def document_label(document: Any) -> str:
    return f"{document.title} · {document.get_type_display()} {document.fiscal_year}"


KIND_HELP = gettext_lazy(
    "Single choice: one option. Multiple choice: several (at most the number below, if any). Ranking: "
    "the options in order of priority. Envelope: the projects to fund, each with its cost, within the "
    "envelope. Short free text: no options."
)
OPTIONS_HELP = gettext_lazy(
    "One option per line. For a choice or a ranking: “Label” or “Label | description”. For an "
    "envelope: “Label | cost in XOF”, e.g. “Forage à Zinvié | 12500000” (a description may follow: "
    "“Label | cost | description”)."
)
OPTION_LINE = re.compile(r"^options\.(\d+)\.(label|description|cost_xof)$")


class QuestionForm(ServiceForm):
    """A question of the questionnaire, added or edited. The options are lines of text, parsed
    here into the service's list; the service then judges them (their number, their labels...)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of question"), choices=QuestionKind.choices, help_text=KIND_HELP
    )
    prompt = forms.CharField(label=gettext_lazy("Question"), max_length=MAX_PROMPT_CHARS)
    help_text = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=MAX_HELP_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=gettext_lazy("An answer is required"), required=False)
    max_choices = forms.CharField(
        label=gettext_lazy("At most (choices)"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input-number"}),
        help_text=gettext_lazy("Multiple choice and ranking only. Empty: no limit."),
    )
    envelope_xof = forms.CharField(
        label=gettext_lazy("Envelope (XOF)"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("Envelope allocation only: the amount to share out, e.g. 50 000 000."),
    )
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        help_text=OPTIONS_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The line of the textarea each parsed option came from (blank lines are skipped).
        self.option_lines: list[int] = []

    def clean_envelope_xof(self) -> Any:
        """As people write it ("50 000 000 FCFA"); what cannot be read goes to the service as typed,
        which refuses it next to the field."""
        text: str = self.cleaned_data.get("envelope_xof", "").strip()
        if not text:
            return ""
        amount = parse_xof(text)
        return amount if amount is not None else text

    def clean_options(self) -> list[dict[str, Any]]:
        text: str = self.cleaned_data.get("options", "")
        envelope = self.cleaned_data.get("kind") == QuestionKind.ENVELOPE
        options: list[dict[str, Any]] = []
        problems: list[str] = []
        self.option_lines = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            option, problem = parse_option_line(line, number=number, envelope=envelope)
            if problem:
                problems.append(problem)
                continue
            options.append(option)
            self.option_lines.append(number)
        if len(options) > MAX_OPTIONS:
            problems.append(_("At most %(max)d options.") % {"max": MAX_OPTIONS})
        if problems:
            raise forms.ValidationError(problems)
        return options

    def service_field(self, name: str) -> tuple[str | None, str]:
        line = OPTION_LINE.match(name)
        if line:
            index = int(line.group(1))
            number = self.option_lines[index] if index < len(self.option_lines) else index + 1
            return "options", _("Line %(line)d: ") % {"line": number}
        return (name if name in self.fields else None), ""

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "prompt": data["prompt"],
            "help_text": data["help_text"],
            "required": data["required"],
            "max_choices": data["max_choices"] or None,
            "envelope_xof": data["envelope_xof"] or None,
            "options": data["options"],
        }


def parse_option_line(line: str, *, number: int, envelope: bool) -> tuple[dict[str, Any], str]:
    """One line of the options' textarea: the option, or the reason it cannot be read."""
    parts = [part.strip() for part in line.split("|")]
    label = parts[0]
    if not label:
        return {}, _("Line %(line)d: write the option's label before the “|”.") % {"line": number}
    if len(label) > MAX_OPTION_CHARS:
        return {}, _("Line %(line)d: at most %(max)d characters for a label.") % {
            "line": number,
            "max": MAX_OPTION_CHARS,
        }
    if not envelope:
        if len(parts) > 2:
            return {}, _("Line %(line)d: one “|” at most (“Label | description”).") % {"line": number}
        return {"label": label, "description": parts[1] if len(parts) > 1 else "", "cost_xof": None}, ""
    if len(parts) < 2 or not parts[1]:
        return {}, _(
            "Line %(line)d (“%(label)s”): give the project's cost after a “|”, e.g. “%(label)s | 12500000”."
        ) % {"line": number, "label": label}
    if len(parts) > 3:
        return {}, _("Line %(line)d: two “|” at most (“Label | cost | description”).") % {"line": number}
    cost = parse_xof(parts[1])
    if cost is None:
        return {}, _("Line %(line)d (“%(label)s”): the cost “%(cost)s” is not a whole amount in XOF.") % {
            "line": number,
            "label": label,
            "cost": parts[1],
        }
    return {"label": label, "description": parts[2] if len(parts) > 2 else "", "cost_xof": cost}, ""


def parse_xof(text: str) -> int | None:
    """An amount in XOF as people write it ("12500000", "12 500 000", "12.500.000 FCFA"), or None."""
    digits = SEPARATORS.sub("", CURRENCY.sub("", text))
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 15:
        return None
    return int(digits)


def options_text(question: Any) -> str:
    """The options of a question as the textarea shows them (the inverse of ``parse_option_line``)."""
    lines = []
    for option in question.options.all():
        parts = [option.label]
        if question.kind == QuestionKind.ENVELOPE:
            parts.append(str(option.cost_xof or ""))
        if option.description:
            parts.append(option.description)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class SectionForm(ServiceForm):
    """A section of the draft citizens comment on."""

    heading = forms.CharField(
        label=gettext_lazy("Heading"),
        max_length=MAX_TITLE_CHARS,
        help_text=gettext_lazy("e.g. Axe 2 : eau et assainissement"),
    )
    body = forms.CharField(
        label=gettext_lazy("Text of the section"),
        required=False,
        max_length=MAX_SECTION_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


PHASE_TARGETS = ("announced", "open", "closed")


class PhaseForm(ServiceForm):
    """Announce, open or close now (``consultation_set_phase``); closing asks for a confirmation."""

    target = forms.ChoiceField(choices=[(t, t) for t in PHASE_TARGETS])
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm: close the consultation now (no more answers or comments)"),
        required=False,
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("target") == "closed" and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm the closing."))
        return data


class RespondForm(ServiceForm):
    """The commune's response (``consultation_respond``)."""

    response_text = forms.CharField(
        label=gettext_lazy("The commune's response: what we heard, what we will do"),
        max_length=MAX_RESPONSE_CHARS,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    adopted_document = forms.ChoiceField(
        label=gettext_lazy("The adopted document"),
        required=False,
        choices=(),
        help_text=gettext_lazy("The document adopted after the consultation, once published."),
    )

    def __init__(self, *args: Any, documents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("Not adopted yet"))]
        choices += [(str(d.pk), document_label(d)) for d in documents]
        self.fields["adopted_document"].choices = choices  # type: ignore[attr-defined]


class OpinionForm(ServiceForm):
    """The citizen council's opinion on the consultation (``opinion_record``: recording again
    replaces it)."""

    text = forms.CharField(
        label=gettext_lazy("The citizen council's opinion"),
        max_length=MAX_OPINION_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Shown beside the results, with the meeting that adopted it."),
    )
    meeting = forms.ChoiceField(label=gettext_lazy("Adopted at the meeting of"), required=False, choices=())

    def __init__(self, *args: Any, meetings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("No meeting named"))]
        choices += [(str(m.pk), date_format(m.held_on, "j F Y")) for m in meetings]
        self.fields["meeting"].choices = choices  # type: ignore[attr-defined]


class HideForm(ServiceForm):
    reason = forms.CharField(label=gettext_lazy("Reason for hiding"), max_length=MAX_REASON_CHARS)


class ReplyForm(ServiceForm):
    body = forms.CharField(
        label=gettext_lazy("Reply of the commune"),
        max_length=MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
