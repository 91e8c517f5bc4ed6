"""Awarded public contracts ("marchés passés"): structured records, filterable and exportable."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models import Commune
from publications.models.common import Publishable, PublishableQuerySet
from publications.models.documents import FISCAL_YEAR_MIN


class ContractProcedure(models.TextChoices):
    """Award procedures of Benin's public procurement code."""

    OPEN_TENDER = "open_tender", _("Open call for tenders")
    RESTRICTED_TENDER = "restricted_tender", _("Restricted call for tenders")
    REQUEST_FOR_QUOTATIONS = "request_for_quotations", _("Request for quotations")
    REQUEST_FOR_PROPOSALS = "request_for_proposals", _("Request for proposals")
    DIRECT_AWARD = "direct_award", _("Direct award")
    OTHER = "other", _("Other procedure")


class ContractStatus(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ContractQuerySet(PublishableQuerySet):
    pass


class Contract(Publishable):
    public_url_name = "frontend:pub-contract"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("commune")
    )
    reference = models.CharField(_("reference"), max_length=80)
    title = models.CharField(_("object of the contract"), max_length=300)
    awardee = models.CharField(_("awardee"), max_length=200)
    amount_xof = models.PositiveBigIntegerField(_("amount (XOF)"))
    procedure = models.CharField(_("procedure"), max_length=32, choices=ContractProcedure.choices)
    award_date = models.DateField(_("award date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.AWARDED
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-award_date", "-id"]
        verbose_name = _("awarded contract")
        verbose_name_plural = _("awarded contracts")
        constraints = [
            models.UniqueConstraint(fields=["commune", "reference"], name="contract_unique_reference"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=FISCAL_YEAR_MIN, fiscal_year__lte=2200),
                name="contract_fiscal_year_range",
            ),
        ]
        indexes = [models.Index(fields=["commune", "state", "fiscal_year"], name="contract_commune_idx")]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"
