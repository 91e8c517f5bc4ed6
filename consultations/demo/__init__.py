"""Demo consultations for ``make run`` (never loaded in production). Safe to run again.

One module per pilot commune, each with ``load(commune, today) -> int`` (1 when it made its
consultation), and ``common`` for what they share:

- ``cotonou``: the draft annual work plan of next year, open, on its own published draft.
- ``abomey_calavi``: the priorities of this year's primitive budget, consulted last autumn and
  answered, with workshops and the standing citizen council's opinion.
- ``akpro_misserete``: a consultation announced, opening in ten days.

Consultations are made by ``consultation_create`` (as the secretary-general), answers and comments by
the answering services as the citizens; phases and dates are then set directly (the phase services
would notify followers today of a consultation held last year). Workshops, organisations,
facilitators and the citizen council are written with the ORM; the documents they link (the draft,
the council's minutes) through the publications services, published once with a past date. Each
consultation is skipped when a consultation of its title already exists in its commune.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consultations.demo import abomey_calavi, akpro_misserete, cotonou
from consultations.demo.abomey_calavi import calavi_title
from consultations.demo.akpro_misserete import AKPRO_TITLE
from consultations.demo.cotonou import cotonou_title
from hub.models import Commune

__all__ = ["AKPRO_TITLE", "calavi_title", "cotonou_title", "demo_load"]


def demo_load() -> str:
    today = timezone.localdate()
    made = []
    for slug, loader, label in (
        ("cotonou", cotonou.load, "Cotonou (open)"),
        ("abomey-calavi", abomey_calavi.load, "Abomey-Calavi (responded)"),
        ("akpro-misserete", akpro_misserete.load, "Akpro-Missérété (announced)"),
    ):
        commune = Commune.objects.filter(slug=slug, is_enabled=True).first()
        if commune is None:
            continue
        with transaction.atomic():
            if loader(commune, today):
                made.append(label)
    if not made:
        return "consultations: nothing new"
    return f"{len(made)} consultations created: " + ", ".join(made)
