"""The facilitators' pages: recording a workshop held on the ground, and the list of the workshops
recorded for a consultation.

Server-rendered and usable without JavaScript. The form only renders and keeps what was typed; the
service (``consultations.services.workshops.workshop_record``) checks everything at once and its
refusals go next to their fields (a question's next to its fieldset), with a summary at the top
linking to each. The group's answers are one number input per option, named ``option_<id>``;
an empty input is no answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from consultations import selectors_workshops as selectors
from consultations.models import (
    CHOICE_KINDS,
    MAX_PARTICIPANTS,
    MAX_WORKSHOP_SUMMARY_CHARS,
    Consultation,
    Language,
    Option,
    Organisation,
    Question,
    QuestionKind,
)
from consultations.money import format_xof
from consultations.permissions import can_facilitate, can_manage, facilitator_row
from consultations.services import workshops as services
from frontend.council.staff.common import upload_limited
from frontend.refusals import domain_error_pages, sign_in_first
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Arrondissement
from hub.selectors import signed_in

COUNT_ATTRS = {"min": "0", "max": str(MAX_PARTICIPANTS), "inputmode": "numeric", "class": "input-number"}


def forbidden(request: HttpRequest, consultation: Consultation | None = None) -> HttpResponse:
    context = {"consultation": consultation, "commune": consultation.commune if consultation else None}
    return render(request, "frontend/consultations/workshop_forbidden.html", context, status=403)


handles_domain_errors = domain_error_pages(forbidden)


def _count_field(label: Any, *, help_text: Any = "", minimum: int = 0) -> forms.CharField:
    attrs = {**COUNT_ATTRS, "min": str(minimum)}
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs=attrs)
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class WorkshopForm(forms.Form):
    """The fixed fields of a workshop. Lenient on purpose (every field optional, no lengths): the
    service judges, and reports every field in error at once."""

    held_on = forms.CharField(
        label=gettext_lazy("Date of the workshop"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    arrondissement = forms.CharField(label=gettext_lazy("Arrondissement"), required=False)
    village = forms.CharField(
        label=gettext_lazy("Village or quarter"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": str(services.MAX_VILLAGE_CHARS)}),
    )
    organisation = forms.CharField(label=gettext_lazy("Organisation"), required=False)
    language = forms.CharField(label=gettext_lazy("Language used"), required=False)
    participants = _count_field(gettext_lazy("Participants"), minimum=1)
    women = _count_field(gettext_lazy("Women"))
    men = _count_field(
        gettext_lazy("Men"), help_text=gettext_lazy("Women and men add up to the participants.")
    )
    age_under_18 = _count_field(gettext_lazy("Under 18"))
    age_18_34 = _count_field(gettext_lazy("18 to 34"))
    age_35_59 = _count_field(gettext_lazy("35 to 59"))
    age_60_plus = _count_field(gettext_lazy("60 and over"))
    with_disability = _count_field(
        gettext_lazy("With a disability"),
        help_text=gettext_lazy("How many participants live with a disability."),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary of the discussions"),
        required=False,
        help_text=gettext_lazy("What the group said, its priorities, its disagreements."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": str(MAX_WORKSHOP_SUMMARY_CHARS)}),
    )
    photos = forms.FileField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy("Up to 6 photos (PNG, JPEG or WebP)."),
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def __init__(
        self,
        *args: Any,
        arrondissements: list[Arrondissement],
        organisations: list[Organisation] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.use_required_attribute = False
        self.fields["arrondissement"].widget = forms.Select(
            choices=[("", _("Choose an arrondissement"))] + [(str(a.pk), a.name) for a in arrondissements]
        )
        self.fields["language"].widget = forms.Select(
            choices=[("", _("Choose a language")), *Language.choices]
        )
        if organisations is None:  # forced: the facilitator's own organisation
            del self.fields["organisation"]
        else:
            self.fields["organisation"].widget = forms.Select(
                choices=[("", _("None: the commune itself"))] + [(str(o.pk), o.name) for o in organisations]
            )


@dataclass
class QuestionBlock:
    """A question's fieldset: its inputs (one per option) and its errors."""

    question: Question
    inputs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.inputs[0]["id"] if self.inputs else f"question-{self.question.pk}"

    @property
    def hint(self) -> str:
        kind = self.question.kind
        if kind == QuestionKind.SINGLE:
            return _("How many participants chose each answer (one answer each).")
        if kind == QuestionKind.MULTIPLE:
            return _("How many participants chose each answer (several answers each).")
        if kind == QuestionKind.RANKING:
            return _(
                "The group's ranking: 1 for its first priority, 2 for the next… "
                "Leave empty what it did not rank."
            )
        return _("The amount the group gave each item, in XOF. Envelope: %(envelope)s.") % {
            "envelope": format_xof(self.question.envelope_xof or 0)
        }


def _option_label(question: Question, option: Option) -> str:
    if question.kind == QuestionKind.RANKING:
        return _("%(label)s: rank (1 = first)") % {"label": option.label}
    if question.kind == QuestionKind.ENVELOPE:
        return _("%(label)s: amount in XOF") % {"label": option.label}
    return option.label


def _question_blocks(consultation: Consultation, data: Any = None) -> list[QuestionBlock]:
    questions = (
        Question.objects.filter(consultation=consultation, kind__in=CHOICE_KINDS)
        .prefetch_related("options")
        .order_by("position", "id")
    )
    blocks = []
    for question in questions:
        block = QuestionBlock(question)
        for option in question.options.all():
            name = f"option_{option.pk}"
            block.inputs.append(
                {
                    "id": f"id_{name}",
                    "name": name,
                    "label": _option_label(question, option),
                    "value": (data.get(name, "") if data is not None else ""),
                    "max": question.envelope_xof if question.kind == QuestionKind.ENVELOPE else None,
                }
            )
        blocks.append(block)
    return blocks


def answers_from_form(blocks: list[QuestionBlock], data: Any) -> list[dict[str, Any]]:
    """The form's inputs as the service's answers: the filled ones only."""
    answers = []
    for block in blocks:
        key = services.VALUE_KEYS[QuestionKind(block.question.kind)]
        for item in block.inputs:
            value = (data.get(item["name"]) or "").strip()
            if value:
                answers.append({"question": block.question.pk, "option": int(item["name"][7:]), key: value})
    return answers


def _consultation(request: HttpRequest, slug: str, pk: int) -> Consultation | HttpResponse:
    """The consultation if the user records workshops in its commune; otherwise the page to answer."""
    consultation = selectors.consultation_get(pk, request.user)
    if consultation.commune.slug != slug:
        raise NotFound()
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_facilitate(request.user, consultation.commune):
        return forbidden(request, consultation)
    return consultation


def _organisations(request: HttpRequest, consultation: Consultation) -> tuple[list[Organisation] | None, Any]:
    """The organisations to choose from (None: forced) and the forced one."""
    row = facilitator_row(request.user, consultation.commune)
    if (
        row is not None
        and row.organisation is not None
        and not can_manage(request.user, consultation.commune)
    ):
        return None, row.organisation
    organisations = list(
        Organisation.objects.filter(commune=consultation.commune, withdrawn_at__isnull=True).order_by("name")
    )
    return organisations, None


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def workshop_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = _consultation(request, slug, pk)
    if isinstance(found, HttpResponse):
        return found
    consultation = found
    arrondissements = list(Arrondissement.objects.filter(commune=consultation.commune))
    organisations, forced = _organisations(request, consultation)
    status = 200
    summary: list[tuple[str, str]] = []
    if request.method == "POST":
        form = WorkshopForm(request.POST, arrondissements=arrondissements, organisations=organisations)
        form.full_clean()
        blocks = _question_blocks(consultation, request.POST)
        data: dict[str, Any] = {name: request.POST.get(name, "") for name in form.fields if name != "photos"}
        data["answers"] = answers_from_form(blocks, request.POST)
        try:
            workshop = services.workshop_record(
                actor=signed_in(request.user),
                consultation=consultation,
                data=data,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
                raise
            status = exc.status
            summary = _apply_errors(form, blocks, exc)
        else:
            messages.success(
                request,
                _("The workshop of %(date)s (%(count)d participants) is recorded.")
                % {"date": date_format(workshop.held_on, "j F Y"), "count": workshop.participants},
            )
            return redirect("frontend:consultation-workshops", slug=slug, pk=consultation.pk)
    else:
        form = WorkshopForm(arrondissements=arrondissements, organisations=organisations)
        blocks = _question_blocks(consultation)
    context = {
        "consultation": consultation,
        "commune": consultation.commune,
        "form": form,
        "blocks": blocks,
        "forced_organisation": forced,
        "summary": summary,
        "is_open": consultation.is_open,
    }
    return render(request, "frontend/consultations/workshop_form.html", context, status=status)


def _apply_errors(form: WorkshopForm, blocks: list[QuestionBlock], exc: DomainError) -> list[tuple[str, str]]:
    """Put the service's refusals next to their fields; the summary's links and messages."""
    fields: dict[str, list[str]] = exc.details.get("fields") or {}
    by_question = {services.question_field(block.question.pk): block for block in blocks}
    summary: list[tuple[str, str]] = []
    if not fields:
        form.add_error(None, exc.message)
        return [("", exc.message)]
    for name, errors in fields.items():
        for text in errors:
            if name in by_question:
                block = by_question[name]
                block.errors.append(text)
                summary.append((f"#{block.anchor}", f"{block.question.prompt}: {text}"))
            elif name in form.fields:
                form.add_error(name, text)
                summary.append((f"#{form[name].id_for_label}", f"{form[name].label}: {text}"))
            else:
                form.add_error(None, text)
                summary.append(("", text))
    return summary


@require_safe
@handles_domain_errors
def workshop_list(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = selectors.consultation_get(pk, request.user)
    if consultation.commune.slug != slug:
        raise NotFound()
    if not selectors.can_see_workshops(request.user, consultation):
        if not request.user.is_authenticated:
            return sign_in_first(request)
        return forbidden(request, consultation)
    rows = list(selectors.workshops(consultation))
    context = {
        "consultation": consultation,
        "commune": consultation.commune,
        "workshops": rows,
        "total": sum(row.participants for row in rows),
        "can_record": consultation.is_open and can_facilitate(request.user, consultation.commune),
        "new_url": reverse("frontend:consultation-workshop-new", args=[slug, consultation.pk]),
    }
    return render(request, "frontend/consultations/workshop_list.html", context)
