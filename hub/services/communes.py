"""Commune writes: follows, the commune profile, staff memberships. Staff actions are audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hub.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from hub.models import Commune, Follow, Membership, Role, User
from hub.permissions import forget_roles, may_grant_role
from hub.phone import normalize_benin_phone
from hub.realtime.broadcast import broadcast_on_commit
from hub.realtime.events import user_group
from hub.services.audit import audit_record

PROFILE_FIELDS = ("description", "website", "contact_email", "contact_phone")


def commune_follow(*, user: User, commune: Commune) -> tuple[Follow, bool]:
    """Follow a commune; following twice is harmless. Returns (follow, created)."""
    if not user.has_perm("hub.follow_commune", commune):
        raise NotAuthenticated()
    try:
        with transaction.atomic():
            follow, created = Follow.objects.get_or_create(user=user, commune=commune)
            if created:
                broadcast_on_commit(user_group(user.pk), {"type": "follows.changed"})
            return follow, created
    except IntegrityError:  # a concurrent request created it first
        return Follow.objects.get(user=user, commune=commune), False


def commune_unfollow(*, user: User, commune: Commune) -> bool:
    if not user.has_perm("hub.follow_commune", commune):
        raise NotAuthenticated()
    with transaction.atomic():
        deleted, _details = Follow.objects.filter(user=user, commune=commune).delete()
        if deleted:
            broadcast_on_commit(user_group(user.pk), {"type": "follows.changed"})
    return deleted > 0


def commune_update_profile(*, actor: User, commune: Commune, changes: dict[str, str]) -> Commune:
    if not actor.has_perm("hub.change_commune_profile", commune):
        raise PermissionDenied()
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if changes.get("contact_phone"):
        try:
            changes["contact_phone"] = normalize_benin_phone(changes["contact_phone"])
        except InvalidInput as exc:
            raise InvalidInput(exc.message, fields={"contact_phone": [exc.message]}) from exc
    before = {name: getattr(commune, name) for name in changes}
    with transaction.atomic():
        for name, value in changes.items():
            setattr(commune, name, value)
        commune.full_clean(exclude=["department", "search_name", "slug", "name"])
        commune.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="commune.profile_updated",
            obj=commune,
            commune=commune,
            data={"before": before, "after": changes},
        )
    return commune


def membership_grant(
    *, actor: User, commune: Commune, user: User, role: str, title: str = "", is_public: bool = True
) -> Membership:
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("Unknown role.")]})
    if not may_grant_role(actor, commune, role):
        raise PermissionDenied()
    if not commune.is_enabled:
        raise Conflict(_("This commune is not yet open on Communes+."), code="commune_not_enabled")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                commune=commune,
                role=role,
                title=title[:120],
                is_public=is_public,
                granted_by=actor,
            )
            audit_record(
                actor=actor,
                action="membership.granted",
                obj=membership,
                commune=commune,
                data={"user_id": user.pk, "role": role, "title": membership.title},
            )
    except IntegrityError as exc:
        raise Conflict(_("This person already holds this role here."), code="duplicate_membership") from exc
    forget_roles(user)
    return membership


def membership_revoke(*, actor: User, membership: Membership) -> bool:
    """Remove a role (the same rule as granting it: a mayor only by a platform admin). The person loses
    it at once: roles are read again on their next request. Revoking twice (a double click, two
    heads at once) removes it once and writes one audit entry. Returns whether it was removed now."""
    commune = membership.commune
    if not may_grant_role(actor, commune, membership.role):
        raise PermissionDenied()
    with transaction.atomic():
        deleted, _details = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="membership.revoked",
                obj=membership,
                commune=commune,
                data={"user_id": membership.user_id, "role": membership.role},
            )
    forget_roles(membership.user)
    return bool(deleted)
