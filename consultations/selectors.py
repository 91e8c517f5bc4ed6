"""Reads of the consultations app (no writes, no services).

One rule says who sees a consultation: its commune's staff always, everyone else once it is
announced (a draft does not exist for them: 404, not 403). ``visible_consultation`` fetches AND
applies it; ``consultation_get`` fetches only, for writes whose service checks the actor itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consultations.errors import ConsultationNotFound
from consultations.models import Comment, Consultation, Phase, Response, Section
from consultations.permissions import can_facilitate, can_manage
from hub.cleaning import as_id
from hub.models import Arrondissement, Commune


def visible_to(user: Any, commune: Commune) -> QuerySet[Consultation]:
    """A commune's consultations a person may see: public ones, and drafts for its staff."""
    rows = Consultation.objects.filter(commune=commune).select_related("commune", "draft", "adopted_document")
    if can_manage(user, commune):
        return rows
    return rows.public()


def can_see(user: Any, consultation: Consultation) -> bool:
    return consultation.is_public or can_manage(user, consultation.commune)


def consultation_get(consultation_id: Any, *, commune: Commune | None = None) -> Consultation:
    """A consultation (of ``commune`` when given), with what its pages show, whoever asks:
    ``ConsultationNotFound`` if there is none."""
    pk = as_id(consultation_id)
    rows = Consultation.objects.select_related("commune", "draft", "draft_file", "adopted_document")
    if commune is not None:
        rows = rows.filter(commune=commune)
    found = rows.filter(pk=pk).first() if pk else None
    if found is None:
        raise ConsultationNotFound()
    return found


def visible_consultation(user: Any, consultation_id: Any, *, commune: Commune | None = None) -> Consultation:
    """``consultation_get``, and ``ConsultationNotFound`` too when ``user`` may not see it (a draft,
    for anyone but its commune's staff)."""
    consultation = consultation_get(consultation_id, commune=commune)
    if not can_see(user, consultation):
        raise ConsultationNotFound()
    return consultation


def response_for(user: Any, consultation: Consultation) -> Response | None:
    """The account's own response (draft or submitted) with its answers; None when signed out or
    not answered yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Response.objects.filter(consultation=consultation, user=user)
        .prefetch_related("answers__selections")
        .first()
    )


def section_get(section_id: Any, *, consultation: Consultation) -> Section:
    """A section of this consultation's draft: ``ConsultationNotFound`` otherwise."""
    pk = as_id(section_id)
    found = Section.objects.filter(pk=pk, consultation=consultation).first() if pk else None
    if found is None:
        raise ConsultationNotFound(_("This section does not exist."))
    return found


def can_see_results(user: Any, consultation: Consultation) -> bool:
    """Results are public once it has closed; staff and facilitators of the commune follow them live."""
    if consultation.results_public:
        return True
    if consultation.phase == Phase.DRAFT:
        return can_manage(user, consultation.commune)
    return can_manage(user, consultation.commune) or can_facilitate(user, consultation.commune)


def sections_with_comments(consultation: Consultation, *, include_hidden: bool = False) -> list[Section]:
    """The draft's sections, each with its comments (``.visible_comments``: top-level, oldest first,
    each with ``.visible_replies``)."""
    sections = list(consultation.sections.all())
    comments = Comment.objects.filter(section__consultation=consultation).select_related("author")
    if not include_hidden:
        comments = comments.filter(hidden=False)
    by_section: dict[int, list[Comment]] = {}
    replies: dict[int, list[Comment]] = {}
    for comment in comments.order_by("created_at", "id"):
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
        else:
            by_section.setdefault(comment.section_id, []).append(comment)
    for section in sections:
        top = by_section.get(section.pk, [])
        for comment in top:
            comment.visible_replies = replies.get(comment.pk, [])  # type: ignore[attr-defined]
        section.visible_comments = top  # type: ignore[attr-defined]
    return sections


def arrondissements(commune: Commune) -> QuerySet[Arrondissement]:
    return Arrondissement.objects.filter(commune=commune).order_by("position", "name")
