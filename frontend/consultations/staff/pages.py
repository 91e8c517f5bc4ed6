"""The staff's consultation pages: the commune's consultations (``consultations-manage``), a new one
(``consultation-new``) and one consultation's page (``consultation-manage``), where staff edit its
fields, build its questionnaire and its sections, move it through its phases, follow its results,
moderate its comments and publish the response.

Without JavaScript: every change is a small form posting back to the page with an ``action``
(``frontend.consultations.staff.actions``). A refused form comes back with what was typed and the
service's reasons next to its fields; a saved one redirects (POST, then GET) with a message."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from consultations import notify, results, selectors
from consultations.models import Consultation, Phase, QuestionKind
from consultations.money import format_xof
from consultations.selectors import consultation_get
from consultations.services import consultation_create
from frontend.consultations.staff import actions
from frontend.consultations.staff.common import (
    handles_domain_errors,
    manage_url,
    manager_commune,
    published_documents,
    with_counts,
)
from frontend.consultations.staff_forms import ConsultationForm
from frontend.staff.nav import staff_links
from hub.models import Commune
from hub.selectors import signed_in

# A new consultation opens in a week and runs four weeks, by default.
DEFAULT_OPENS_IN = datetime.timedelta(days=7)
DEFAULT_RUNS = datetime.timedelta(days=28)


def _new_form(commune: Commune, data: Any = None) -> ConsultationForm:
    today = timezone.localdate()
    initial = {
        "opens_on": today + DEFAULT_OPENS_IN,
        "opens_time": datetime.time(8, 0),
        "closes_on": today + DEFAULT_OPENS_IN + DEFAULT_RUNS,
        "closes_time": datetime.time(18, 0),
    }
    return ConsultationForm(
        data, documents=published_documents(commune), initial=initial, auto_id="id_new_%s"
    )


@require_safe
@handles_domain_errors
def consultations_manage(request: HttpRequest, slug: str) -> HttpResponse:
    found = manager_commune(request, slug)
    if isinstance(found, HttpResponse):
        return found
    commune = found
    context = {
        "commune": commune,
        "consultations": list(with_counts(commune)),
        "form": _new_form(commune),
        "staff_links": staff_links(request, commune),
    }
    return render(request, "frontend/consultations/staff_list.html", context)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def consultation_new(request: HttpRequest, slug: str) -> HttpResponse:
    found = manager_commune(request, slug)
    if isinstance(found, HttpResponse):
        return found
    commune = found
    form = _new_form(commune)
    status = 200
    if request.method == "POST":
        form = _new_form(commune, request.POST)
        actor = signed_in(request.user)
        created = form.submit(lambda _data: consultation_create(actor, commune, form.service_data()))
        if created is not None:
            created_text = _(
                "The consultation is created as a draft, seen by staff only. Add its questions or sections."
            )
            messages.success(request, created_text)
            return redirect("frontend:consultation-manage", slug=slug, pk=created.pk)
        status = form.http_status
    context = {"commune": commune, "form": form, "staff_links": staff_links(request, commune)}
    return render(request, "frontend/consultations/staff_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def consultation_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = manager_commune(request, slug)
    if isinstance(found, HttpResponse):
        return found
    commune = found
    consultation = consultation_get(pk, commune=commune)
    documents = published_documents(commune)
    page = actions.PageForms.for_get(request, consultation, documents)
    status = 200
    if request.method == "POST":
        handler = actions.ACTIONS.get(request.POST.get("action", ""))
        if handler is None:
            messages.error(request, _("This form is not known. Reload the page and try again."))
            return redirect(manage_url(consultation))
        outcome = handler(request, consultation, page)
        if outcome is not None:
            return outcome
        status = page.status
        consultation = consultation_get(pk, commune=commune)
    context = {
        "commune": commune,
        "consultation": consultation,
        "page": page,
        "staff_links": staff_links(request, commune),
        **_running_context(request, consultation),
    }
    return render(request, "frontend/consultations/staff_manage.html", context, status=status)


def _running_context(request: HttpRequest, consultation: Consultation) -> dict[str, Any]:
    """The questionnaire and sections as they are, the comments, the results and the response."""
    questions = list(consultation.questions.prefetch_related("options"))
    for question in questions:
        question.envelope_text = format_xof(question.envelope_xof) if question.envelope_xof else ""  # type: ignore[attr-defined]
        for option in question.options.all():
            option.cost_text = format_xof(option.cost_xof) if option.cost_xof else ""  # type: ignore[attr-defined]
    phase = consultation.phase
    context: dict[str, Any] = {
        # Not "questions" nor "sections": the results partial's context has its own "questions".
        "questionnaire": questions,
        "draft_sections": selectors.sections_with_comments(consultation, include_hidden=True),
        "structure_editable": phase in (Phase.DRAFT, Phase.ANNOUNCED),
        "phase_plan": _phase_plan(consultation),
        "can_announce": phase == Phase.DRAFT,
        "can_open": phase in (Phase.DRAFT, Phase.ANNOUNCED),
        "can_close": phase == Phase.OPEN,
        "can_respond": phase in (Phase.CLOSED, Phase.RESPONDED),
        "can_reply": phase in (Phase.OPEN, Phase.CLOSED),
        "results_shown": phase in (Phase.OPEN, Phase.CLOSED, Phase.RESPONDED),
    }
    if context["results_shown"]:
        texts = results.text_answers(consultation)
        context["text_answers"] = [
            (question, texts.get(question.pk, []))
            for question in questions
            if question.kind == QuestionKind.TEXT
        ]
        context.update(_results_context(consultation, request.user))
    if phase == Phase.RESPONDED:
        context["notified_count"] = len(
            [pk for pk in notify.participant_ids(consultation) if pk != consultation.responded_by_id]
        )
    return context


def _results_context(consultation: Consultation, user: Any) -> dict[str, Any]:
    """The public results partial's context (``frontend/consultations/includes/results.html``)."""
    from frontend.consultations.data import results_context

    return dict(results_context(consultation, user))


def _phase_plan(consultation: Consultation) -> list[dict[str, Any]]:
    """The phases in order: each with its date (done, or planned) and whether it is the current one."""
    order = [Phase.DRAFT, Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED, Phase.RESPONDED]
    current = order.index(Phase(consultation.phase))
    dates = {
        Phase.DRAFT: consultation.created_at,
        Phase.ANNOUNCED: consultation.announced_at,
        Phase.OPEN: consultation.opened_at or consultation.opens_at,
        Phase.CLOSED: consultation.closed_at or consultation.closes_at,
        Phase.RESPONDED: consultation.responded_at,
    }
    return [
        {
            "phase": phase,
            "label": phase.label,
            "date": dates[phase],
            "done": index < current,
            "current": index == current,
            "planned": index > current and phase in (Phase.OPEN, Phase.CLOSED),
        }
        for index, phase in enumerate(order)
    ]
