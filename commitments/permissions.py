"""Who may do what with commitments: pure predicates on (user, commune), built on ``hub.permissions``.

Everyone reads commitments (they are public). Staff who publish in the commune
(``hub.publish_in_commune``: mayor, secretary-general, focal point, communication officer, platform
administrators; the commune enabled) make them and post their updates; staff of another commune
do neither."""

from __future__ import annotations

from typing import Any

from hub.models import Commune


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_manage(user: Any, commune: Commune) -> bool:
    return is_signed_in(user) and bool(user.has_perm("hub.publish_in_commune", commune))
