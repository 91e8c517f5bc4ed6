"""Answers gathered on the ground: accredited organisations, the facilitators who record workshops,
the workshops themselves (participants counted by gender, age band and disability), the group's
answers and the workshops' photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.models.consultation import Consultation, Option, Question
from consultations.models.limits import MAX_TITLE_CHARS, MAX_WORKSHOP_SUMMARY_CHARS
from hub.models import Arrondissement, Commune


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", _("Association or NGO")
    COMMUNITY = "community", _("Community or neighbourhood group")
    WOMEN = "women", _("Women's group")
    YOUTH = "youth", _("Youth group")
    COOPERATIVE = "cooperative", _("Cooperative or trade group")
    RELIGIOUS = "religious", _("Religious or traditional body")
    OTHER = "other", pgettext_lazy("organisation kind", "Other")


class Organisation(models.Model):
    """A civil society organisation the commune has accredited (its members may facilitate
    workshops and sit on the citizen council)."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(_("name"), max_length=MAX_TITLE_CHARS)
    kind = models.CharField(_("kind"), max_length=12, choices=OrganisationKind.choices)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    accredited_at = models.DateTimeField(default=timezone.now)
    accredited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_accredited(self) -> bool:
        return self.withdrawn_at is None


class Facilitator(models.Model):
    """A person the commune has named to record workshops: for one of its accredited organisations,
    or on its own behalf (``organisation`` empty). The commune's focal points record workshops too,
    without a row here."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="facilitators"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facilitator")
        verbose_name_plural = _("facilitators")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "user"],
                condition=Q(revoked_at__isnull=True),
                name="facilitator_once_per_commune",
            ),
        ]

    def __str__(self) -> str:
        return f"facilitator {self.user_id} in {self.commune_id}"


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    FON = "fon", _("Fon")
    GOUN = "goun", _("Goun")
    YORUBA = "yoruba", _("Yoruba")
    AIZO = "aizo", _("Aïzo")
    MINA = "mina", _("Mina")
    DENDI = "dendi", _("Dendi")
    BARIBA = "bariba", _("Bariba")
    OTHER = "other", pgettext_lazy("language", "Other")


class Workshop(models.Model):
    """A meeting held on the ground (an arrondissement, a village) and what its group answered.

    Participants are counted twice, by gender (``women + men == participants``) and by age band (the
    four bands add up to ``participants``); ``with_disability`` is at most ``participants``."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="workshops")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="workshops"
    )
    held_on = models.DateField(_("date"))
    arrondissement = models.ForeignKey(
        Arrondissement, on_delete=models.PROTECT, related_name="+", verbose_name=_("arrondissement")
    )
    village = models.CharField(_("village or quarter"), max_length=120, blank=True)
    language = models.CharField(_("language used"), max_length=10, choices=Language.choices)
    participants = models.PositiveIntegerField(_("participants"))
    women = models.PositiveIntegerField(_("women"))
    men = models.PositiveIntegerField(_("men"))
    age_under_18 = models.PositiveIntegerField(_("under 18"), default=0)
    age_18_34 = models.PositiveIntegerField(_("18 to 34"), default=0)
    age_35_59 = models.PositiveIntegerField(_("35 to 59"), default=0)
    age_60_plus = models.PositiveIntegerField(_("60 and over"), default=0)
    with_disability = models.PositiveIntegerField(_("with a disability"), default=0)
    summary = models.TextField(_("summary"), max_length=MAX_WORKSHOP_SUMMARY_CHARS)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=Q(women=F("participants") - F("men")), name="workshop_gender_total"
            ),
            models.CheckConstraint(
                condition=Q(
                    participants=F("age_under_18") + F("age_18_34") + F("age_35_59") + F("age_60_plus")
                ),
                name="workshop_age_total",
            ),
            models.CheckConstraint(
                condition=Q(with_disability__lte=F("participants")), name="workshop_disability_total"
            ),
        ]

    def __str__(self) -> str:
        return f"workshop {self.pk} ({self.held_on})"


class WorkshopAnswer(models.Model):
    """The group's answer for one option: how many participants chose it (single or multiple
    choice), the rank the group gave it (ranking), or the amount the group gave it (envelope)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_xof = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("workshop answer")
        verbose_name_plural = _("workshop answers")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "option"], name="workshop_answer_once"),
        ]

    def __str__(self) -> str:
        return f"workshop {self.workshop_id} answer for {self.option_id}"


class WorkshopPhoto(models.Model):
    """A photo of a workshop (checked like forum photos: images only, from their content)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("workshop photo")
        verbose_name_plural = _("workshop photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of workshop {self.workshop_id}"

    @property
    def url(self) -> str:
        return reverse("consultations-api:workshop-photo", args=[self.pk])
