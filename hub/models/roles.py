"""Roles of users in communes, and citizens' follows of communes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.geo import Commune


class Role(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    DEPUTY_MAYOR = "deputy_mayor", _("Deputy mayor")
    COUNCILLOR = "councillor", _("Municipal councillor")
    SECRETARY_GENERAL = "secretary_general", _("Secretary-general")
    FOCAL_POINT = "focal_point", _("Focal point")
    COMMUNICATION_OFFICER = "communication_officer", _("Communication officer")
    MODERATOR = "moderator", _("Moderator")


# Order in which officials are listed on a commune page.
ROLE_ORDER = [role.value for role in Role]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def public(self) -> MembershipQuerySet:
        return self.filter(is_public=True, user__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    title = models.CharField(_("title"), max_length=120, blank=True, help_text=_("e.g. 1st deputy mayor"))
    is_public = models.BooleanField(_("shown on the commune page"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "commune", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["commune", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.commune})"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["user", "commune"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.commune}"
