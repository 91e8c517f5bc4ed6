"""The facilitators' pages: recording a workshop held on the ground, correcting it afterwards, and the
list of the workshops recorded for a consultation.

Server-rendered and usable without JavaScript. Recording and correcting share one form and one
template: the form only renders and keeps what was typed; the services
(``consultations.services.workshops``: ``workshop_record``, ``workshop_update``) check everything at
once and their refusals go next to their fields (a question's next to its fieldset), with a summary at
the top linking to each. The group's answers are one number input per option, named ``option_<id>``;
an empty input is no answer (a correction sends them all again: they replace the stored ones).

On the correction page the photos are separate small forms (delete one, add some): a photo is stored
or deleted on its own, so a refused photo never loses a correction of the counts, and pressing Enter
in the main form never submits a "delete" button. Each form says what it does in a hidden ``action``.
"""

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
from django.utils.translation import gettext_lazy, ngettext
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
    Workshop,
    WorkshopAnswer,
    WorkshopPhoto,
)
from consultations.money import format_xof
from consultations.permissions import can_facilitate, can_manage, facilitator_row
from consultations.services import workshops as services
from consultations.services.workshops import (
    MAX_PHOTOS,
    require_editor,
    workshop_photo_add,
    workshop_photo_delete,
    workshop_update,
)
from frontend.council.staff.common import upload_limited
from frontend.refusals import domain_error_pages, sign_in_first
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Arrondissement
from hub.selectors import signed_in

COUNT_ATTRS = {"min": "0", "max": str(MAX_PARTICIPANTS), "inputmode": "numeric", "class": "input-number"}
PHOTO_ACCEPT = "image/png,image/jpeg,image/webp"


def forbidden(
    request: HttpRequest, consultation: Consultation | None = None, *, editing: bool = False
) -> HttpResponse:
    context = {
        "consultation": consultation,
        "commune": consultation.commune if consultation else None,
        "editing": editing,
    }
    return render(request, "frontend/consultations/workshop_forbidden.html", context, status=403)


handles_domain_errors = domain_error_pages(forbidden)


def _count_field(label: Any, *, help_text: Any = "", minimum: int = 0) -> forms.CharField:
    attrs = {**COUNT_ATTRS, "min": str(minimum)}
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs=attrs)
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _photos_field(help_text: Any) -> forms.FileField:
    return forms.FileField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=help_text,
        widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )


class WorkshopForm(forms.Form):
    """The fixed fields of a workshop. Lenient on purpose (every field optional, no lengths): the
    service judges, and reports every field in error at once. Without ``with_photos`` (correcting a
    workshop) the photos are not part of it: they have their own forms."""

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
    photos = _photos_field(gettext_lazy("Up to 6 photos (PNG, JPEG or WebP)."))

    def __init__(
        self,
        *args: Any,
        arrondissements: list[Arrondissement],
        organisations: list[Organisation] | None,
        with_photos: bool = True,
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
                choices=[("", _("None: the commune itself"))]
                + [(str(o.pk), _organisation_label(o)) for o in organisations]
            )
        if not with_photos:
            del self.fields["photos"]


def _organisation_label(organisation: Organisation) -> str:
    if organisation.withdrawn_at is not None:
        return _("%(name)s (accreditation withdrawn)") % {"name": organisation.name}
    return organisation.name


class PhotosForm(forms.Form):
    """Adding photos to a recorded workshop (the correction page)."""

    photos = _photos_field("")

    def __init__(self, *args: Any, room: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.use_required_attribute = False
        self.fields["photos"].help_text = ngettext(
            "You may add %(count)d more photo (PNG, JPEG or WebP).",
            "You may add %(count)d more photos (PNG, JPEG or WebP).",
            room,
        ) % {"count": room}


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
    """One block per choice question; ``data`` (the form sent, or a workshop's answers as
    ``option_<id>`` → value) fills the inputs."""
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


def _answer_inputs(answers: list[WorkshopAnswer]) -> dict[str, str]:
    """A workshop's stored answers as the form's inputs (``option_<id>`` → value)."""
    values = {}
    for answer in answers:
        value = next(v for v in (answer.count, answer.rank, answer.amount_xof, "") if v is not None)
        values[f"option_{answer.option_id}"] = str(value)
    return values


def _initial(workshop: Workshop) -> dict[str, str]:
    """A workshop as the form's initial values."""
    counts = {name: str(getattr(workshop, name)) for name in services.COUNT_FIELDS}
    return {
        "held_on": workshop.held_on.isoformat(),
        "arrondissement": str(workshop.arrondissement_id),
        "village": workshop.village,
        "organisation": str(workshop.organisation_id or ""),
        "language": workshop.language,
        "summary": workshop.summary,
        **counts,
    }


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


def _organisations(
    request: HttpRequest, consultation: Consultation, current: Organisation | None = None
) -> tuple[list[Organisation] | None, Any]:
    """The organisations to choose from (None: forced) and the forced one. ``current`` (a recorded
    workshop's) stays a choice even if its accreditation was withdrawn since."""
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
    if current is not None and current not in organisations:
        organisations.append(current)
    return organisations, None


def _render_form(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "frontend/consultations/workshop_form.html", context, status=status)


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
        "action_url": reverse("frontend:consultation-workshop-new", args=[slug, consultation.pk]),
    }
    return _render_form(request, context, status)


def _apply_errors(form: forms.Form, blocks: list[QuestionBlock], exc: DomainError) -> list[tuple[str, str]]:
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


# --- Correcting a recorded workshop ----------------------------------------------------------------


def _workshop(
    request: HttpRequest, slug: str, pk: int, workshop_id: int
) -> tuple[Consultation, Workshop] | HttpResponse:
    """The workshop if the user may change it (its recorder, or the commune's staff); otherwise the
    page to answer: not found (another consultation, another commune's address), sign in, 403."""
    consultation = selectors.consultation_get(pk, request.user)
    if consultation.commune.slug != slug:
        raise NotFound()
    if not request.user.is_authenticated:
        return sign_in_first(request)
    # Looked for among this consultation's workshops only: another's is not found, whoever asks.
    workshop = selectors.workshops(consultation).filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound()
    try:
        require_editor(request.user, workshop)
    except PermissionDenied:
        return forbidden(request, consultation, editing=True)
    return consultation, workshop


@upload_limited
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def workshop_edit(request: HttpRequest, slug: str, pk: int, workshop_id: int) -> HttpResponse:
    found = _workshop(request, slug, pk, workshop_id)
    if isinstance(found, HttpResponse):
        return found
    consultation, workshop = found
    arrondissements = list(Arrondissement.objects.filter(commune=consultation.commune))
    organisations, forced = _organisations(request, consultation, workshop.organisation)
    photos = list(workshop.photos.all())
    status = 200
    summary: list[tuple[str, str]] = []
    form = WorkshopForm(
        initial=_initial(workshop),
        arrondissements=arrondissements,
        organisations=organisations,
        with_photos=False,
    )
    photos_form = PhotosForm(room=max(MAX_PHOTOS - len(photos), 0))
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    if not consultation.accepts_answers():
        status = 409
    elif action == "photo_delete":
        return _photo_delete(request, workshop, photos)
    elif action == "photo_add":
        photos_form = PhotosForm(request.POST, request.FILES, room=max(MAX_PHOTOS - len(photos), 0))
        photos_form.full_clean()
        added = _photo_add(request, workshop, photos_form)
        if isinstance(added, HttpResponse):
            return added
        status, summary = added
    elif action == "save":
        form = WorkshopForm(
            request.POST, arrondissements=arrondissements, organisations=organisations, with_photos=False
        )
        form.full_clean()
    if action == "save" and status == 200:
        blocks = _question_blocks(consultation, request.POST)
        saved = _save(request, workshop, form, blocks)
        if isinstance(saved, HttpResponse):
            return saved
        status, summary = saved
    else:
        blocks = _question_blocks(consultation, _answer_inputs(list(workshop.answers.all())))
    context = {
        "consultation": consultation,
        "commune": consultation.commune,
        "workshop": workshop,
        "form": form,
        "blocks": blocks,
        "forced_organisation": forced,
        "summary": summary,
        "is_open": consultation.accepts_answers(),
        "action_url": request.path,
        "photos": photos,
        "photos_form": photos_form,
        "max_photos": MAX_PHOTOS,
    }
    return _render_form(request, context, status)


def _save(
    request: HttpRequest, workshop: Workshop, form: WorkshopForm, blocks: list[QuestionBlock]
) -> HttpResponse | tuple[int, list[tuple[str, str]]]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in form.fields}
    if data.get("organisation") == str(workshop.organisation_id or ""):
        del data["organisation"]  # unchanged: kept as it is, even if its accreditation was withdrawn
    data["answers"] = answers_from_form(blocks, request.POST)
    try:
        updated = workshop_update(actor=signed_in(request.user), workshop=workshop, data=data)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
            raise
        return exc.status, _apply_errors(form, blocks, exc)
    messages.success(
        request,
        _("The workshop of %(date)s (%(count)d participants) is corrected.")
        % {"date": date_format(updated.held_on, "j F Y"), "count": updated.participants},
    )
    listing = reverse(
        "frontend:consultation-workshops", args=[workshop.commune.slug, workshop.consultation_id]
    )
    return redirect(f"{listing}#workshop-{updated.pk}")


def _photo_add(
    request: HttpRequest, workshop: Workshop, photos_form: PhotosForm
) -> HttpResponse | tuple[int, list[tuple[str, str]]]:
    try:
        added = workshop_photo_add(
            actor=signed_in(request.user), workshop=workshop, photos=request.FILES.getlist("photos")
        )
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
            raise
        if not exc.details.get("fields"):
            exc.details["fields"] = {"photos": [exc.message]}
        return exc.status, _apply_errors(photos_form, [], exc)
    messages.success(
        request,
        ngettext("%(count)d photo added.", "%(count)d photos added.", len(added)) % {"count": len(added)},
    )
    return redirect(f"{request.path}#photos")


def _photo_delete(request: HttpRequest, workshop: Workshop, photos: list[WorkshopPhoto]) -> HttpResponse:
    wanted = request.POST.get("photo", "")
    photo = next((p for p in photos if str(p.pk) == wanted), None)
    if photo is None:  # already deleted (sent twice), or not this workshop's
        messages.info(request, _("This photo is no longer attached to the workshop."))
        return redirect(f"{request.path}#photos")
    try:
        workshop_photo_delete(actor=signed_in(request.user), photo=photo)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
            raise
        messages.error(request, exc.message)  # closed meanwhile: the page says so
    else:
        messages.success(request, _("The photo is deleted."))
    return redirect(f"{request.path}#photos")


# --- The list -------------------------------------------------------------------------------------


def _editable(request: HttpRequest, consultation: Consultation, rows: list[Workshop]) -> set[int]:
    """The workshops the viewer may correct (the services' rule, ``require_editor``: the recorder
    while they still facilitate, or the commune's staff; only while answers are taken), in two
    checks for the whole list rather than two per workshop."""
    user = request.user
    if not rows or not user.is_authenticated or not consultation.accepts_answers():
        return set()
    if can_manage(user, consultation.commune):
        return {row.pk for row in rows}
    mine = {row.pk for row in rows if row.recorded_by_id == user.pk}
    if mine and can_facilitate(user, consultation.commune):
        return mine
    return set()


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
        "editable": _editable(request, consultation, rows),
    }
    return render(request, "frontend/consultations/workshop_list.html", context)
