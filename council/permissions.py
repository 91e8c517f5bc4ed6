"""Who may do what with the council's record: pure predicates on (user, commune).

Everyone reads it (it is public). The commune's secretary-general and mayor (and platform
administrators) maintain the council's members and rules, take the roll call and record motions and
votes, in an enabled commune; nobody else does, staff of another commune least of all."""

from __future__ import annotations

from typing import Any

import rules

from hub.models import Commune
from hub.permissions import is_commune_admin, is_enabled_commune, is_platform_admin

rules.add_perm("council.manage", is_platform_admin | (is_enabled_commune & is_commune_admin))


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_manage(user: Any, commune: Commune) -> bool:
    return is_signed_in(user) and bool(user.has_perm("council.manage", commune))
