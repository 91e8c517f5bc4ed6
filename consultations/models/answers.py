"""Answers given online: one ``Response`` per account, its ``Answer`` to each question and the options
chosen (``Selection``: an option, its rank, or the amount given to it in an envelope)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models.consultation import Consultation, Option, Question
from consultations.models.limits import MAX_TEXT_ANSWER_CHARS
from hub.models import Arrondissement


class Response(models.Model):
    """One account's answers to a consultation: a draft until submitted; editable while it is open."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    arrondissement = models.ForeignKey(
        Arrondissement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("your arrondissement"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="response_one_per_account"),
        ]
        indexes = [models.Index(fields=["consultation", "submitted_at"], name="response_submitted_idx")]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.consultation_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, max_length=MAX_TEXT_ANSWER_CHARS)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class Selection(models.Model):
    """An option chosen in an answer: with its rank (ranking, 1 first) or its amount (envelope)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="selections")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_xof = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [
            models.UniqueConstraint(fields=["answer", "option"], name="selection_once_per_option"),
        ]

    def __str__(self) -> str:
        return f"selection of {self.option_id}"
