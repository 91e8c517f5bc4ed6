"""Who may do what with practice sheets: predicates on (user, commune), registered with ``rules``.

Everyone reads published sheets. Staff who publish in the commune (``hub.publish_in_commune``'s
predicate: mayor, secretary-general, focal point, communication officer, platform administrators;
the commune enabled) write, publish and withdraw its sheets; staff of another commune do not. Anyone
signed in follows themes and asks a sheet's commune a question.
"""

from __future__ import annotations

from typing import Any

import rules

from hub.models import Commune
from hub.permissions import is_enabled_commune, is_platform_admin, is_publisher

rules.add_perm("practices.manage_sheet", is_platform_admin | (is_enabled_commune & is_publisher))


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_manage(user: Any, commune: Commune) -> bool:
    return is_signed_in(user) and bool(user.has_perm("practices.manage_sheet", commune))
