"""Reads of the consultations app (no writes, no services)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from consultations.models import Comment, Consultation, Phase, Section
from consultations.permissions import can_facilitate, can_manage
from hub.models import Arrondissement, Commune


def visible_to(user: Any, commune: Commune) -> QuerySet[Consultation]:
    """A commune's consultations a person may see: public ones, and drafts for its staff."""
    rows = Consultation.objects.filter(commune=commune).select_related("commune", "draft", "adopted_document")
    if can_manage(user, commune):
        return rows
    return rows.public()


def can_see(user: Any, consultation: Consultation) -> bool:
    return consultation.is_public or can_manage(user, consultation.commune)


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
