"""Who may do what with consultations: pure predicates on (user, commune), built on ``hub.permissions``.

- Everyone reads public consultations; signed-in citizens answer and comment while one is open.
- Staff who publish in the commune (``hub.publish_in_commune``: mayor, secretary-general, focal point,
  communication officer, platform administrators; the commune enabled) manage its consultations,
  accredit organisations, name facilitators, see results while open and publish the response.
- Facilitators record workshops: the commune's focal points, staff who manage, and the people the
  commune named (``Facilitator``, not revoked, for an organisation still accredited). Staff and
  facilitators of another commune do none of this.
"""

from __future__ import annotations

from typing import Any

from consultations.models import Facilitator
from hub.models import Commune


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_manage(user: Any, commune: Commune) -> bool:
    return is_signed_in(user) and bool(user.has_perm("hub.publish_in_commune", commune))


def facilitator_row(user: Any, commune: Commune) -> Facilitator | None:
    if not is_signed_in(user) or not commune.is_enabled:
        return None
    return (
        Facilitator.objects.filter(commune=commune, user=user, revoked_at__isnull=True)
        .exclude(organisation__withdrawn_at__isnull=False)
        .select_related("organisation")
        .first()
    )


def can_facilitate(user: Any, commune: Commune) -> bool:
    """Staff who manage (the focal points among them: they publish in the commune), or a named
    facilitator whose organisation is still accredited."""
    if can_manage(user, commune):
        return True
    return facilitator_row(user, commune) is not None
