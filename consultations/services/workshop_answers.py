"""The group's answers of a workshop to the questionnaire: checking them (against each question's
kind and the workshop's participants, every question in error under ``question_<id>``), writing
them, and reading them back in the shape they are sent (``workshops.py`` records the workshop)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from consultations.models import (
    CHOICE_KINDS,
    MAX_ENVELOPE_XOF,
    MAX_PARTICIPANTS,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Workshop,
    WorkshopAnswer,
)
from consultations.money import format_xof
from consultations.services.common import Cleaner
from hub.cleaning import as_id

# The value each kind of question takes in a workshop answer.
VALUE_KEYS = {
    QuestionKind.SINGLE: "count",
    QuestionKind.MULTIPLE: "count",
    QuestionKind.RANKING: "rank",
    QuestionKind.ENVELOPE: "amount_xof",
}


def question_field(question_id: int) -> str:
    """The name under which a question's answers are refused (``fields``)."""
    return f"question_{question_id}"


@dataclass(frozen=True)
class AnswerRow:
    question: Question
    option: Option
    value: int


def answers_clean(
    cleaner: Cleaner, value: Any, consultation: Consultation, participants: int | None
) -> list[AnswerRow]:
    """The group's answers, checked against the questions' kinds and the participants."""
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple):
        cleaner.fail("answers", _("Send the answers as a list."))
        return []
    questions = {
        question.pk: question
        for question in Question.objects.filter(consultation=consultation).prefetch_related("options")
    }
    options = {option.pk: option for question in questions.values() for option in question.options.all()}
    rows: dict[int, list[AnswerRow]] = {}
    seen: set[int] = set()
    for item in value:
        if not isinstance(item, Mapping):
            cleaner.fail("answers", _("Each answer names a question, an option and a value."))
            continue
        question = questions.get(as_id(item.get("question")) or 0)
        if question is None:
            cleaner.fail("answers", _("This question is not part of this consultation."))
            continue
        field = question_field(question.pk)
        if question.kind not in CHOICE_KINDS:
            cleaner.fail(
                field, _("“%(prompt)s” is answered in writing online only.") % {"prompt": question.prompt}
            )
            continue
        option = options.get(as_id(item.get("option")) or 0)
        if option is None or option.question_id != question.pk:
            cleaner.fail(field, _("This option is not one of this question's."))
            continue
        if option.pk in seen:
            cleaner.fail(field, _("“%(label)s” is given twice.") % {"label": option.label})
            continue
        seen.add(option.pk)
        key = VALUE_KEYS[QuestionKind(question.kind)]
        if question.kind == QuestionKind.RANKING:
            number = cleaner.count(item.get(key), field=field, maximum=len(question.options.all()), minimum=1)
        elif question.kind == QuestionKind.ENVELOPE:
            number = cleaner.count(item.get(key), field=field, maximum=MAX_ENVELOPE_XOF)
        else:
            number = cleaner.count(item.get(key), field=field, maximum=MAX_PARTICIPANTS)
        if number is not None:
            rows.setdefault(question.pk, []).append(AnswerRow(question, option, number))
    for question_id, answers in rows.items():
        _question_check(cleaner, questions[question_id], answers, participants)
    return [row for answers in rows.values() for row in answers]


def _question_check(
    cleaner: Cleaner, question: Question, answers: Sequence[AnswerRow], participants: int | None
) -> None:
    field = question_field(question.pk)
    values = [row.value for row in answers]
    if question.kind == QuestionKind.SINGLE and participants is not None and sum(values) > participants:
        cleaner.fail(
            field,
            _("One choice each: the counts add up to %(sum)d, more than the %(total)d participants.")
            % {"sum": sum(values), "total": participants},
        )
    elif question.kind == QuestionKind.MULTIPLE and participants is not None:
        for row in answers:
            if row.value > participants:
                cleaner.fail(
                    field,
                    _("“%(label)s”: %(count)d, more than the %(total)d participants.")
                    % {"label": row.option.label, "count": row.value, "total": participants},
                )
        if question.max_choices and sum(values) > participants * question.max_choices:
            cleaner.fail(
                field,
                _("At most %(max)d choices each: the counts cannot add up to more than %(limit)d.")
                % {"max": question.max_choices, "limit": participants * question.max_choices},
            )
    elif question.kind == QuestionKind.RANKING:
        if len(set(values)) != len(values):
            cleaner.fail(field, _("Each rank is given once: two options have the same rank."))
        elif sorted(values) != list(range(1, len(values) + 1)):
            cleaner.fail(field, _("The ranks follow each other from 1 (1, 2, 3…) without a gap."))
        if question.max_choices and len(values) > question.max_choices:
            cleaner.fail(field, _("Rank at most %(max)d options.") % {"max": question.max_choices})
    elif question.kind == QuestionKind.ENVELOPE:
        envelope = question.envelope_xof or 0
        if sum(values) > envelope:
            cleaner.fail(
                field,
                _("The amounts add up to %(sum)s, more than the envelope of %(envelope)s.")
                % {"sum": format_xof(sum(values)), "envelope": format_xof(envelope)},
            )


def answers_write(workshop: Workshop, rows: Sequence[AnswerRow]) -> None:
    """Replace the workshop's answers with ``rows`` (checked by ``answers_clean``)."""
    WorkshopAnswer.objects.filter(workshop=workshop).delete()
    WorkshopAnswer.objects.bulk_create(
        WorkshopAnswer(
            workshop=workshop,
            question=row.question,
            option=row.option,
            **{VALUE_KEYS[QuestionKind(row.question.kind)]: row.value},
        )
        for row in rows
    )


def answer_value(row: WorkshopAnswer) -> dict[str, Any]:
    """A stored answer's value as it is sent (``{"count": 12}``, ``{"rank": 1}``...)."""
    if row.rank is not None:
        return {"rank": row.rank}
    if row.amount_xof is not None:
        return {"amount_xof": row.amount_xof}
    return {"count": row.count}
