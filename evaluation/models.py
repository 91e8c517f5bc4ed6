"""What the evaluation keeps: usage counted per commune, page kind and day (never a person), the
optional profile a participant gives by consent, followers per day, and the yearly reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hub.models import Arrondissement, Commune

MAX_COMMENTARY_CHARS = 8000


class PageKind(models.TextChoices):
    """What kind of page a counted view was (kinds, never addresses: no path is stored)."""

    COMMUNE = "commune", pgettext_lazy("page kind", "Commune page")
    DOCUMENT = "document", pgettext_lazy("page kind", "Document")
    DOWNLOAD = "download", pgettext_lazy("page kind", "File download")
    CONTRACT = "contract", pgettext_lazy("page kind", "Contract")
    AGENDA = "agenda", pgettext_lazy("page kind", "Agenda")
    TRANSPARENCY = "transparency", pgettext_lazy("page kind", "Transparency register")
    SESSION = "session", pgettext_lazy("page kind", "Council session")
    FORUM = "forum", pgettext_lazy("page kind", "Forum")
    CONSULTATION = "consultation", pgettext_lazy("page kind", "Consultation")
    COMMITMENT = "commitment", pgettext_lazy("page kind", "Commitment")
    COUNCIL = "council", pgettext_lazy("page kind", "Council record")
    PRACTICE = "practice", pgettext_lazy("page kind", "Good practice")
    EVALUATION = "evaluation", pgettext_lazy("page kind", "Evaluation")


class DailyUsage(models.Model):
    """Views of one kind of page of one commune on one day: a count, nothing else (no address, no
    account, no path). Written in batches from the counters (evaluation/usage.py)."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=PageKind.choices)
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commune", "day", "kind"], name="evaluation_usage_unique")
        ]
        indexes = [models.Index(fields=["commune", "day"])]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day} {self.kind}: {self.views}"


class UsageBatch(models.Model):
    """A batch of counts taken from Redis (the renamed hash's name) whose rows are written: recorded
    in the transaction that writes them, so that a batch that died after writing but before deleting
    its hash, or two batches taking the same abandoned hash, never add its counts twice."""

    name = models.CharField(max_length=200, unique=True)
    written_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.name


class DailyAudience(models.Model):
    """A commune's followers (web and SMS) at the end of a day, kept so that the curve of followers
    over time is what it was (unfollows included), not rebuilt from who follows today."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    followers = models.PositiveIntegerField(default=0)
    sms_subscribers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="evaluation_audience_unique")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day}: {self.followers}"


class Gender(models.TextChoices):
    WOMAN = "woman", pgettext_lazy("gender", "Woman")
    MAN = "man", pgettext_lazy("gender", "Man")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class AgeBand(models.TextChoices):
    """Bands chosen to answer the foundation's questions: young people (under 35), elderly people
    (60 and over). The bands match the workshops' (consultations.Workshop)."""

    UNDER_18 = "under_18", _("Under 18")
    AGE_18_34 = "18_34", _("18 to 34")
    AGE_35_59 = "35_59", _("35 to 59")
    AGE_60_PLUS = "60_plus", _("60 and over")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class Disability(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class ParticipantProfile(models.Model):
    """What a person chose to tell about themselves, by consent, to show who takes part. Only ever
    read in aggregate, with small groups suppressed (evaluation/groups.py). Deleting it deletes the
    row: nothing of it is kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant_profile"
    )
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    age_band = models.CharField(_("age"), max_length=12, choices=AgeBand.choices, default=AgeBand.UNDISCLOSED)
    arrondissement = models.ForeignKey(
        Arrondissement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arrondissement"),
    )
    disability = models.CharField(
        _("living with a disability"),
        max_length=12,
        choices=Disability.choices,
        default=Disability.UNDISCLOSED,
    )
    consented_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class EvaluationReport(models.Model):
    """A commune's yearly evaluation: its figures are computed while it is a draft, and frozen in
    ``figures`` when staff publish it (with their commentary), so the public report never moves."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    commentary = models.TextField(_("the commune's commentary"), blank=True, max_length=MAX_COMMENTARY_CHARS)
    figures = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commune", "year"], name="evaluation_report_unique")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.year} ({self.status})"


class GroupSnapshot(models.Model):
    """A commune's group tables for a closed period, computed once (the first time they are shown)
    and never again: a profile edited or deleted later changes no figure anyone has seen, so nobody
    can learn one person's answers by watching a figure move (evaluation/groups.py)."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    end = models.DateField()
    data = models.JSONField()
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "start", "end"], name="evaluation_group_snapshot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.start}–{self.end}"
