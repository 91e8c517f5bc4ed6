"""Akpro-Missérété's demo consultation: announced, opening in ten days."""

from __future__ import annotations

import datetime

from django.utils import timezone

from consultations.demo.common import at, demo_user, options
from consultations.models import Consultation, Phase, QuestionKind
from consultations.services import consultation_create
from hub import versions
from hub.models import Commune

AKPRO_TITLE = "Aménagement des marchés de la commune : vos attentes"


def load(commune: Commune, today: datetime.date) -> int:
    sg = demo_user("sg.akpro")
    if sg is None or Consultation.objects.filter(commune=commune, title=AKPRO_TITLE).exists():
        return 0
    opens = at(today + datetime.timedelta(days=10), 8)
    consultation = consultation_create(
        sg,
        commune,
        {
            "title": AKPRO_TITLE,
            "summary": "La commune prépare l'aménagement de ses marchés. Dites-nous par où commencer.",
            "opens_at": opens,
            "closes_at": opens + datetime.timedelta(days=21),
            "questions": [
                {
                    "kind": QuestionKind.SINGLE,
                    "prompt": "Quel marché faut-il aménager en premier ?",
                    "required": True,
                    "options": options("Marché de Vakon", "Marché de Katagon", "Marché central d'Akpro"),
                },
                {
                    "kind": QuestionKind.MULTIPLE,
                    "prompt": "Quels aménagements sont les plus urgents ? (deux au plus)",
                    "max_choices": 2,
                    "options": options(
                        "Hangars et étals", "Latrines et points d'eau", "Éclairage", "Drainage des eaux"
                    ),
                },
            ],
        },
    )
    Consultation.objects.filter(pk=consultation.pk).update(phase=Phase.ANNOUNCED, announced_at=timezone.now())
    versions.changed(commune_id=commune.pk)
    return 1
