"""The mayor's agenda: public events of a commune (also served as an iCalendar feed)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Commune
from publications.models.common import Publishable, PublishableQuerySet


class AgendaEventQuerySet(PublishableQuerySet):
    pass


class AgendaEvent(Publishable):
    public_url_name = "frontend:pub-agenda-event"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="agenda_events", verbose_name=_("commune")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = AgendaEventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("agenda event")
        verbose_name_plural = _("agenda events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="agenda_event_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["commune", "state", "starts_at"], name="agenda_commune_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"
