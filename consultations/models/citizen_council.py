"""The standing citizen council (conseil permanent): its members, its meetings (with their minutes,
published as a document of the commune) and its opinion on a consultation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models.consultation import Consultation
from consultations.models.limits import MAX_OPINION_CHARS
from consultations.models.workshops import Organisation
from hub.models import Arrondissement, Commune


class CitizenCouncilMember(models.Model):
    """A member of the commune's standing citizen council: a citizen, or an organisation's delegate."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="citizen_council")
    full_name = models.CharField(_("full name"), max_length=120)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    arrondissement = models.ForeignKey(
        Arrondissement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=120, blank=True, help_text=_("e.g. chair, secretary"))
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("citizen council member")
        verbose_name_plural = _("citizen council members")

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on >= timezone.localdate()


class CitizenCouncilMeeting(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="citizen_council_meetings")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True, max_length=4000)
    # The minutes, published as a document of the commune.
    minutes = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("citizen council meeting")
        verbose_name_plural = _("citizen council meetings")

    def __str__(self) -> str:
        return f"meeting {self.held_on}"


class CouncilOpinion(models.Model):
    """The citizen council's opinion on a consultation, shown beside its results."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="citizen_council_opinion"
    )
    meeting = models.ForeignKey(
        CitizenCouncilMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="opinions"
    )
    text = models.TextField(_("opinion"), max_length=MAX_OPINION_CHARS)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("citizen council opinion")
        verbose_name_plural = _("citizen council opinions")

    def __str__(self) -> str:
        return f"opinion on {self.consultation_id}"
