"""The questionnaire as a plain HTML form, and back: what the browser sends turned into the answers
``consultations.services.answers.response_save`` takes.

One input name per question, ``q<id>``: radio buttons (single choice), checkboxes (multiple choice,
projects of an envelope), a textarea (free text). A ranking is one ``<select>`` of rank per option,
``q<id>_o<option id>`` ("" for not ranked); the form turns them into the ordered ``ranking`` list and
refuses two options given the same rank, next to the question, before asking the service. Everything
else (an option of another question, too many choices, an envelope overspent, a required question
left empty) is the service's to judge; its refusals come back keyed ``question_<id>`` and
``arrondissement`` and go next to their question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations.models import MAX_TEXT_ANSWER_CHARS, Question, QuestionKind, Response
from consultations.money import format_xof


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def rank_name(question: Question, option_id: int) -> str:
    return f"q{question.pk}_o{option_id}"


def error_key(question_id: int) -> str:
    """The service's key for a question's errors."""
    return f"question_{question_id}"


@dataclass
class Value:
    """What one question holds: chosen option ids (in rank order for a ranking), the ranks as typed,
    the text."""

    chosen: list[int] = field(default_factory=list)
    ranks: dict[int, str] = field(default_factory=dict)
    text: str = ""


@dataclass
class Choice:
    pk: int
    label: str
    description: str
    input_id: str
    name: str
    checked: bool = False
    rank: str = ""
    cost: str = ""


@dataclass
class Block:
    """A question's fieldset: its inputs, its hints and its errors."""

    question: Question
    choices: list[Choice]
    text: str = ""
    errors: list[str] = field(default_factory=list)
    # Envelope: the total cost of the projects chosen.
    chosen_total: str = ""

    @property
    def pk(self) -> int:
        return int(self.question.pk)

    @property
    def anchor(self) -> str:
        return f"question-{self.question.pk}"

    @property
    def name(self) -> str:
        return field_name(self.question)

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def ranks(self) -> list[int]:
        return list(range(1, len(self.choices) + 1))

    @property
    def envelope(self) -> str:
        return format_xof(self.question.envelope_xof or 0)

    @property
    def max_length(self) -> int:
        return MAX_TEXT_ANSWER_CHARS

    @property
    def hint(self) -> str:
        question = self.question
        limit = question.max_choices
        if question.kind == QuestionKind.SINGLE:
            return _("Choose one answer.")
        if question.kind == QuestionKind.MULTIPLE:
            if limit:
                return ngettext(
                    "Choose at most %(max)d answer.", "Choose at most %(max)d answers.", limit
                ) % {"max": limit}
            return _("Choose as many answers as you like.")
        if question.kind == QuestionKind.RANKING:
            text = _("Give rank 1 to your first priority, 2 to the next, and so on. Each rank once.")
            if limit:
                text += " " + ngettext(
                    "Rank at most %(max)d priority.", "Rank at most %(max)d priorities.", limit
                ) % {"max": limit}
            return text
        if question.kind == QuestionKind.ENVELOPE:
            return _("Choose the projects to fund: together they must not cost more than the envelope.")
        return ngettext(
            "At most %(max)d character.", "At most %(max)d characters.", MAX_TEXT_ANSWER_CHARS
        ) % {"max": MAX_TEXT_ANSWER_CHARS}


def values_from_response(response: Response | None) -> tuple[dict[int, Value], str]:
    """The saved answers by question, and the arrondissement chosen ("" none)."""
    if response is None:
        return {}, ""
    values: dict[int, Value] = {}
    for answer in response.answers.all():
        selections = sorted(answer.selections.all(), key=lambda s: (s.rank or 0, s.pk))
        values[answer.question_id] = Value(
            chosen=[s.option_id for s in selections],
            ranks={s.option_id: str(s.rank) for s in selections if s.rank},
            text=answer.text,
        )
    return values, str(response.arrondissement_id or "")


@dataclass
class Parsed:
    """The form as sent: the service's data, the values to show again, and the form's own errors."""

    data: dict[str, Any]
    values: dict[int, Value]
    arrondissement: str
    errors: dict[str, list[str]]


def _ids(raw: list[str]) -> list[int]:
    out = []
    for value in raw:
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) < 12:
            out.append(int(text))
    return out


def parse(questions: list[Question], post: QueryDict) -> Parsed:
    answers: list[dict[str, Any]] = []
    values: dict[int, Value] = {}
    errors: dict[str, list[str]] = {}
    for question in questions:
        name = field_name(question)
        kind = question.kind
        value = Value()
        if kind == QuestionKind.TEXT:
            value.text = post.get(name, "")
            if value.text.strip():
                answers.append({"question": question.pk, "text": value.text})
        elif kind == QuestionKind.SINGLE:
            raw = post.get(name, "").strip()
            value.chosen = _ids([raw])
            if raw:
                answers.append({"question": question.pk, "option": raw})
        elif kind in (QuestionKind.MULTIPLE, QuestionKind.ENVELOPE):
            raw_list = [v for v in post.getlist(name) if v.strip()]
            value.chosen = _ids(raw_list)
            if raw_list:
                key = "options" if kind == QuestionKind.MULTIPLE else "projects"
                answers.append({"question": question.pk, key: raw_list})
        else:
            ranking = _ranking(question, post, value, errors)
            if ranking:
                answers.append({"question": question.pk, "ranking": ranking})
        values[question.pk] = value
    arrondissement = post.get("arrondissement", "").strip()
    data = {"arrondissement": arrondissement or None, "answers": answers}
    return Parsed(data, values, arrondissement, errors)


def _ranking(question: Question, post: QueryDict, value: Value, errors: dict[str, list[str]]) -> list[int]:
    """The options in rank order, or [] with an error next to the question."""
    options = [o.pk for o in question.options.all()]
    count = len(options)
    by_rank: dict[int, list[int]] = {}
    bad = False
    for option_id in options:
        raw = post.get(rank_name(question, option_id), "").strip()
        if not raw:
            continue
        value.ranks[option_id] = raw
        rank = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0
        if not 1 <= rank <= count:
            bad = True
            continue
        by_rank.setdefault(rank, []).append(option_id)
    key = error_key(question.pk)
    if bad:
        errors.setdefault(key, []).append(
            _("Choose a rank between 1 and %(max)d, or “not ranked”.") % {"max": count}
        )
    twice = sorted(rank for rank, ids in by_rank.items() if len(ids) > 1)
    if twice:
        errors.setdefault(key, []).append(
            ngettext(
                "Two options have rank %(ranks)s: give each rank to one option only.",
                "Several options share ranks %(ranks)s: give each rank to one option only.",
                len(twice),
            )
            % {"ranks": ", ".join(str(r) for r in twice)}
        )
    ordered = [ids[0] for _rank, ids in sorted(by_rank.items())]
    value.chosen = ordered
    return [] if key in errors else ordered


def blocks(questions: list[Question], values: dict[int, Value], errors: dict[str, list[str]]) -> list[Block]:
    """The fieldsets of the form, filled with ``values`` and their errors."""
    out = []
    for question in questions:
        value = values.get(question.pk, Value())
        options = list(question.options.all())
        choices = []
        for option in options:
            choices.append(
                Choice(
                    pk=option.pk,
                    label=option.label,
                    description=option.description,
                    input_id=f"q{question.pk}-o{option.pk}",
                    name=rank_name(question, option.pk)
                    if question.kind == QuestionKind.RANKING
                    else field_name(question),
                    checked=option.pk in value.chosen,
                    rank=value.ranks.get(option.pk, ""),
                    cost=format_xof(option.cost_xof or 0) if question.kind == QuestionKind.ENVELOPE else "",
                )
            )
        block = Block(question, choices, text=value.text, errors=list(errors.get(error_key(question.pk), [])))
        if question.kind == QuestionKind.ENVELOPE and value.chosen:
            costs = {o.pk: o.cost_xof or 0 for o in options}
            block.chosen_total = format_xof(sum(costs.get(pk, 0) for pk in value.chosen))
        out.append(block)
    return out


def summary(
    blocks_: list[Block], errors: dict[str, list[str]], arrondissement_label: str
) -> list[tuple[str, str]]:
    """The error summary: (link target, message) for each error, in the form's order."""
    items: list[tuple[str, str]] = []
    for block in blocks_:
        for message in block.errors:
            items.append(
                (
                    f"#{block.anchor}",
                    _("%(question)s: %(error)s") % {"question": block.question.prompt, "error": message},
                )
            )
    for message in errors.get("arrondissement", []):
        items.append(
            (
                "#id_arrondissement",
                _("%(question)s: %(error)s") % {"question": arrondissement_label, "error": message},
            )
        )
    known = {error_key(b.pk) for b in blocks_} | {"arrondissement"}
    for key, messages in errors.items():
        if key not in known:
            items.extend(("", message) for message in messages)
    return items
