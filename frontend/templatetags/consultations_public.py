"""``{% open_consultations commune as count %}``: how many consultations of a commune are open now,
for the link on the commune's page (whose view knows nothing of consultations)."""

from django import template

from consultations.models import Consultation, Phase
from consultations.money import format_xof
from hub.models import Commune

register = template.Library()


@register.simple_tag
def open_consultations(commune: Commune) -> int:
    return Consultation.objects.filter(commune=commune, phase=Phase.OPEN).count()


@register.filter
def xof(amount: int | None) -> str:
    """``{{ amount|xof }}``: "12 500 000 FCFA"."""
    return format_xof(int(amount or 0))
