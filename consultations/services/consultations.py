"""Making and running a consultation: creating and changing it, its phases, the response (cleaning
its questionnaire and sections is ``questionnaire.py``'s).

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
from consultations.errors import WrongPhase
from consultations.models import MAX_RESPONSE_CHARS, Consultation, Phase
from consultations.services.common import Cleaner, require_manager
from consultations.services.questionnaire import (
    consultation_clean,
    content_check,
    document_clean,
    questions_replace,
    sections_replace,
)
from hub.models import Commune, User
from hub.services.audit import audit_record
from publications.models import Document

# What staff may still change once answers can come in.
OPEN_EDITABLE = ("title", "summary", "closes_at")


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
    clean, questions, sections = consultation_clean(data, commune=commune, current=None, structure=True)
    with transaction.atomic():
        consultation = Consultation.objects.create(commune=commune, created_by=user, **clean)
        draft = clean.get("draft")
        if draft is not None:
            consultation.draft_file = draft.files.filter(is_current=True).order_by("slot").first()
            consultation.save(update_fields=["draft_file"])
        questions_replace(consultation, questions or [])
        sections_replace(consultation, sections or [])
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
        clean, questions, sections = consultation_clean(
            data, commune=locked.commune, current=locked, structure=structure
        )
        for key, value in clean.items():
            setattr(locked, key, value)
        if "draft" in clean:
            draft = clean["draft"]
            locked.draft_file = (
                draft.files.filter(is_current=True).order_by("slot").first() if draft else None
            )
        locked.save()
        if questions is not None:
            questions_replace(locked, questions)
        if sections is not None:
            sections_replace(locked, sections)
        if locked.phase != Phase.DRAFT:
            content_check(locked)
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
            content_check(locked)
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
    adopted = document_clean(
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
