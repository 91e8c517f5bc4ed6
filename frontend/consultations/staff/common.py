"""What the consultations' staff pages share: who may open them (the commune's staff who publish,
``consultations.permissions.can_manage``, the services' own check), the answers to others (sign in
first; a 403 page saying who may), the documents a consultation may be about, and the figures of the
commune's consultations (its staff list and the workspace's block)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from consultations.models import Consultation, Phase, Response, Workshop
from consultations.permissions import can_manage
from frontend.refusals import domain_error_pages, sign_in_first
from hub.models import Commune
from hub.selectors import commune_get
from publications.models import Document, PublicationState


def forbidden(request: HttpRequest, commune: Commune | None = None) -> HttpResponse:
    return render(request, "frontend/consultations/staff_forbidden.html", {"commune": commune}, status=403)


handles_domain_errors = domain_error_pages(forbidden)


def manager_commune(request: HttpRequest, slug: str) -> Commune | HttpResponse:
    """The commune if the user manages its consultations; otherwise the page to answer with."""
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, commune):
        return forbidden(request, commune=commune)
    return commune


def manage_url(consultation: Consultation, anchor: str = "") -> str:
    return reverse("frontend:consultation-manage", args=[consultation.commune.slug, consultation.pk]) + anchor


def published_documents(commune: Commune) -> list[Document]:
    """The documents a consultation may be about, or adopt: the commune's published ones."""
    return list(
        Document.objects.filter(commune=commune, state=PublicationState.PUBLISHED).order_by(
            "-fiscal_year", "type", "title", "id"
        )
    )


def with_counts(commune: Commune) -> QuerySet[Consultation]:
    """Every consultation of the commune (drafts included), with its submitted responses and its
    workshops counted."""
    return (
        Consultation.objects.filter(commune=commune)
        .select_related("draft")
        # Counted in subqueries: two joins would multiply responses by workshops before counting.
        .annotate(
            submitted_count=Coalesce(
                Subquery(
                    Response.objects.filter(consultation=OuterRef("pk"), submitted_at__isnull=False)
                    .values("consultation")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            workshop_count=Coalesce(
                Subquery(
                    Workshop.objects.filter(consultation=OuterRef("pk"))
                    .values("consultation")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .order_by("-opens_at", "-id")
    )


@dataclass
class Attention:
    """The workspace's consultations block: how many are open, and those closed awaiting the
    commune's response."""

    open_count: int = 0
    awaiting: list[Consultation] = field(default_factory=list)

    @property
    def awaiting_count(self) -> int:
        return len(self.awaiting)


def workspace_attention(commune: Commune) -> Attention:
    rows = Consultation.objects.filter(commune=commune)
    return Attention(
        open_count=rows.filter(phase=Phase.OPEN).count(),
        awaiting=list(rows.filter(phase=Phase.CLOSED).order_by("closes_at", "id")),
    )
