"""Commitments, their timeline of updates (with photos and a published document as evidence), the
citizens told about them, and the bookkeeping that makes each reminder fire once.

``overdue`` is never stored: it is "the due date has passed and the commitment is neither done nor
dropped", computed against today's date in the commune's time zone (``CommitmentQuerySet.overdue``,
``Commitment.is_overdue``). What a commitment's page shows of its origin (the question and its asker,
the proposal and its supporters) is frozen in ``origin_snapshot`` when the commitment is made, so
the page never depends on rows another app may change or remove.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hub.models import Commune, Role

MAX_TEXT_CHARS = 1000
MAX_UPDATE_CHARS = 4000
MAX_OFFICE_CHARS = 120
MAX_PHOTOS = 4


class CommitmentStatus(models.TextChoices):
    # With a context: other apps' catalogs word "In progress" or "Done" for their own things.
    PLANNED = "planned", pgettext_lazy("commitment status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("commitment status", "In progress")
    DONE = "done", pgettext_lazy("commitment status", "Done")
    DROPPED = "dropped", pgettext_lazy("commitment status", "Dropped")


# A commitment in one of these is still owed: it can be overdue, and reminders apply to it.
OPEN_STATUSES = (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)


class OriginKind(models.TextChoices):
    QUESTION = "question", _("A question asked in a session")
    PROPOSAL = "proposal", _("A citizens' proposal on the forum")
    DIRECT = "direct", _("Made directly by the commune")


def today() -> datetime.date:
    """Today in the project's time zone: a due date is a local date."""
    return timezone.localdate()


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def open(self) -> CommitmentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on: datetime.date | None = None) -> CommitmentQuerySet:
        return self.open().filter(due_on__lt=on or today())

    def not_overdue(self, on: datetime.date | None = None) -> CommitmentQuerySet:
        return self.exclude(status__in=OPEN_STATUSES, due_on__lt=on or today())


class Commitment(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="commitments")
    text = models.CharField(_("commitment"), max_length=MAX_TEXT_CHARS)
    # Who answers for it: a role of the commune (its holders get the reminders) or, for an office
    # that is not a role on Communes+ (the technical services...), its name. At most one of the two.
    owner_role = models.CharField(_("responsible role"), max_length=32, choices=Role.choices, blank=True)
    owner_office = models.CharField(_("responsible office"), max_length=MAX_OFFICE_CHARS, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CommitmentStatus.choices, default=CommitmentStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    origin_kind = models.CharField(
        _("origin"), max_length=10, choices=OriginKind.choices, default=OriginKind.DIRECT
    )
    # The origin's rows, kept while they exist (their ids are in the snapshot too). A commitment made
    # during a session without a question keeps its session: the session lists it.
    session = models.ForeignKey(
        "sessions_live.LiveSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question = models.ForeignKey(
        "sessions_live.Question", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposal = models.ForeignKey(
        "forums.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_snapshot = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When it was (last) marked done: "kept on time" is done_at's local date <= due_on.
    done_at = models.DateTimeField(null=True, blank=True)
    # Each reminder is claimed by a conditional UPDATE (``… WHERE <column> IS NULL``) in the
    # transaction that records it; a new due date clears both.
    due_soon_reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="commitment_progress_range"
            ),
            models.CheckConstraint(
                condition=Q(owner_role="") | Q(owner_office=""), name="commitment_one_owner"
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "-id"], name="commitment_commune_idx"),
            models.Index(fields=["commune", "status", "-id"], name="commitment_status_idx"),
            models.Index(fields=["session", "id"], name="commitment_session_idx"),
            # Reminders and the overdue filter look at open commitments by due date only.
            models.Index(
                fields=["due_on"],
                name="commitment_open_due_idx",
                condition=Q(status__in=["planned", "in_progress"]),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return reverse("frontend:commitment", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today()

    @property
    def kept_on_time(self) -> bool:
        return (
            self.status == CommitmentStatus.DONE
            and self.done_at is not None
            and self.due_on is not None
            and timezone.localdate(self.done_at) <= self.due_on
        )

    @property
    def owner_label(self) -> str:
        if self.owner_role:
            return str(self.get_owner_role_display())
        return self.owner_office


class CommitmentUpdate(models.Model):
    """One entry of the public timeline: text, and optionally a new status, a new progress, photos
    and one published document of the commune."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"), blank=True, max_length=MAX_UPDATE_CHARS)
    # Empty / null: this entry did not change it.
    status = models.CharField(_("new status"), max_length=12, choices=CommitmentStatus.choices, blank=True)
    progress = models.PositiveSmallIntegerField(_("new progress (%)"), null=True, blank=True)
    due_on = models.DateField(_("new due date"), null=True, blank=True)
    document = models.ForeignKey(
        "publications.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("commitment update")
        verbose_name_plural = _("commitment updates")
        indexes = [models.Index(fields=["commitment", "id"], name="commitment_update_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=100),
                name="commitment_update_progress_range",
            )
        ]

    def __str__(self) -> str:
        return f"update {self.pk} of {self.commitment_id}"


class CommitmentPhoto(models.Model):
    """A photo of an update (checked like forum photos: images only, from their content)."""

    update = models.ForeignKey(CommitmentUpdate, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("commitment photo")
        verbose_name_plural = _("commitment photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of update {self.update_id}"

    @property
    def url(self) -> str:
        return reverse("commitments-api:photo", args=[self.pk])


class WatcherReason(models.TextChoices):
    ASKER = "asker", _("asked the question")
    UPVOTER = "upvoter", _("supported the question")
    AUTHOR = "author", _("wrote the proposal")
    SUPPORTER = "supporter", _("supported the proposal")


class CommitmentWatcher(models.Model):
    """A citizen told about the commitment's changes, captured when it is made from their question
    or proposal (the commune's followers are told too, without a row here)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=WatcherReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commitment watcher")
        verbose_name_plural = _("commitment watchers")
        constraints = [models.UniqueConstraint(fields=["commitment", "user"], name="commitment_watcher_once")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.commitment_id}"
