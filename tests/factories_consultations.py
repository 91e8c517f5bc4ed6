"""A consultation ready to answer: a commune with arrondissements, its staff, a published draft PTA
and a questionnaire of every kind."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from consultations.models import Consultation, Phase, Question, QuestionKind
from consultations.services import consultation_create
from hub.models import Arrondissement, Commune, Role, User
from publications.models import Document, DocumentType
from tests.factories import CommuneFactory
from tests.factories_publications import PublishedDocumentFactory
from tests.factories_sessions import staff_of

ARRONDISSEMENTS = ("Akassato", "Godomey", "Togba")


def questionnaire() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.SINGLE,
            "prompt": "Quel secteur doit passer en premier ?",
            "required": True,
            "options": [{"label": "Eau"}, {"label": "Écoles"}, {"label": "Routes"}],
        },
        {
            "kind": QuestionKind.MULTIPLE,
            "prompt": "Quels services utilisez-vous ?",
            "max_choices": 2,
            "options": [{"label": "État civil"}, {"label": "Marchés"}, {"label": "Santé"}],
        },
        {
            "kind": QuestionKind.RANKING,
            "prompt": "Classez ces priorités",
            "options": [{"label": "Forages"}, {"label": "Éclairage"}, {"label": "Caniveaux"}],
        },
        {
            "kind": QuestionKind.ENVELOPE,
            "prompt": "Répartissez l'enveloppe d'investissement",
            "envelope_xof": 50_000_000,
            "options": [
                {"label": "Forage à Zinvié", "cost_xof": 20_000_000},
                {"label": "Marché de Godomey", "cost_xof": 25_000_000},
                {"label": "Pistes rurales", "cost_xof": 30_000_000},
            ],
        },
        {"kind": QuestionKind.TEXT, "prompt": "Autre chose à dire au conseil ?"},
    ]


@dataclass
class Setup:
    commune: Commune
    staff: User  # the commune's secretary-general
    draft: Document
    consultation: Consultation
    arrondissements: list[Arrondissement]

    def question(self, kind: str) -> Question:
        return self.consultation.questions.get(kind=kind)

    def option_ids(self, kind: str) -> list[int]:
        return list(self.question(kind).options.order_by("position").values_list("pk", flat=True))


def consultation_setup(
    *, phase: str = Phase.OPEN, commune: Commune | None = None, sections: bool = True, **fields: Any
) -> Setup:
    commune = commune or CommuneFactory(is_enabled=True)
    arrondissements = [
        Arrondissement.objects.create(commune=commune, name=name, position=n)
        for n, name in enumerate(ARRONDISSEMENTS, start=1)
    ]
    staff = staff_of(commune, Role.SECRETARY_GENERAL)
    draft = PublishedDocumentFactory(
        commune=commune, type=DocumentType.ANNUAL_WORK_PLAN, title="Projet de PTA 2027", fiscal_year=2027
    )
    now = timezone.now()
    data: dict[str, Any] = {
        "title": "Projet de plan de travail annuel 2027",
        "summary": "Donnez votre avis sur le projet de PTA.",
        "opens_at": (now - datetime.timedelta(days=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=20)).isoformat(),
        "draft": draft.pk,
        "comments_enabled": sections,
        "questions": questionnaire(),
        "sections": [{"heading": "Axe 1 : eau", "body": "Forages"}, {"heading": "Axe 2 : écoles", "body": ""}]
        if sections
        else [],
        **fields,
    }
    consultation = consultation_create(staff, commune, data)
    if phase != Phase.DRAFT:
        Consultation.objects.filter(pk=consultation.pk).update(phase=phase, opened_at=now)
        consultation.refresh_from_db()
    return Setup(commune, staff, draft, consultation, arrondissements)
