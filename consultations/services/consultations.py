"""Making and running a consultation: its questionnaire and sections, its phases, the response.

Phases move forward only: ``draft`` → ``announced`` → ``open`` → ``closed`` → ``responded`` (staff may
open a draft directly, and ``consultations_advance`` opens and closes on the announced dates). The
questionnaire and the sections can change until the consultation opens; once it is open only the
title, the summary and a later closing date can, so that no answer ever refers to a question that
changed under it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import notify
from consultations.errors import ConsultationNotFound, WrongPhase
from consultations.models import (
    MAX_ENVELOPE_XOF,
    MAX_HELP_CHARS,
    MAX_OPTION_CHARS,
    MAX_OPTION_DESCRIPTION_CHARS,
    MAX_OPTIONS,
    MAX_PROMPT_CHARS,
    MAX_QUESTIONS,
    MAX_RESPONSE_CHARS,
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
from consultations.services.common import Cleaner, as_id, require_manager
from hub.models import Commune, User
from hub.services.audit import audit_record
from publications.models import Document, PublicationState

# What staff may still change once answers can come in.
OPEN_EDITABLE = ("title", "summary", "closes_at")


def consultation_get(consultation_id: Any, *, commune: Commune | None = None) -> Consultation:
    pk = as_id(consultation_id)
    rows = Consultation.objects.select_related("commune", "draft", "draft_file", "adopted_document")
    if commune is not None:
        rows = rows.filter(commune=commune)
    found = rows.filter(pk=pk).first() if pk else None
    if found is None:
        raise ConsultationNotFound()
    return found


def _document(cleaner: Cleaner, value: Any, *, field: str, commune: Commune) -> Document | None:
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


def _clean(
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
            clean["draft"] = _document(cleaner, data.get("draft"), field="draft", commune=commune)
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


def _check_content(consultation: Consultation) -> None:
    """Something to answer or comment on: at least one question, or comments with a section."""
    has_questions = consultation.questions.exists()
    has_sections = consultation.sections.exists()
    cleaner = Cleaner()
    if consultation.comments_enabled and not has_sections:
        cleaner.fail("sections", _("Comments on the draft need at least one section."))
    if not has_questions and not (consultation.comments_enabled and has_sections):
        cleaner.fail("questions", _("Add at least one question, or sections of the draft to comment on."))
    cleaner.done()


def _replace_questions(consultation: Consultation, questions: list[dict[str, Any]]) -> None:
    consultation.questions.all().delete()
    for position, item in enumerate(questions, start=1):
        options = item.pop("options")
        question = Question.objects.create(consultation=consultation, position=position, **item)
        Option.objects.bulk_create(
            Option(question=question, position=index, **option)
            for index, option in enumerate(options, start=1)
        )


def _replace_sections(consultation: Consultation, sections: list[dict[str, str]]) -> None:
    consultation.sections.all().delete()
    Section.objects.bulk_create(
        Section(consultation=consultation, position=position, **item)
        for position, item in enumerate(sections, start=1)
    )


def _audit_fields(clean: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in clean.items():
        if isinstance(value, datetime.datetime):
            out[key] = value.isoformat()
        elif isinstance(value, Document):
            out[key] = value.pk
        else:
            out[key] = value
    return out


def consultation_create(actor: Any, commune: Commune, data: dict[str, Any]) -> Consultation:
    """A new consultation, in the ``draft`` phase (only staff see it until it is announced)."""
    user = require_manager(actor, commune)
    clean, questions, sections = _clean(data, commune=commune, current=None, structure=True)
    with transaction.atomic():
        consultation = Consultation.objects.create(commune=commune, created_by=user, **clean)
        draft = clean.get("draft")
        if draft is not None:
            consultation.draft_file = draft.files.filter(is_current=True).order_by("slot").first()
            consultation.save(update_fields=["draft_file"])
        _replace_questions(consultation, questions or [])
        _replace_sections(consultation, sections or [])
        audit_record(
            actor=user,
            action="consultations.create",
            obj=consultation,
            commune=commune,
            data={**_audit_fields(clean), "questions": len(questions or []), "sections": len(sections or [])},
        )
    return consultation


def consultation_update(actor: Any, consultation: Consultation, data: dict[str, Any]) -> Consultation:
    """Change a consultation. Before it opens, anything (the questions and sections sent replace the
    old ones); while it is open, the title, the summary and a later closing date; after, nothing.
    Once announced, it must keep something to answer after each change (a question, or sections to
    comment on): replace its only question in one change, not by deleting it first."""
    user = require_manager(actor, consultation.commune)
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.phase in (Phase.CLOSED, Phase.RESPONDED):
            raise WrongPhase(_("A closed consultation cannot be changed."))
        structure = locked.phase in (Phase.DRAFT, Phase.ANNOUNCED)
        if not structure and isinstance(data, dict):
            refused = sorted(set(data) - set(OPEN_EDITABLE))
            if refused:
                raise WrongPhase(
                    _(
                        "Once open, only the title, the summary and the closing date can change "
                        "(not: %(fields)s)."
                    )
                    % {"fields": ", ".join(refused)}
                )
        clean, questions, sections = _clean(data, commune=locked.commune, current=locked, structure=structure)
        for key, value in clean.items():
            setattr(locked, key, value)
        if "draft" in clean:
            draft = clean["draft"]
            locked.draft_file = (
                draft.files.filter(is_current=True).order_by("slot").first() if draft else None
            )
        locked.save()
        if questions is not None:
            _replace_questions(locked, questions)
        if sections is not None:
            _replace_sections(locked, sections)
        if locked.phase != Phase.DRAFT:
            _check_content(locked)
        audit_record(
            actor=user,
            action="consultations.update",
            obj=locked,
            commune=locked.commune,
            data={
                **_audit_fields(clean),
                **({"questions": len(questions)} if questions is not None else {}),
                **({"sections": len(sections)} if sections is not None else {}),
            },
        )
    locked.commune = consultation.commune
    return locked


# Phases each phase may move to (by staff).
NEXT_PHASES: dict[str, tuple[str, ...]] = {
    Phase.DRAFT: (Phase.ANNOUNCED, Phase.OPEN),
    Phase.ANNOUNCED: (Phase.OPEN,),
    Phase.OPEN: (Phase.CLOSED,),
    Phase.CLOSED: (),
    Phase.RESPONDED: (),
}


def _move(consultation: Consultation, target: str, *, actor: User | None, now: datetime.datetime) -> None:
    """Move a locked consultation to ``target``, with its time stamp and its notifications."""
    consultation.phase = target
    fields = ["phase", "updated_at"]
    if target == Phase.ANNOUNCED:
        consultation.announced_at = now
        fields.append("announced_at")
    elif target == Phase.OPEN:
        consultation.opened_at = now
        fields.append("opened_at")
        if consultation.announced_at is None:
            consultation.announced_at = now
            fields.append("announced_at")
        if consultation.opens_at > now:
            # Opened early by staff: the period starts now.
            consultation.opens_at = now
            fields.append("opens_at")
    elif target == Phase.CLOSED:
        consultation.closed_at = now
        fields.append("closed_at")
        if consultation.closes_at > now:
            consultation.closes_at = now
            fields.append("closes_at")
    consultation.save(update_fields=fields)
    if target == Phase.OPEN:
        notify.notify_opened(consultation)
    elif target == Phase.CLOSED:
        notify.notify_closed(consultation)
    audit_record(
        actor=actor,
        action=f"consultations.{target}",
        obj=consultation,
        commune=consultation.commune,
        data={"phase": target},
    )


def consultation_set_phase(actor: Any, consultation: Consultation, target: Any) -> Consultation:
    """Staff move a consultation on: announce it, open it, close it (the response has its own
    service). Refused with ``wrong_phase`` when the move is not allowed from the current phase."""
    user = require_manager(actor, consultation.commune)
    if target not in (Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED):
        cleaner = Cleaner()
        cleaner.fail("phase", _("Choose one of: %(choices)s.") % {"choices": "announced, open, closed"})
        cleaner.done()
    now = timezone.now()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().select_related("commune").get(pk=consultation.pk)
        if target not in NEXT_PHASES[locked.phase]:
            raise WrongPhase(
                _("A consultation that is %(current)s cannot become %(target)s.")
                % {"current": locked.get_phase_display(), "target": Phase(target).label}
            )
        if target in (Phase.ANNOUNCED, Phase.OPEN):
            _check_content(locked)
        if target in (Phase.ANNOUNCED, Phase.OPEN) and locked.closes_at <= now:
            raise WrongPhase(_("Its closing date has passed: set a later one first."))
        _move(locked, target, actor=user, now=now)
    return locked


def consultation_respond(actor: Any, consultation: Consultation, data: dict[str, Any]) -> Consultation:
    """Publish the commune's response to a closed consultation ("what we heard, what we will do"),
    linked to the adopted document; everyone who took part (online, by comment, or as the recorder of
    a workshop) and the commune's followers are told. Publishing again corrects the text (no second
    notification)."""
    user = require_manager(actor, consultation.commune)
    cleaner = Cleaner()
    if not isinstance(data, dict):
        cleaner.fail("non_field_errors", _("Send an object."))
        cleaner.done()
    text = cleaner.text(
        data.get("response_text"), field="response_text", max_length=MAX_RESPONSE_CHARS, required=True
    )
    adopted = _document(
        cleaner, data.get("adopted_document"), field="adopted_document", commune=consultation.commune
    )
    cleaner.done()
    now = timezone.now()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().select_related("commune").get(pk=consultation.pk)
        if locked.phase not in (Phase.CLOSED, Phase.RESPONDED):
            raise WrongPhase(_("The response is published once the consultation has closed."))
        first = locked.phase == Phase.CLOSED
        locked.response_text = text
        locked.adopted_document = adopted
        locked.phase = Phase.RESPONDED
        if first:
            locked.responded_at = now
            locked.responded_by = user
        locked.save()
        if first:
            notify.notify_response(locked, actor=user)
        audit_record(
            actor=user,
            action="consultations.respond" if first else "consultations.respond_correct",
            obj=locked,
            commune=locked.commune,
            data={"adopted_document": adopted.pk if adopted else None, "chars": len(text)},
        )
    return locked


REMINDER_BEFORE = datetime.timedelta(days=7)


def consultations_advance(now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic pass (workers' schedule): open announced consultations whose opening time has
    come, close open ones whose closing time has passed, and remind followers a week before one
    closes (once). Each row is locked and re-read, so two passes never act twice."""
    now = now or timezone.now()
    done = {"opened": 0, "closed": 0, "reminded": 0}
    due = Consultation.objects.filter(phase=Phase.ANNOUNCED, opens_at__lte=now, closes_at__gt=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            row = Consultation.objects.select_for_update().select_related("commune").get(pk=pk)
            if row.phase == Phase.ANNOUNCED and row.opens_at <= now < row.closes_at:
                _move(row, Phase.OPEN, actor=None, now=now)
                done["opened"] += 1
    for pk in list(
        Consultation.objects.filter(phase=Phase.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            row = Consultation.objects.select_for_update().select_related("commune").get(pk=pk)
            if row.phase == Phase.OPEN and row.closes_at <= now:
                _move(row, Phase.CLOSED, actor=None, now=now)
                done["closed"] += 1
    soon = Consultation.objects.filter(
        phase=Phase.OPEN, reminded_at__isnull=True, closes_at__gt=now, closes_at__lte=now + REMINDER_BEFORE
    )
    for pk in list(soon.values_list("pk", flat=True)):
        with transaction.atomic():
            row = Consultation.objects.select_for_update().select_related("commune").get(pk=pk)
            if row.phase == Phase.OPEN and row.reminded_at is None and row.closes_at > now:
                # Not for one opened less than a week before it closes: its opening said when it closes.
                if row.opened_at is None or row.closes_at - row.opened_at > REMINDER_BEFORE:
                    notify.notify_closing_soon(row)
                    done["reminded"] += 1
                row.reminded_at = now
                row.save(update_fields=["reminded_at"])
    return done
