"""A consultation's questionnaire and the sections of its draft: cleaning what staff send (every
field in error at once, under ``questions.<n>.<field>`` and ``sections.<n>.<field>``), checking there
is something to answer, and replacing the questions and sections (``consultation_create`` and
``consultation_update`` in ``consultations.py`` call these)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    MAX_ENVELOPE_XOF,
    MAX_HELP_CHARS,
    MAX_OPTION_CHARS,
    MAX_OPTION_DESCRIPTION_CHARS,
    MAX_OPTIONS,
    MAX_PROMPT_CHARS,
    MAX_QUESTIONS,
    MAX_SECTION_BODY_CHARS,
    MAX_SECTIONS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    Consultation,
    Option,
    Phase,
    Question,
    QuestionKind,
    Section,
)
from consultations.services.common import Cleaner
from hub.cleaning import as_id
from hub.models import Commune
from publications.models import Document, PublicationState


def document_clean(cleaner: Cleaner, value: Any, *, field: str, commune: Commune) -> Document | None:
    """A published document of the commune (the draft, the adopted document); empty is None."""
    if value is None or value == "":
        return None
    pk = as_id(value)
    found = (
        Document.objects.filter(pk=pk, commune=commune, state=PublicationState.PUBLISHED).first()
        if pk
        else None
    )
    if found is None:
        cleaner.fail(field, _("Choose a published document of this commune."))
    return found


def _clean_options(cleaner: Cleaner, raw: Any, *, field: str, kind: str) -> list[dict[str, Any]]:
    if kind == QuestionKind.TEXT:
        if raw:
            cleaner.fail(field, _("A free-text question has no options."))
        return []
    if not isinstance(raw, list):
        cleaner.fail(field, _("Send a list of options."))
        return []
    minimum = 1 if kind == QuestionKind.ENVELOPE else 2
    if len(raw) < minimum:
        cleaner.fail(field, _("Give at least %(min)d options.") % {"min": minimum})
    if len(raw) > MAX_OPTIONS:
        cleaner.fail(field, _("At most %(max)d options.") % {"max": MAX_OPTIONS})
        return []
    options: list[dict[str, Any]] = []
    labels: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{field}.{index}"
        if not isinstance(item, dict):
            cleaner.fail(where, _("Send an object with a label."))
            continue
        label = cleaner.text(
            item.get("label"), field=f"{where}.label", max_length=MAX_OPTION_CHARS, required=True
        )
        if label and label.casefold() in labels:
            cleaner.fail(f"{where}.label", _("Two options have the same label."))
        if label:
            labels.add(label.casefold())
        description = cleaner.text(
            item.get("description"),
            field=f"{where}.description",
            max_length=MAX_OPTION_DESCRIPTION_CHARS,
            required=False,
        )
        cost = None
        if kind == QuestionKind.ENVELOPE:
            cost = cleaner.count(
                item.get("cost_xof"), field=f"{where}.cost_xof", maximum=MAX_ENVELOPE_XOF, minimum=1
            )
        elif item.get("cost_xof") not in (None, ""):
            cleaner.fail(f"{where}.cost_xof", _("Only the projects of an envelope allocation have a cost."))
        options.append({"label": label, "description": description, "cost_xof": cost})
    return options


def _clean_questions(cleaner: Cleaner, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        cleaner.fail("questions", _("Send a list of questions."))
        return []
    if len(raw) > MAX_QUESTIONS:
        cleaner.fail("questions", _("At most %(max)d questions.") % {"max": MAX_QUESTIONS})
        return []
    questions: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        field = f"questions.{index}"
        if not isinstance(item, dict):
            cleaner.fail(field, _("Send an object with a kind and a question."))
            continue
        kind = cleaner.choice(item.get("kind"), field=f"{field}.kind", choices=list(QuestionKind.values))
        prompt = cleaner.text(
            item.get("prompt"), field=f"{field}.prompt", max_length=MAX_PROMPT_CHARS, required=True
        )
        help_text = cleaner.text(
            item.get("help_text"), field=f"{field}.help_text", max_length=MAX_HELP_CHARS, required=False
        )
        required = cleaner.flag(item.get("required", False), field=f"{field}.required")
        options = (
            _clean_options(cleaner, item.get("options") or [], field=f"{field}.options", kind=kind)
            if kind
            else []
        )
        max_choices = None
        if kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING):
            max_choices = cleaner.count(
                item.get("max_choices"),
                field=f"{field}.max_choices",
                maximum=max(len(options), 1),
                minimum=1,
                required=False,
            )
        elif item.get("max_choices") not in (None, ""):
            cleaner.fail(
                f"{field}.max_choices", _("Only multiple-choice and ranking questions limit the choices.")
            )
        envelope = None
        if kind == QuestionKind.ENVELOPE:
            envelope = cleaner.count(
                item.get("envelope_xof"), field=f"{field}.envelope_xof", maximum=MAX_ENVELOPE_XOF, minimum=1
            )
        elif item.get("envelope_xof") not in (None, ""):
            cleaner.fail(f"{field}.envelope_xof", _("Only an envelope allocation has an envelope."))
        questions.append(
            {
                "kind": kind,
                "prompt": prompt,
                "help_text": help_text,
                "required": required,
                "max_choices": max_choices,
                "envelope_xof": envelope,
                "options": options,
            }
        )
    return questions


def _clean_sections(cleaner: Cleaner, raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        cleaner.fail("sections", _("Send a list of sections."))
        return []
    if len(raw) > MAX_SECTIONS:
        cleaner.fail("sections", _("At most %(max)d sections.") % {"max": MAX_SECTIONS})
        return []
    sections = []
    for index, item in enumerate(raw):
        field = f"sections.{index}"
        if not isinstance(item, dict):
            cleaner.fail(field, _("Send an object with a heading."))
            continue
        sections.append(
            {
                "heading": cleaner.text(
                    item.get("heading"), field=f"{field}.heading", max_length=MAX_TITLE_CHARS, required=True
                ),
                "body": cleaner.text(
                    item.get("body"), field=f"{field}.body", max_length=MAX_SECTION_BODY_CHARS, required=False
                ),
            }
        )
    return sections


def consultation_clean(
    data: dict[str, Any], *, commune: Commune, current: Consultation | None, structure: bool
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[dict[str, str]] | None]:
    """The consultation's fields, its questions and its sections (None: not sent, keep them)."""
    if not isinstance(data, dict):
        cleaner = Cleaner()
        cleaner.fail("non_field_errors", _("Send an object."))
        cleaner.done()
    cleaner = Cleaner()
    clean: dict[str, Any] = {}
    partial = current is not None
    if not partial or "title" in data:
        clean["title"] = cleaner.text(
            data.get("title"), field="title", max_length=MAX_TITLE_CHARS, required=True
        )
    if not partial or "summary" in data:
        clean["summary"] = cleaner.text(
            data.get("summary"), field="summary", max_length=MAX_SUMMARY_CHARS, required=False
        )
    for name in ("opens_at", "closes_at"):
        if not partial or name in data:
            clean[name] = cleaner.moment(data.get(name), field=name)
    if structure:
        if not partial or "draft" in data:
            clean["draft"] = document_clean(cleaner, data.get("draft"), field="draft", commune=commune)
        if not partial or "comments_enabled" in data:
            clean["comments_enabled"] = cleaner.flag(
                data.get("comments_enabled", False), field="comments_enabled"
            )
    questions = (
        _clean_questions(cleaner, data.get("questions")) if structure and "questions" in data else None
    )
    sections = _clean_sections(cleaner, data.get("sections")) if structure and "sections" in data else None
    opens = clean.get("opens_at", current.opens_at if current else None)
    closes = clean.get("closes_at", current.closes_at if current else None)
    if opens and closes and closes <= opens:
        cleaner.fail("closes_at", _("The consultation must close after it opens."))
    if current is not None and current.phase == Phase.OPEN and "closes_at" in clean and closes:
        if closes < current.closes_at:
            cleaner.fail("closes_at", _("An open consultation's closing date can only be pushed back."))
        if closes <= timezone.now():
            cleaner.fail("closes_at", _("The closing date must be in the future."))
    cleaner.done()
    return clean, questions, sections


def content_check(consultation: Consultation) -> None:
    """Something to answer or comment on: at least one question, or comments with a section."""
    has_questions = consultation.questions.exists()
    has_sections = consultation.sections.exists()
    cleaner = Cleaner()
    if consultation.comments_enabled and not has_sections:
        cleaner.fail("sections", _("Comments on the draft need at least one section."))
    if not has_questions and not (consultation.comments_enabled and has_sections):
        cleaner.fail("questions", _("Add at least one question, or sections of the draft to comment on."))
    cleaner.done()


def questions_replace(consultation: Consultation, questions: list[dict[str, Any]]) -> None:
    """The cleaned questions, with their options, replace the consultation's."""
    consultation.questions.all().delete()
    for position, item in enumerate(questions, start=1):
        options = item.pop("options")
        question = Question.objects.create(consultation=consultation, position=position, **item)
        Option.objects.bulk_create(
            Option(question=question, position=index, **option)
            for index, option in enumerate(options, start=1)
        )


def sections_replace(consultation: Consultation, sections: list[dict[str, str]]) -> None:
    """The cleaned sections replace the consultation's."""
    consultation.sections.all().delete()
    Section.objects.bulk_create(
        Section(consultation=consultation, position=position, **item)
        for position, item in enumerate(sections, start=1)
    )
