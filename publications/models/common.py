"""What every publication shares: a life cycle draft → published → withdrawn (→ published again).

A withdrawn item keeps its row: the public sees a "withdrawn" notice with the date and the reason,
and the audit log keeps who did what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from hub.models import Commune


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States the public may see: a withdrawn item stays visible as a notice.
PUBLIC_STATES = (PublicationState.PUBLISHED, PublicationState.WITHDRAWN)


class PublishableQuerySet(models.QuerySet[Any]):
    def published(self) -> PublishableQuerySet:
        """Published now. Other apps reach it through their own foreign keys (a live session's
        documents), so they never import this app."""
        return self.filter(state=PublicationState.PUBLISHED)

    def public(self) -> PublishableQuerySet:
        return self.filter(state__in=PUBLIC_STATES)


class Publishable(models.Model):
    """Abstract: the publication life cycle. Concrete models add ``commune`` and their own fields."""

    commune: models.ForeignKey[Commune, Commune]
    # The public page's URL name; it takes the commune's slug and the item's id.
    public_url_name: ClassVar[str]

    state = models.CharField(
        _("state"), max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    # How many times it was published: the outbox dedup key of a re-publication carries it.
    publication_count = models.PositiveIntegerField(default=0, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, max_length=1000)

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        """The public page (Django's name for it, so other apps link here without importing this app)."""
        return reverse(self.public_url_name, args=[self.commune.slug, self.pk])

    @property
    def is_published(self) -> bool:
        return self.state == PublicationState.PUBLISHED

    @property
    def is_withdrawn(self) -> bool:
        return self.state == PublicationState.WITHDRAWN

    @property
    def is_draft(self) -> bool:
        return self.state == PublicationState.DRAFT
