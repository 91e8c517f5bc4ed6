"""Who may do what: small composable predicates on (user, commune), registered with ``rules``.

Every check in the project goes through ``user.has_perm("<perm>", commune)``. Predicates read the
user's roles from one query, cached on the user object for the rest of the request.
"""

from __future__ import annotations

from typing import Any

import rules

from hub.models import Commune, Membership, Role

STAFF_ROLES = frozenset(Role.values)
COMMUNE_ADMIN_ROLES = frozenset({Role.MAYOR, Role.SECRETARY_GENERAL})
PROFILE_EDITOR_ROLES = frozenset({Role.MAYOR, Role.SECRETARY_GENERAL, Role.COMMUNICATION_OFFICER})
PUBLISHER_ROLES = frozenset(
    {Role.MAYOR, Role.SECRETARY_GENERAL, Role.FOCAL_POINT, Role.COMMUNICATION_OFFICER}
)
MODERATOR_ROLES = frozenset({Role.MODERATOR, Role.MAYOR, Role.SECRETARY_GENERAL})
# Roles only a platform administrator may grant (a mayor cannot appoint another mayor).
ADMIN_ONLY_ROLES = frozenset({Role.MAYOR})


def _roles_by_commune(user: Any) -> dict[int, frozenset[str]]:
    """Every role the user holds, by commune id: one query per request, cached on the user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cache: dict[int, frozenset[str]] | None = getattr(user, "_commune_roles_cache", None)
    if cache is None:
        by_commune: dict[int, set[str]] = {}
        for cid, role in Membership.objects.filter(user_id=user.pk).values_list("commune_id", "role"):
            by_commune.setdefault(cid, set()).add(role)
        cache = {cid: frozenset(roles) for cid, roles in by_commune.items()}
        user._commune_roles_cache = cache
    return cache


def commune_roles(user: Any, commune_id: int) -> frozenset[str]:
    """The roles ``user`` holds in the commune, from one query per request."""
    return _roles_by_commune(user).get(commune_id, frozenset())


def role_commune_ids(user: Any) -> frozenset[int]:
    """The communes where the user holds a role, from the same per-request read."""
    return frozenset(_roles_by_commune(user))


def forget_roles(user: Any) -> None:
    """Drop the cached roles after a membership change for this user object."""
    if hasattr(user, "_commune_roles_cache"):
        del user._commune_roles_cache


def _has_any_role(roles: frozenset[str]) -> rules.Predicate:
    def check(user: Any, commune: Commune | None) -> bool:
        if commune is None:
            return False
        return bool(commune_roles(user, commune.pk) & roles)

    return rules.predicate(check, name=f"has_role_in_{'_'.join(sorted(roles))}")


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


@rules.predicate
def is_authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_enabled_commune(user: Any, commune: Commune | None) -> bool:
    return bool(commune is not None and commune.is_enabled)


is_commune_staff = _has_any_role(STAFF_ROLES)
is_commune_admin = _has_any_role(COMMUNE_ADMIN_ROLES)
is_profile_editor = _has_any_role(PROFILE_EDITOR_ROLES)
is_publisher = _has_any_role(PUBLISHER_ROLES)
is_moderator = _has_any_role(MODERATOR_ROLES)

rules.add_perm("hub.follow_commune", is_authenticated)
rules.add_perm("hub.view_staff_area", is_platform_admin | is_commune_staff)
rules.add_perm("hub.change_commune_profile", is_platform_admin | is_profile_editor)
rules.add_perm("hub.manage_memberships", is_platform_admin | is_commune_admin)
rules.add_perm("hub.view_commune_audit_log", is_platform_admin | is_commune_admin)
# Spending: the SMS budget is set by the commune's administrators (the mayor's office).
rules.add_perm("hub.manage_sms_budget", is_platform_admin | is_commune_admin)
rules.add_perm("hub.view_audit_log", is_platform_admin)
# For the feature apps (publications, forums, live sessions): staff act only in enabled communes.
rules.add_perm("hub.publish_in_commune", is_platform_admin | (is_enabled_commune & is_publisher))
rules.add_perm("hub.moderate_commune", is_platform_admin | (is_enabled_commune & is_moderator))


def may_grant_role(user: Any, commune: Commune, role: str) -> bool:
    if not user.has_perm("hub.manage_memberships", commune):
        return False
    return role not in ADMIN_ONLY_ROLES or is_platform_admin(user)
