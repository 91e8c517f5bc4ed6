"""A consultation and what it asks: its phases, its questionnaire (``Question``, ``Option``) and the
draft's sections citizens comment on (``Section``, ``Comment``)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.models.limits import (
    MAX_COMMENT_CHARS,
    MAX_HELP_CHARS,
    MAX_IDEMPOTENCY_KEY,
    MAX_OPTION_CHARS,
    MAX_OPTION_DESCRIPTION_CHARS,
    MAX_PROMPT_CHARS,
    MAX_RESPONSE_CHARS,
    MAX_SECTION_BODY_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
)
from hub.models import Commune


class Phase(models.TextChoices):
    # With a context: "Open" and "Closed" are masculine elsewhere (sessions, polls).
    DRAFT = "draft", pgettext_lazy("consultation phase", "Draft (staff only)")
    ANNOUNCED = "announced", pgettext_lazy("consultation phase", "Announced")
    OPEN = "open", pgettext_lazy("consultation phase", "Open")
    CLOSED = "closed", pgettext_lazy("consultation phase", "Closed")
    RESPONDED = "responded", pgettext_lazy("consultation phase", "Response published")


PUBLIC_PHASES = (Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED, Phase.RESPONDED)
RESULTS_PUBLIC_PHASES = (Phase.CLOSED, Phase.RESPONDED)


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def public(self) -> ConsultationQuerySet:
        return self.filter(phase__in=PUBLIC_PHASES)


class Consultation(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="consultations")
    title = models.CharField(_("title"), max_length=MAX_TITLE_CHARS)
    summary = models.TextField(_("summary"), blank=True, max_length=MAX_SUMMARY_CHARS)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.DRAFT)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # The draft the consultation is about, and the version of its file when the consultation was made.
    draft = models.ForeignKey(
        "publications.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("draft document"),
    )
    draft_file = models.ForeignKey(
        "publications.DocumentFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comments_enabled = models.BooleanField(_("comments on the draft's sections"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The "week before it closes" reminder was sent (once).
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The commune's response: what it heard, what it will do, and the adopted document.
    response_text = models.TextField(_("response"), blank=True, max_length=MAX_RESPONSE_CHARS)
    adopted_document = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adopted document"),
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["commune", "phase"], name="consultation_commune_phase")]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="consultation_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("frontend:consultation-detail", args=[self.commune.slug, self.pk])

    @property
    def is_public(self) -> bool:
        return self.phase in PUBLIC_PHASES

    @property
    def is_open(self) -> bool:
        return self.phase == Phase.OPEN

    def acceptance(self, now: datetime.datetime | None = None) -> str:
        """Whether answers, comments and workshops are taken at ``now``: ``"open"``, ``"not_yet"``
        (not opened, or opened for a later time) or ``"closed"`` (closed, or open but past its closing
        time until the periodic pass closes it). The one rule every write checks."""
        now = now or timezone.now()
        if self.phase in (Phase.DRAFT, Phase.ANNOUNCED) or (self.phase == Phase.OPEN and self.opens_at > now):
            return "not_yet"
        if self.phase != Phase.OPEN or self.closes_at <= now:
            return "closed"
        return "open"

    def accepts_answers(self, now: datetime.datetime | None = None) -> bool:
        return self.acceptance(now) == "open"

    @property
    def results_public(self) -> bool:
        return self.phase in RESULTS_PUBLIC_PHASES


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKING = "ranking", _("Ranking of priorities")
    ENVELOPE = "envelope", _("Allocation of an envelope (XOF)")
    TEXT = "text", _("Short free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.ENVELOPE)


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    prompt = models.CharField(_("question"), max_length=MAX_PROMPT_CHARS)
    help_text = models.TextField(_("explanation"), blank=True, max_length=MAX_HELP_CHARS)
    required = models.BooleanField(_("an answer is required"), default=False)
    # Multiple choice: at most this many options (null: any number). Ranking: rank at most this many.
    max_choices = models.PositiveSmallIntegerField(_("at most (choices)"), null=True, blank=True)
    # Envelope allocation: the amount to share out, in XOF.
    envelope_xof = models.PositiveBigIntegerField(_("envelope (XOF)"), null=True, blank=True)

    class Meta:
        ordering = ["consultation", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="question_unique_position"),
            models.CheckConstraint(
                condition=~Q(kind="envelope") | Q(envelope_xof__gt=0), name="question_envelope_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt


class Option(models.Model):
    """An answer to choose, a priority to rank or a project to fund (with its cost)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=MAX_OPTION_CHARS)
    description = models.TextField(_("description"), blank=True, max_length=MAX_OPTION_DESCRIPTION_CHARS)
    cost_xof = models.PositiveBigIntegerField(_("cost (XOF)"), null=True, blank=True)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_unique_position"),
        ]

    def __str__(self) -> str:
        return self.label


class Section(models.Model):
    """A section of the draft citizens comment on (e.g. "Axe 2 : eau et assainissement")."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=MAX_TITLE_CHARS)
    body = models.TextField(_("text"), blank=True, max_length=MAX_SECTION_BODY_CHARS)

    class Meta:
        ordering = ["consultation", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="section_unique_position"),
        ]

    def __str__(self) -> str:
        return self.heading


class Comment(models.Model):
    """A citizen's comment on a section, or a staff member's reply to one (``parent``)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), max_length=MAX_COMMENT_CHARS)
    is_staff_reply = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    # The client's key for this write: a retried post (a lost answer, a queued offline post) returns
    # the comment already made instead of a second one.
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["section", "created_at"], name="consultation_comment_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="consultation_comment_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on section {self.section_id}"
