"""Reads of the core domain. ``access_*`` functions fetch AND authorise."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, QuerySet, Value, When
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub.auth_backends import find_user_by_identifier
from hub.errors import NotAuthenticated, NotFound, PermissionDenied
from hub.models import AuditLogEntry, Commune, Department, Follow, Membership, User
from hub.models.roles import ROLE_ORDER


def signed_in(user: Any) -> User:
    """The signed-in, active ``User`` behind a request, or ``NotAuthenticated``."""
    if not isinstance(user, User) or not user.is_active:
        raise NotAuthenticated()
    return user


def search_key(text: str) -> str:
    """Lower-case, accent-free form used for commune search ("Missérété" → "misserete")."""
    return slugify(text).replace("-", " ")


def department_list() -> QuerySet[Department]:
    return Department.objects.annotate(commune_count=Count("communes")).order_by("name")


def commune_list(
    *, user: Any = None, q: str = "", department: str = "", enabled: bool | None = None
) -> QuerySet[Commune]:
    """Communes, pilot (enabled) communes first, then by name."""
    communes = Commune.objects.select_related("department").pilot_first()
    if q.strip():
        key = search_key(q)
        communes = communes.filter(search_name__contains=key) if key else communes.none()
    if department:
        communes = communes.filter(department__slug=department)
    if enabled is not None:
        communes = communes.filter(is_enabled=enabled)
    return with_follow_flag(communes, user)


def with_follow_flag(communes: QuerySet[Commune], user: Any) -> QuerySet[Commune]:
    if user is not None and getattr(user, "is_authenticated", False):
        return communes.annotate(
            is_followed=Exists(Follow.objects.filter(user_id=user.pk, commune_id=OuterRef("pk")))
        )
    return communes


def public_officials() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.public().select_related("user"),
        to_attr="public_memberships",
    )


def sort_officials(memberships: list[Membership]) -> list[Membership]:
    return sorted(memberships, key=lambda m: (ROLE_ORDER.index(m.role), m.title, m.user.display_name))


def commune_get(*, slug: str, user: Any = None) -> Commune:
    """A commune with its public officials and follower count, or ``NotFound``."""
    communes = with_follow_flag(
        Commune.objects.select_related("department")
        .annotate(follower_count=Count("follows", distinct=True))
        .prefetch_related(public_officials()),
        user,
    )
    commune = communes.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    commune.public_memberships = sort_officials(commune.public_memberships)  # type: ignore[attr-defined]
    return commune


def follower_count(commune: Commune) -> int:
    return Follow.objects.filter(commune=commune).count()


def access_commune_for(user: Any, slug: str, perm: str) -> Commune:
    """Fetch a commune and check ``perm``: ``NotFound`` if absent, ``PermissionDenied`` if not allowed."""
    commune = Commune.objects.select_related("department").filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    if not user.has_perm(perm, commune):
        if not getattr(user, "is_authenticated", False):
            raise NotAuthenticated()
        raise PermissionDenied()
    return commune


def commune_memberships(*, commune: Commune) -> QuerySet[Membership]:
    role_rank = Case(*[When(role=role, then=Value(rank)) for rank, role in enumerate(ROLE_ORDER)])
    return (
        Membership.objects.filter(commune=commune)
        .select_related("user", "granted_by", "commune")
        .order_by(role_rank, "user__display_name")
    )


def access_membership(user: Any, commune: Commune, membership_id: int) -> Membership:
    """A membership of *this* commune; one of another commune is simply not found here."""
    membership = (
        Membership.objects.select_related("user", "commune").filter(pk=membership_id, commune=commune).first()
    )
    if membership is None:
        raise NotFound(_("No such membership in this commune."))
    return membership


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("commune", "commune__department")


def user_follows(*, user: User) -> QuerySet[Follow]:
    return (
        Follow.objects.filter(user=user)
        .select_related("commune", "commune__department")
        .order_by("commune__name")
    )


def audit_log_list(
    *, user: Any, commune_slug: str = "", action: str = "", actor_id: int | None = None
) -> QuerySet[AuditLogEntry]:
    """Audit entries the user may read: all for platform admins, their communes' for mayors/SGs."""
    entries = AuditLogEntry.objects.select_related("commune", "actor").order_by("-created_at", "-id")
    if not user.has_perm("hub.view_audit_log"):
        allowed = [
            commune
            for commune in Commune.objects.filter(memberships__user_id=user.pk).distinct()
            if user.has_perm("hub.view_commune_audit_log", commune)
        ]
        if not allowed:
            raise PermissionDenied()
        entries = entries.filter(commune__in=allowed)
    if commune_slug:
        entries = entries.filter(commune__slug=commune_slug)
    if action:
        entries = entries.filter(action=action)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    return entries


def user_lookup(identifier: str) -> User:
    user = find_user_by_identifier(identifier)
    if user is None or not user.is_active:
        raise NotFound(_("No account matches this e-mail address or phone number."), code="user_not_found")
    return user


def staff_communes(*, user: Any) -> list[Commune]:
    """The communes where the user holds a role (any), by name: the workspaces they reach."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Commune.objects.filter(memberships__user_id=user.pk).distinct().order_by("search_name", "id"))


def commune_audit_entries(*, commune: Commune) -> QuerySet[AuditLogEntry]:
    """The commune's audit log, newest first (callers check ``hub.view_commune_audit_log``)."""
    entries = AuditLogEntry.objects.filter(commune=commune).select_related("actor", "commune")
    return entries.order_by("-created_at", "-id")
