"""The forms of a consultation's staff page (``consultation-manage``), one handler per ``action``.

The questionnaire and the sections are built without JavaScript: each question or section has small
forms (edit, delete, move up or down), and each of them rebuilds the whole list from the database
plus the change and hands it to ``consultation_update``, which replaces the old list (only before the
consultation opens). The service names a refused field by its place in the list
(``questions.2.options.1.cost_xof``): the form of the question being written shows it next to its
own field (an option's, with the line of the textarea it came from).

A handler answers with a redirect (done, or a refusal that belongs to no form: a message), or None
when a form comes back with its errors (``PageForms`` then holds it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consultations import notify
from consultations.errors import ConsultationNotFound
from consultations.models import (
    CitizenCouncilMeeting,
    Comment,
    Consultation,
    CouncilOpinion,
    Phase,
    Question,
    Section,
)
from consultations.services import (
    comment_hide,
    comment_post,
    consultation_respond,
    consultation_set_phase,
    consultation_update,
)
from consultations.services.citizen_council import opinion_record
from frontend.consultations.staff.common import manage_url
from frontend.consultations.staff_forms import (
    ConsultationForm,
    HideForm,
    OpinionForm,
    PhaseForm,
    QuestionForm,
    ReplyForm,
    RespondForm,
    SectionForm,
    options_text,
)
from hub.cleaning import as_id
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.selectors import signed_in
from publications.models import Document

Handler = Callable[[HttpRequest, Consultation, "PageForms"], HttpResponse | None]


def fields_initial(consultation: Consultation) -> dict[str, Any]:
    opens = timezone.localtime(consultation.opens_at)
    closes = timezone.localtime(consultation.closes_at)
    return {
        "title": consultation.title,
        "summary": consultation.summary,
        "opens_on": opens.date(),
        "opens_time": opens.time().replace(second=0, microsecond=0),
        "closes_on": closes.date(),
        "closes_time": closes.time().replace(second=0, microsecond=0),
        "draft": str(consultation.draft_id or ""),
        "comments_enabled": consultation.comments_enabled,
    }


def opinion_initial(consultation: Consultation) -> dict[str, Any]:
    opinion = CouncilOpinion.objects.filter(consultation=consultation).first()
    if opinion is None:
        return {}
    return {"text": opinion.text, "meeting": str(opinion.meeting_id or "")}


def question_initial(question: Question) -> dict[str, Any]:
    return {
        "kind": question.kind,
        "prompt": question.prompt,
        "help_text": question.help_text,
        "required": question.required,
        "max_choices": question.max_choices or "",
        "envelope_xof": question.envelope_xof or "",
        "options": options_text(question),
    }


@dataclass
class PageForms:
    """Every form of the page: blank (or the item to edit, from ``?question=`` / ``?section=``),
    or the one just refused with its errors."""

    documents: list[Document]
    fields: ConsultationForm
    question: QuestionForm
    section: SectionForm
    phase: PhaseForm
    respond: RespondForm
    opinion: OpinionForm
    editing_question: Question | None = None
    editing_section: Section | None = None
    # The comment whose hide or reply form was refused, and that form.
    comment_pk: int | None = None
    hide: HideForm | None = None
    reply: ReplyForm | None = None
    status: int = 200
    # The citizen council's meetings (the opinion's form names one).
    meetings: list[CitizenCouncilMeeting] = field(default_factory=list)

    @classmethod
    def for_get(
        cls, request: HttpRequest, consultation: Consultation, documents: list[Document]
    ) -> PageForms:
        meetings = list(CitizenCouncilMeeting.objects.filter(commune_id=consultation.commune_id))
        page = cls(
            documents=documents,
            fields=ConsultationForm(
                documents=documents,
                open_only=consultation.phase == Phase.OPEN,
                initial=fields_initial(consultation),
                auto_id="id_c_%s",
            ),
            question=QuestionForm(auto_id="id_q_%s"),
            section=SectionForm(auto_id="id_s_%s"),
            phase=PhaseForm(auto_id="id_phase_%s"),
            respond=RespondForm(
                documents=documents,
                initial={
                    "response_text": consultation.response_text,
                    "adopted_document": str(consultation.adopted_document_id or ""),
                },
                auto_id="id_r_%s",
            ),
            opinion=OpinionForm(meetings=meetings, initial=opinion_initial(consultation), auto_id="id_o_%s"),
        )
        page.meetings = meetings
        question_pk = as_id(request.GET.get("question"))
        if question_pk:
            page.editing_question = (
                consultation.questions.prefetch_related("options").filter(pk=question_pk).first()
            )
            if page.editing_question is not None:
                page.question = QuestionForm(
                    initial=question_initial(page.editing_question), auto_id="id_q_%s"
                )
        section_pk = as_id(request.GET.get("section"))
        if section_pk:
            page.editing_section = consultation.sections.filter(pk=section_pk).first()
            if page.editing_section is not None:
                page.section = SectionForm(
                    initial={"heading": page.editing_section.heading, "body": page.editing_section.body},
                    auto_id="id_s_%s",
                )
        return page


def _refusal_text(exc: DomainError) -> str:
    """A refusal as one message (the summary and every field's reason)."""
    reasons = [text for errors in (exc.details.get("fields") or {}).values() for text in errors]
    return " ".join([exc.message, *reasons]) if reasons else exc.message


def _reraise_access(exc: DomainError) -> None:
    if isinstance(exc, NotFound | PermissionDenied | NotAuthenticated):
        raise exc


# --- The questionnaire and the sections ----------------------------------------------------------


def questions_data(consultation: Consultation) -> tuple[list[dict[str, Any]], list[int]]:
    """The questionnaire as the service takes it, and the questions' ids in the same order."""
    rows = list(consultation.questions.prefetch_related("options"))
    items = [
        {
            "kind": q.kind,
            "prompt": q.prompt,
            "help_text": q.help_text,
            "required": q.required,
            "max_choices": q.max_choices,
            "envelope_xof": q.envelope_xof,
            "options": [
                {"label": o.label, "description": o.description, "cost_xof": o.cost_xof}
                for o in q.options.all()
            ],
        }
        for q in rows
    ]
    return items, [q.pk for q in rows]


def sections_data(consultation: Consultation) -> tuple[list[dict[str, Any]], list[int]]:
    rows = list(consultation.sections.all())
    return [{"heading": s.heading, "body": s.body} for s in rows], [s.pk for s in rows]


# Each list the builder edits, and how to read it back as the service takes it.
LISTS: dict[str, Callable[[Consultation], tuple[list[dict[str, Any]], list[int]]]] = {
    "questions": questions_data,
    "sections": sections_data,
}


def _stale(request: HttpRequest, consultation: Consultation, anchor: str) -> HttpResponse:
    messages.error(
        request,
        _("This item was changed in the meantime (by you or a colleague). Here is the list as it is now."),
    )
    return redirect(manage_url(consultation, anchor))


def _replace(
    request: HttpRequest, consultation: Consultation, name: str, items: list[dict[str, Any]], done: str
) -> HttpResponse:
    """Send a whole new list (``questions`` or ``sections``); the outcome as a message."""
    try:
        consultation_update(signed_in(request.user), consultation, {name: items})
    except DomainError as exc:
        _reraise_access(exc)
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect(manage_url(consultation, f"#{name}"))


def _moved(items: list[Any], index: int, direction: str) -> list[Any] | None:
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other < len(items):
        return None
    moved = list(items)
    moved[index], moved[other] = moved[other], moved[index]
    return moved


def question_save(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    items, ids = questions_data(consultation)
    pk = as_id(request.POST.get("question"))
    if pk is not None and pk not in ids:
        return _stale(request, consultation, "#questions")
    index = ids.index(pk) if pk is not None else len(items)
    form = QuestionForm(request.POST, auto_id="id_q_%s")
    page.question = form
    page.editing_question = consultation.questions.filter(pk=pk).first() if pk else None
    actor = signed_in(request.user)

    def write(_data: dict[str, Any]) -> Consultation:
        changed = list(items)
        if pk is None:
            changed.append(form.service_data())
        else:
            changed[index] = form.service_data()
        return consultation_update(actor, consultation, {"questions": changed})

    if form.submit(write, within=f"questions.{index}.") is None:
        page.status = form.http_status
        return None
    if pk is None:
        messages.success(request, _("Question %(number)d is added.") % {"number": index + 1})
    else:
        messages.success(request, _("Question %(number)d is saved.") % {"number": index + 1})
    return redirect(manage_url(consultation, "#questions"))


def _list_delete(
    request: HttpRequest, consultation: Consultation, name: str, deleted: Callable[[int], str]
) -> HttpResponse:
    """Delete the item ``request.POST[<singular of name>]`` of the list ``name`` (``questions`` or
    ``sections``); ``deleted(number)`` is the message."""
    items, ids = LISTS[name](consultation)
    pk = as_id(request.POST.get(name[:-1]))
    if pk not in ids:
        return _stale(request, consultation, f"#{name}")
    index = ids.index(pk)
    return _replace(request, consultation, name, items[:index] + items[index + 1 :], deleted(index + 1))


def _list_move(request: HttpRequest, consultation: Consultation, name: str, done: str) -> HttpResponse:
    """Move that item one place up or down (``request.POST["direction"]``)."""
    items, ids = LISTS[name](consultation)
    pk = as_id(request.POST.get(name[:-1]))
    if pk not in ids:
        return _stale(request, consultation, f"#{name}")
    moved = _moved(items, ids.index(pk), request.POST.get("direction", ""))
    if moved is None:
        return _stale(request, consultation, f"#{name}")
    return _replace(request, consultation, name, moved, done)


def question_delete(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse:
    return _list_delete(
        request, consultation, "questions", lambda n: _("Question %(number)d is deleted.") % {"number": n}
    )


def question_move(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse:
    return _list_move(request, consultation, "questions", _("The question is moved."))


def section_save(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    items, ids = sections_data(consultation)
    pk = as_id(request.POST.get("section"))
    if pk is not None and pk not in ids:
        return _stale(request, consultation, "#sections")
    index = ids.index(pk) if pk is not None else len(items)
    form = SectionForm(request.POST, auto_id="id_s_%s")
    page.section = form
    page.editing_section = consultation.sections.filter(pk=pk).first() if pk else None
    actor = signed_in(request.user)

    def write(data: dict[str, Any]) -> Consultation:
        changed = list(items)
        section = {"heading": data["heading"], "body": data["body"]}
        if pk is None:
            changed.append(section)
        else:
            changed[index] = section
        return consultation_update(actor, consultation, {"sections": changed})

    if form.submit(write, within=f"sections.{index}.") is None:
        page.status = form.http_status
        return None
    if pk is None:
        messages.success(request, _("Section %(number)d is added.") % {"number": index + 1})
    else:
        messages.success(request, _("Section %(number)d is saved.") % {"number": index + 1})
    return redirect(manage_url(consultation, "#sections"))


def section_delete(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse:
    return _list_delete(
        request, consultation, "sections", lambda n: _("Section %(number)d is deleted.") % {"number": n}
    )


def section_move(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse:
    return _list_move(request, consultation, "sections", _("The section is moved."))


# --- The consultation's fields, its phases, its response ------------------------------------------


def fields_save(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    form = ConsultationForm(
        request.POST,
        documents=page.documents,
        open_only=consultation.phase == Phase.OPEN,
        initial=fields_initial(consultation),
        auto_id="id_c_%s",
    )
    page.fields = form
    actor = signed_in(request.user)
    saved = form.submit(lambda _data: consultation_update(actor, consultation, form.service_data()))
    if saved is None:
        page.status = form.http_status
        return None
    messages.success(request, _("The consultation is saved."))
    return redirect(manage_url(consultation, "#fields"))


PHASE_DONE = {
    Phase.ANNOUNCED: gettext_lazy("The consultation is announced: citizens see it, and when it opens."),
    Phase.OPEN: gettext_lazy("The consultation is open: citizens may answer now. Its followers are told."),
    Phase.CLOSED: gettext_lazy(
        "The consultation is closed. Its results are public; publish the commune's response."
    ),
}


def phase_set(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    form = PhaseForm(request.POST, auto_id="id_phase_%s")
    page.phase = form
    actor = signed_in(request.user)
    moved = form.submit(lambda data: consultation_set_phase(actor, consultation, data["target"]))
    if moved is None:
        page.status = form.http_status
        return None
    messages.success(request, str(PHASE_DONE[Phase(moved.phase)]))
    return redirect(manage_url(consultation, "#phase"))


def respond(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    form = RespondForm(request.POST, documents=page.documents, auto_id="id_r_%s")
    page.respond = form
    actor = signed_in(request.user)
    first = consultation.phase == Phase.CLOSED
    answered = form.submit(
        lambda data: consultation_respond(
            actor,
            consultation,
            {"response_text": data["response_text"], "adopted_document": data["adopted_document"] or None},
        )
    )
    if answered is None:
        page.status = form.http_status
        return None
    if first:
        told = len([pk for pk in notify.participant_ids(answered) if pk != actor.pk])
        messages.success(
            request,
            ngettext(
                "The response is published; %(count)d participant is told, and the commune's followers.",
                "The response is published; %(count)d participants are told, and the commune's followers.",
                told,
            )
            % {"count": told},
        )
    else:
        messages.success(request, _("The response is corrected (no one is told again)."))
    return redirect(manage_url(consultation, "#response"))


def opinion(request: HttpRequest, consultation: Consultation, page: PageForms) -> HttpResponse | None:
    form = OpinionForm(request.POST, meetings=page.meetings, auto_id="id_o_%s")
    page.opinion = form
    recorded = form.submit(
        lambda data: opinion_record(
            actor=signed_in(request.user),
            consultation=consultation,
            text=data["text"],
            meeting=data["meeting"] or None,
        )
    )
    if recorded is None:
        page.status = form.http_status
        return None
    messages.success(request, _("The citizen council's opinion is recorded; it is shown beside the results."))
    return redirect(manage_url(consultation, "#opinion"))


# --- Comments ----------------------------------------------------------------------------------------


def _comment(consultation: Consultation, value: Any) -> Comment:
    pk = as_id(value)
    found = (
        Comment.objects.select_related("section").filter(pk=pk, section__consultation=consultation).first()
        if pk
        else None
    )
    if found is None:
        raise ConsultationNotFound(_("This comment does not exist."))
    return found


def comment_hide_action(
    request: HttpRequest, consultation: Consultation, page: PageForms
) -> HttpResponse | None:
    comment = _comment(consultation, request.POST.get("comment"))
    form = HideForm(request.POST, auto_id=f"id_hide_{comment.pk}_%s")
    actor = signed_in(request.user)
    if form.submit(lambda data: comment_hide(actor, comment, data["reason"])) is None:
        page.comment_pk, page.hide, page.status = comment.pk, form, form.http_status
        return None
    messages.success(request, _("The comment is hidden."))
    return redirect(manage_url(consultation, f"#comment-{comment.pk}"))


def comment_reply_action(
    request: HttpRequest, consultation: Consultation, page: PageForms
) -> HttpResponse | None:
    comment = _comment(consultation, request.POST.get("comment"))
    form = ReplyForm(request.POST, auto_id=f"id_reply_{comment.pk}_%s")
    actor = signed_in(request.user)
    reply = form.submit(lambda data: comment_post(actor, comment.section, data["body"], parent=comment.pk))
    if reply is None:
        page.comment_pk, page.reply, page.status = comment.pk, form, form.http_status
        return None
    messages.success(request, _("Your reply is posted under the comment."))
    return redirect(manage_url(consultation, f"#comment-{comment.pk}"))


ACTIONS: dict[str, Handler] = {
    "fields": fields_save,
    "question_save": question_save,
    "question_delete": question_delete,
    "question_move": question_move,
    "section_save": section_save,
    "section_delete": section_delete,
    "section_move": section_move,
    "phase": phase_set,
    "respond": respond,
    "opinion": opinion,
    "comment_hide": comment_hide_action,
    "comment_reply": comment_reply_action,
}
