"""The public pages of a commune's consultations: the list (open first), a consultation (its draft,
its timeline, the draft's sections with their comments, the response of the commune), answering it
online, and its results.

Server-rendered and complete without JavaScript. The writes go through the consultations' services
(``response_save``, ``comment_post``), whose refusals are shown next to the question or the section
they concern. The list does not depend on who reads it and is cached for anonymous readers
(``urls_public.py``); the other pages show staff links or the reader's own answers and are not.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from consultations import selectors
from consultations.errors import WrongPhase
from consultations.models import Consultation, Phase, Question, QuestionKind
from consultations.permissions import can_facilitate, can_manage
from consultations.services import answers as answer_services
from frontend.consultations import data, forms_answer
from frontend.refusals import domain_error_pages, sign_in_first
from hub.cleaning import as_id
from hub.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Commune
from hub.selectors import signed_in


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/403.html", status=403)


handles_domain_errors = domain_error_pages(forbidden)


def _commune(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound()
    return commune


def _consultation(request: HttpRequest, slug: str, pk: int) -> Consultation:
    """The consultation of this commune, if the reader may see it (a draft is staff's only)."""
    return selectors.visible_consultation(request.user, pk, commune=_commune(slug))


def _questions(consultation: Consultation) -> list[Question]:
    return list(consultation.questions.prefetch_related("options").order_by("position", "id"))


@require_safe
@handles_domain_errors
def consultation_list(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    # The public ones only, whoever reads: the page is the same for everyone (and cached).
    rows = list(selectors.visible_to(None, commune))
    context = {"commune": commune, "groups": data.grouped(rows)}
    return render(request, "frontend/consultations/list.html", context)


def _detail_context(
    request: HttpRequest,
    consultation: Consultation,
    *,
    refused: tuple[int, int | None, str, str] | None = None,
) -> dict[str, Any]:
    """The page's context; ``refused``: (section id, parent comment id or None, message, text sent)
    puts a refused comment back in its form with the reason."""
    user = request.user
    staff = can_manage(user, consultation.commune)
    accepting = data.is_accepting(consultation)
    sections = selectors.sections_with_comments(consultation) if consultation.comments_enabled else []
    if refused is not None:
        section_id, parent_id, message, body = refused
        section = next((s for s in sections if s.pk == section_id), None)
        if section is not None:
            comments: list[Any] = getattr(section, "visible_comments", [])
            target: Any = (
                section if parent_id is None else next((c for c in comments if c.pk == parent_id), None)
            )
            if target is not None:
                target.form_error = message
                target.form_value = body
    return {
        "commune": consultation.commune,
        "consultation": consultation,
        "timeline": data.timeline(consultation),
        "accepting": accepting,
        "sections": sections,
        "can_comment": accepting and consultation.comments_enabled and user.is_authenticated,
        "can_reply": staff and consultation.phase in (Phase.OPEN, Phase.CLOSED),
        "has_questions": consultation.questions.exists(),
        "can_see_results": selectors.can_see_results(user, consultation),
        "can_record_workshop": accepting and can_facilitate(user, consultation.commune),
        "can_see_workshops": consultation.results_public
        or (consultation.is_public and can_facilitate(user, consultation.commune)),
        "response": selectors.response_for(user, consultation),
        "opinion": data.council_opinion(consultation),
    }


@require_safe
@handles_domain_errors
def consultation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _consultation(request, slug, pk)
    return render(request, "frontend/consultations/detail.html", _detail_context(request, consultation))


@require_POST
@handles_domain_errors
def consultation_comment(request: HttpRequest, slug: str, pk: int, section_id: int) -> HttpResponse:
    """A comment on a section of the draft, or a staff reply to one (``parent``)."""
    consultation = _consultation(request, slug, pk)
    if not request.user.is_authenticated:
        return sign_in_first(request, consultation.get_absolute_url())
    section = selectors.section_get(section_id, consultation=consultation)
    body = request.POST.get("body", "")
    parent = request.POST.get("parent", "")
    try:
        comment = answer_services.comment_post(signed_in(request.user), section, body, parent=parent or None)
    except (NotFound, PermissionDenied, NotAuthenticated):
        raise
    except DomainError as exc:
        fields: dict[str, list[str]] = exc.details.get("fields") or {}
        text = " ".join(message for messages_ in fields.values() for message in messages_) or exc.message
        parent_id = as_id(parent)
        refused = (section.pk, parent_id, text, body)
        context = _detail_context(request, consultation, refused=refused)
        if parent and parent_id is None:
            messages.error(request, text)
        return render(request, "frontend/consultations/detail.html", context, status=exc.status)
    if comment.is_staff_reply:
        messages.success(request, _("Your reply is published."))
    else:
        messages.success(request, _("Your comment is published."))
    return redirect(f"{consultation.get_absolute_url()}#section-{section.pk}")


def _answer_page(
    request: HttpRequest,
    consultation: Consultation,
    *,
    status: int = 200,
    parsed: forms_answer.Parsed | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    questions = _questions(consultation)
    response = selectors.response_for(request.user, consultation)
    if parsed is not None:
        values, arrondissement = parsed.values, parsed.arrondissement
    else:
        values, arrondissement = forms_answer.values_from_response(response)
    errors = errors or {}
    blocks = forms_answer.blocks(questions, values, errors)
    arrondissement_label = _("Your arrondissement")
    context = {
        "commune": consultation.commune,
        "consultation": consultation,
        "blocks": blocks,
        "response": response,
        "arrondissements": list(selectors.arrondissements(consultation.commune)),
        "arrondissement": arrondissement,
        "arrondissement_label": arrondissement_label,
        "arrondissement_errors": errors.get("arrondissement", []),
        "summary": forms_answer.summary(blocks, errors, arrondissement_label),
        "kinds": QuestionKind,
    }
    return render(request, "frontend/consultations/answer.html", context, status=status)


def _not_open(request: HttpRequest, consultation: Consultation, message: str) -> HttpResponse:
    context = {"commune": consultation.commune, "consultation": consultation, "not_open": message}
    return render(request, "frontend/consultations/answer.html", context, status=409)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def consultation_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _consultation(request, slug, pk)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    try:
        answer_services.require_open(consultation)
    except WrongPhase as exc:
        return _not_open(request, consultation, exc.message)
    if request.method != "POST":
        return _answer_page(request, consultation)
    parsed = forms_answer.parse(_questions(consultation), request.POST)
    submit = request.POST.get("action") == "submit"
    if parsed.errors:
        # The page's own refusals (duplicate ranks...) and the service's on the rest, in one round.
        others = answer_services.response_check(request.user, consultation, parsed.data, submit=submit)
        errors = {**{k: v for k, v in others.items() if k not in parsed.errors}, **parsed.errors}
        return _answer_page(request, consultation, status=400, parsed=parsed, errors=errors)
    try:
        response = answer_services.response_save(
            signed_in(request.user), consultation, parsed.data, submit=submit
        )
    except WrongPhase as exc:
        return _not_open(request, consultation, exc.message)
    except (NotFound, PermissionDenied, NotAuthenticated):
        raise
    except DomainError as exc:
        fields = exc.details.get("fields") or {"": [exc.message]}
        return _answer_page(request, consultation, status=exc.status, parsed=parsed, errors=fields)
    if response.is_submitted:
        messages.success(
            request,
            _("Your answers are recorded. You can change them until the consultation closes."),
        )
    else:
        messages.success(
            request, _("Your draft is saved. Remember to submit your answers before the consultation closes.")
        )
    return redirect(reverse("frontend:consultation-answer", args=[slug, consultation.pk]))


@require_safe
@handles_domain_errors
def consultation_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _consultation(request, slug, pk)
    if not selectors.can_see_results(request.user, consultation):
        context = {"commune": consultation.commune, "consultation": consultation, "refused": True}
        return render(request, "frontend/consultations/results.html", context, status=403)
    context = {
        "commune": consultation.commune,
        **data.results_context(consultation, request.user),
    }
    return render(request, "frontend/consultations/results.html", context)
