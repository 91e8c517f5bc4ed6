"""Input serializers of the consultations API: they check the shape and the JSON types the schema
states (``hub.api.validation.validated``: 400 ``invalid`` with ``fields``); the services decide the
rest (an option of this question, a ranking without repeats, the envelope, a required question, the
closing date after the opening...) and answer 400 ``validation_error`` with ``fields`` (a question's
under ``question_<id>``).

Lists of objects are ``ListField(child=...)`` rather than ``many=True``, so that the JSON types of
their items are checked too (a string where the schema says integer is refused, never read as one)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from consultations.models import (
    MAX_COMMENT_CHARS,
    MAX_ENVELOPE_XOF,
    MAX_HELP_CHARS,
    MAX_IDEMPOTENCY_KEY,
    MAX_OPTION_CHARS,
    MAX_OPTION_DESCRIPTION_CHARS,
    MAX_OPTIONS,
    MAX_PROMPT_CHARS,
    MAX_QUESTIONS,
    MAX_RESPONSE_CHARS,
    MAX_SECTION_BODY_CHARS,
    MAX_SECTIONS,
    MAX_SUMMARY_CHARS,
    MAX_TEXT_ANSWER_CHARS,
    MAX_TITLE_CHARS,
    Phase,
    QuestionKind,
)
from hub.api.validation import ID_MAX, DateTimeInRange

# The phases staff move a consultation to (the response has its own operation). Named in
# SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] ("ConsultationPhaseMoveEnum").
PHASE_MOVE_CHOICES = [(p.value, p.label) for p in (Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED)]
MAX_REASON_CHARS = 300


def an_id(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **options)


def id_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=an_id(), required=False, max_length=MAX_OPTIONS, help_text=help_text)


class ConsultationQueryIn(serializers.Serializer):
    phase = serializers.ChoiceField(
        choices=Phase.choices, required=False, help_text="Only the consultations in this phase."
    )


class ConsultationOptionIn(serializers.Serializer):
    label = serializers.CharField(max_length=MAX_OPTION_CHARS)  # type: ignore[assignment]
    description = serializers.CharField(
        max_length=MAX_OPTION_DESCRIPTION_CHARS, required=False, allow_blank=True
    )
    cost_xof = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ENVELOPE_XOF,
        required=False,
        allow_null=True,
        help_text="Envelope allocation only: the project's cost in XOF (required there).",
    )


class ConsultationQuestionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS)
    help_text = serializers.CharField(max_length=MAX_HELP_CHARS, required=False, allow_blank=True)  # type: ignore[assignment]
    required = serializers.BooleanField(required=False, help_text="An answer is required to submit.")  # type: ignore[assignment]
    max_choices = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OPTIONS,
        required=False,
        allow_null=True,
        help_text="Multiple choice: choose at most this many; ranking: rank at most this many.",
    )
    envelope_xof = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ENVELOPE_XOF,
        required=False,
        allow_null=True,
        help_text="Envelope allocation only (required there): the amount to share out, in XOF.",
    )
    options = serializers.ListField(
        child=ConsultationOptionIn(),
        required=False,
        max_length=MAX_OPTIONS,
        help_text="Choice questions: at least two (one project for an envelope); none for free text.",
    )


class ConsultationSectionIn(serializers.Serializer):
    heading = serializers.CharField(max_length=MAX_TITLE_CHARS)
    body = serializers.CharField(max_length=MAX_SECTION_BODY_CHARS, required=False, allow_blank=True)


class ConsultationIn(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_TITLE_CHARS)
    summary = serializers.CharField(max_length=MAX_SUMMARY_CHARS, required=False, allow_blank=True)
    opens_at = DateTimeInRange()
    closes_at = DateTimeInRange(help_text="After opens_at.")
    draft = an_id(
        required=False, allow_null=True, help_text="A published document of the commune: the draft consulted."
    )
    comments_enabled = serializers.BooleanField(
        required=False, help_text="Citizens comment on the draft's sections (then give sections)."
    )
    questions = serializers.ListField(
        child=ConsultationQuestionIn(),
        required=False,
        max_length=MAX_QUESTIONS,
        help_text="The questionnaire, in order.",
    )
    sections = serializers.ListField(
        child=ConsultationSectionIn(),
        required=False,
        max_length=MAX_SECTIONS,
        help_text="The draft's sections, in order.",
    )


class ConsultationPatchIn(ConsultationIn):
    """The fields sent only. Before it opens anything (questions and sections sent replace the old
    ones); once open, title, summary and a later closes_at; closed: nothing (409)."""

    title = serializers.CharField(max_length=MAX_TITLE_CHARS, required=False)
    opens_at = DateTimeInRange(required=False)
    closes_at = DateTimeInRange(required=False)


class ConsultationPhaseIn(serializers.Serializer):
    phase = serializers.ChoiceField(choices=PHASE_MOVE_CHOICES)


class ConsultationResponseIn(serializers.Serializer):
    response_text = serializers.CharField(
        max_length=MAX_RESPONSE_CHARS, help_text="What the commune heard and what it will do."
    )
    adopted_document = an_id(
        required=False, allow_null=True, help_text="The adopted document (published, of this commune)."
    )


class ConsultationAnswerIn(serializers.Serializer):
    """One question's answer, with the key of its kind only."""

    question = an_id()
    option = an_id(required=False, allow_null=True, help_text="Single choice: the option chosen.")
    options = id_list("Multiple choice: the options chosen.")
    ranking = id_list("Ranking: the options, first priority first.")
    projects = id_list("Envelope allocation: the projects funded (their costs within the envelope).")
    text = serializers.CharField(
        max_length=MAX_TEXT_ANSWER_CHARS, required=False, allow_blank=True, help_text="Free text."
    )


class ConsultationMyResponseIn(serializers.Serializer):
    arrondissement = an_id(
        required=False, allow_null=True, help_text="Your arrondissement (of this commune), if you wish."
    )
    answers = serializers.ListField(
        child=ConsultationAnswerIn(),
        required=False,
        max_length=MAX_QUESTIONS,
        help_text="The whole questionnaire: these answers replace the earlier ones.",
    )
    submit = serializers.BooleanField(
        required=False,
        default=False,
        help_text="false: save a draft (partial answers kept); true: submit (checked in full). "
        "A submitted response stays submitted.",
    )


class ConsultationCommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_COMMENT_CHARS)
    parent = an_id(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="Staff: the comment of this section replied to."
    )
    idempotency_key = serializers.CharField(
        max_length=MAX_IDEMPOTENCY_KEY,
        required=False,
        default="",
        help_text="The client's key for this post: posting again with it returns the comment already made.",
    )


class ConsultationCommentHideIn(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_REASON_CHARS, help_text="Kept in the audit log.")
