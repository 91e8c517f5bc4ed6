"""Workshops held on the ground: a facilitator records one (when, where, who came, in which language,
what was said, photos) and the group's answers to the questionnaire, counted beside the online answers
and always shown apart from them (``consultations.results``).

Who records: the commune's focal points, its staff who manage consultations, and the facilitators it
named (``consultations.permissions.can_facilitate``). A facilitator named for an organisation records
for that organisation (forced); the others may name one of the commune's accredited organisations.
Only while the consultation is open, for a day within its period and not in the future. Only the
recorder or the commune's managers change a workshop afterwards, and only while it is open.

The group's answers depend on the question's kind: a count of participants per option (single or
multiple choice), the group's rank of each option (ranking: 1 first, distinct, no gap), or the
amount the group gave each option (envelope: at most the envelope). Text questions are answered
online only. Every field in error is reported at once (``Invalid`` with ``fields``): the totals by
gender and by age band, the disability count, each question's answers (``question_<id>``).

Photos are checked from their content (images only, at most ``MAX_PHOTOS`` per workshop) and stored
before the transaction; a refused or failed write deletes them again (``hub.uploads.images_stored``).

The group's answers are checked and written in ``workshop_answers.py`` (``VALUE_KEYS`` and
``question_field`` stay importable from here, where the workshop pages find them).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.errors import Forbidden, Invalid, WrongPhase
from consultations.models import (
    MAX_PARTICIPANTS,
    MAX_WORKSHOP_SUMMARY_CHARS,
    Consultation,
    Language,
    Organisation,
    Workshop,
    WorkshopAnswer,
    WorkshopPhoto,
)
from consultations.permissions import can_manage, facilitator_row
from consultations.services.common import Cleaner, require_facilitator
from consultations.services.workshop_answers import VALUE_KEYS as VALUE_KEYS
from consultations.services.workshop_answers import (
    AnswerRow,
    answer_value,
    answers_clean,
    answers_write,
)
from consultations.services.workshop_answers import question_field as question_field
from hub.cleaning import as_id
from hub.models import User
from hub.services.audit import audit_record
from hub.uploads import CheckedUpload, image_rows, images_check, images_stored

MAX_PHOTOS = 6
MAX_VILLAGE_CHARS = 120
PHOTO_FOLDER = "consultations"
AGE_FIELDS = ("age_under_18", "age_18_34", "age_35_59", "age_60_plus")
COUNT_FIELDS = ("participants", "women", "men", *AGE_FIELDS, "with_disability")


# --- Checks ---------------------------------------------------------------------------------------


def _require_open(consultation: Consultation) -> None:
    state = consultation.acceptance()
    if state == "not_yet":
        raise WrongPhase(_("This consultation is not open yet: workshops are recorded once it opens."))
    if state == "closed":
        raise WrongPhase(_("This consultation is closed: workshops can no longer be recorded or changed."))


def require_editor(actor: Any, workshop: Workshop) -> User:
    user = require_facilitator(actor, workshop.commune)
    if user.pk != workshop.recorded_by_id and not can_manage(user, workshop.commune):
        raise Forbidden(
            _("Only the person who recorded this workshop, or the commune's staff, may change it.")
        )
    return user


def _forced_organisation(user: User, consultation: Consultation) -> Organisation | None:
    """The organisation a facilitator named for one records for (None: free to choose)."""
    row = facilitator_row(user, consultation.commune)
    if row is None or can_manage(user, consultation.commune):
        return None
    return row.organisation


@dataclass
class WorkshopInput:
    fields: dict[str, Any]
    answers: list[AnswerRow] | None  # None: the answers are left as they are (an update without them)


def _held_on(cleaner: Cleaner, value: Any, consultation: Consultation) -> datetime.date | None:
    day = cleaner.day(value, field="held_on")
    if day is None:
        return None
    first = timezone.localtime(consultation.opens_at).date()
    last = min(timezone.localtime(consultation.closes_at).date(), timezone.localdate())
    if day > timezone.localdate():
        cleaner.fail(
            "held_on", _("A workshop is recorded once it has been held: this date is in the future.")
        )
    elif not first <= day <= last:
        cleaner.fail(
            "held_on",
            _("The workshop must have been held while the consultation was open (from %(first)s).")
            % {"first": first.isoformat()},
        )
    return day


def _organisation(
    cleaner: Cleaner, value: Any, consultation: Consultation, forced: Organisation | None
) -> Organisation | None:
    if forced is not None:
        return forced
    if value is None or value == "":
        return None
    pk = as_id(value)
    found = (
        Organisation.objects.filter(pk=pk, commune=consultation.commune, withdrawn_at__isnull=True).first()
        if pk
        else None
    )
    if found is None:
        cleaner.fail("organisation", _("Choose an organisation the commune has accredited."))
    return found


def _counts(cleaner: Cleaner, data: Mapping[str, Any]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {
        "participants": cleaner.count(
            data.get("participants"), field="participants", maximum=MAX_PARTICIPANTS, minimum=1
        )
    }
    for name in COUNT_FIELDS[1:]:
        required = name in ("women", "men")
        value = data.get(name)
        counts[name] = cleaner.count(value, field=name, maximum=MAX_PARTICIPANTS, required=required)
        if counts[name] is None and not required and (value is None or value == ""):
            counts[name] = 0
    participants = counts["participants"]
    if participants is None:
        return counts
    women, men = counts["women"], counts["men"]
    if women is not None and men is not None and women + men != participants:
        message = _("Women and men add up to %(sum)d, not to the %(total)d participants.") % {
            "sum": women + men,
            "total": participants,
        }
        cleaner.fail("women", message)
        cleaner.fail("men", message)
    ages = [counts[name] for name in AGE_FIELDS]
    if all(age is not None for age in ages):
        total = sum(age for age in ages if age is not None)
        if total != participants:
            message = _("The age bands add up to %(sum)d, not to the %(total)d participants.") % {
                "sum": total,
                "total": participants,
            }
            cleaner.fail("age_under_18", message)
    disabled = counts["with_disability"]
    if disabled is not None and disabled > participants:
        cleaner.fail(
            "with_disability",
            _("At most the %(total)d participants.") % {"total": participants},
        )
    return counts


def _clean(
    data: Mapping[str, Any], consultation: Consultation, forced: Organisation | None, *, answers: bool
) -> WorkshopInput:
    cleaner = Cleaner()
    fields: dict[str, Any] = {
        "held_on": _held_on(cleaner, data.get("held_on"), consultation),
        "arrondissement": cleaner.arrondissement(
            data.get("arrondissement"), field="arrondissement", commune=consultation.commune, required=True
        ),
        "village": cleaner.text(
            data.get("village"), field="village", max_length=MAX_VILLAGE_CHARS, required=False
        ),
        "organisation": _organisation(cleaner, data.get("organisation"), consultation, forced),
        "language": cleaner.choice(data.get("language"), field="language", choices=list(Language.values)),
        "summary": cleaner.text(
            data.get("summary"), field="summary", max_length=MAX_WORKSHOP_SUMMARY_CHARS, required=True
        ),
    }
    counts = _counts(cleaner, data)
    fields.update(counts)
    rows = (
        answers_clean(cleaner, data.get("answers"), consultation, counts["participants"]) if answers else None
    )
    cleaner.done()
    return WorkshopInput(fields=fields, answers=rows)


def photos_check(uploads: Sequence[Any], *, already: int = 0) -> list[CheckedUpload]:
    """Check every photo before anything is written: images only (from their content), at most
    ``MAX_PHOTOS`` per workshop (``already`` on file)."""
    return images_check(
        uploads,
        max_count=MAX_PHOTOS - already,
        field="photos",
        too_many=_("At most %(max)d photos per workshop.") % {"max": MAX_PHOTOS},
        invalid=Invalid,
    )


# --- Writes ---------------------------------------------------------------------------------------


def _photos_write(
    workshop: Workshop, checked: Sequence[CheckedUpload], names: Sequence[str]
) -> list[WorkshopPhoto]:
    return WorkshopPhoto.objects.bulk_create(
        WorkshopPhoto(workshop=workshop, **row) for row in image_rows(checked, names)
    )


def _lock_consultation(consultation: Consultation) -> Consultation:
    """The consultation, locked, and still open (a close racing this write waits or wins)."""
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _require_open(locked)
    return locked


def workshop_record(
    *, actor: Any, consultation: Consultation, data: Mapping[str, Any], photos: Sequence[Any] = ()
) -> Workshop:
    """Record a workshop held on the ground, its participants, its group's answers and photos."""
    user = require_facilitator(actor, consultation.commune)
    _require_open(consultation)
    clean = _clean(data, consultation, _forced_organisation(user, consultation), answers=True)
    checked = photos_check(photos)
    with images_stored(checked, PHOTO_FOLDER) as names, transaction.atomic():
        _lock_consultation(consultation)
        now = timezone.now()
        workshop = Workshop.objects.create(
            consultation=consultation,
            commune=consultation.commune,
            recorded_by=user,
            created_at=now,
            updated_at=now,
            **clean.fields,
        )
        answers_write(workshop, clean.answers or [])
        _photos_write(workshop, checked, names)
        audit_record(
            actor=user,
            action="consultations.workshop_record",
            obj=workshop,
            commune=consultation.commune,
            data={
                "consultation": consultation.pk,
                "held_on": workshop.held_on.isoformat(),
                "participants": workshop.participants,
                "organisation": workshop.organisation_id,
                "answers": len(clean.answers or []),
                "photos": len(checked),
            },
        )
    return workshop


def _current(workshop: Workshop) -> dict[str, Any]:
    return {
        "held_on": workshop.held_on,
        "arrondissement": workshop.arrondissement_id,
        "village": workshop.village,
        "organisation": workshop.organisation_id or "",
        "language": workshop.language,
        "summary": workshop.summary,
        **{name: getattr(workshop, name) for name in COUNT_FIELDS},
    }


def workshop_update(*, actor: Any, workshop: Workshop, data: Mapping[str, Any]) -> Workshop:
    """Change a workshop (the fields sent only; ``answers`` sent replaces all of them). The totals are
    checked again against what is not sent."""
    user = require_editor(actor, workshop)
    consultation = workshop.consultation
    _require_open(consultation)
    forced = _forced_organisation(user, consultation)
    if forced is None and workshop.organisation_id and "organisation" not in data and workshop.organisation:
        forced = workshop.organisation  # kept as it is, even if withdrawn since
    merged = {**_current(workshop), **data}
    has_answers = "answers" in data
    if not has_answers:
        # The counts per option are checked against the participants even when not sent again.
        merged["answers"] = [
            {"question": row.question_id, "option": row.option_id, **answer_value(row)}
            for row in WorkshopAnswer.objects.filter(workshop=workshop)
        ]
    clean = _clean(merged, consultation, forced, answers=True)
    with transaction.atomic():
        _lock_consultation(consultation)
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        before = {name: str(value) for name, value in _current(locked).items()}
        for name, value in clean.fields.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save()
        if has_answers:
            answers_write(locked, clean.answers or [])
        after = {name: str(value) for name, value in _current(locked).items()}
        audit_record(
            actor=user,
            action="consultations.workshop_update",
            obj=locked,
            commune=locked.commune,
            data={
                "before": {name: value for name, value in before.items() if after[name] != value},
                "after": {name: value for name, value in after.items() if before[name] != value},
                "answers_replaced": has_answers,
            },
        )
    return locked


def workshop_photo_add(*, actor: Any, workshop: Workshop, photos: Sequence[Any]) -> list[WorkshopPhoto]:
    """Add photos to a workshop (at most ``MAX_PHOTOS`` in all)."""
    user = require_editor(actor, workshop)
    _require_open(workshop.consultation)
    if not photos:
        message = _("Choose at least one photo.")
        raise Invalid(message, fields={"photos": [message]})
    checked = photos_check(photos, already=WorkshopPhoto.objects.filter(workshop=workshop).count())
    with images_stored(checked, PHOTO_FOLDER) as names, transaction.atomic():
        _lock_consultation(workshop.consultation)
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if WorkshopPhoto.objects.filter(workshop=locked).count() + len(checked) > MAX_PHOTOS:
            message = _("At most %(max)d photos per workshop.") % {"max": MAX_PHOTOS}
            raise Invalid(message, fields={"photos": [message]})
        added = _photos_write(locked, checked, names)
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        audit_record(
            actor=user,
            action="consultations.workshop_photo_add",
            obj=locked,
            commune=locked.commune,
            data={"photos": len(added)},
        )
    return added


def workshop_photo_delete(*, actor: Any, photo: WorkshopPhoto) -> None:
    """Remove a photo from a workshop (the file is deleted after the commit)."""
    workshop = photo.workshop
    user = require_editor(actor, workshop)
    _require_open(workshop.consultation)
    name = photo.file.name
    with transaction.atomic():
        _lock_consultation(workshop.consultation)
        deleted, _rows = WorkshopPhoto.objects.filter(pk=photo.pk).delete()
        if not deleted:
            return
        workshop.updated_at = timezone.now()
        workshop.save(update_fields=["updated_at"])
        audit_record(
            actor=user,
            action="consultations.workshop_photo_delete",
            obj=workshop,
            commune=workshop.commune,
            data={"photo": photo.pk},
        )
        transaction.on_commit(lambda: _file_delete(name))


def _file_delete(name: str) -> None:
    from django.core.files.storage import default_storage

    if name:
        default_storage.delete(name)
