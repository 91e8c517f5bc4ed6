"""Benin's departments and communes (reference data loaded by ``load_reference_data``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class CommuneQuerySet(models.QuerySet["Commune"]):
    def enabled(self) -> CommuneQuerySet:
        return self.filter(is_enabled=True)

    def pilot_first(self) -> CommuneQuerySet:
        return self.order_by("-is_enabled", "search_name")


class Commune(models.Model):
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # Lower-case, accent-free name so that "misserete" finds "Akpro-Missérété".
    search_name = models.CharField(max_length=80, db_index=True, editable=False)
    is_enabled = models.BooleanField(
        _("enabled"), default=False, help_text=_("Enabled communes publish and hold sessions on Communes+.")
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="commune_unique_name")]

    def __str__(self) -> str:
        return self.name


class Arrondissement(models.Model):
    """An arrondissement of a commune (Benin's communes are divided into arrondissements, and these
    into villages or city quarters). Participation is broken down by arrondissement."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="arrondissements")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["commune", "position", "name"]
        verbose_name = _("arrondissement")
        verbose_name_plural = _("arrondissements")
        constraints = [models.UniqueConstraint(fields=["commune", "name"], name="arrondissement_unique_name")]

    def __str__(self) -> str:
        return self.name
