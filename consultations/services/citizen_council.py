"""Writes of the commune's standing citizen council (conseil permanent): its members, its meetings
with their minutes, and its opinion on a consultation.

Kept by the commune's staff who publish; every write is in the commune's journal, in its
transaction. A member is never deleted: they leave, dated, and stay in the council's history. The
minutes of a meeting are a document the commune has published (``publications``), linked here, so
they are read, searched and withdrawn like every other document. The council gives one opinion per
consultation; recording it again replaces the text (the journal keeps the earlier one).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    MAX_OPINION_CHARS,
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    Consultation,
    CouncilOpinion,
)
from consultations.services.common import Cleaner, fields_change, require_manager
from consultations.services.organisations import MAX_IDENTIFIER_CHARS, accredited_organisation_choice
from hub.auth_backends import find_user_by_identifier
from hub.cleaning import as_id
from hub.models import Commune
from hub.services.audit import audit_record
from publications.models import Document, PublicationState

MEMBER_FIELDS = ("full_name", "organisation", "account", "arrondissement", "role", "joined_on", "left_on")
MEETING_FIELDS = ("held_on", "place", "agenda", "minutes")
MAX_NAME_CHARS = 120
MAX_ROLE_CHARS = 120
MAX_PLACE_CHARS = 200
MAX_AGENDA_CHARS = 4000


def _unknown_fields(cleaner: Cleaner, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in sorted(set(data) - set(allowed)):
        cleaner.fail(name, _("Unknown field."))


def _optional_day(cleaner: Cleaner, value: Any, *, field: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    return cleaner.day(value, field=field)


def _as_json(values: dict[str, Any]) -> dict[str, Any]:
    """What the journal keeps of a change: dates in ISO form, rows by their id."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif hasattr(value, "pk"):
            out[f"{key}_id"] = value.pk
        else:
            out[key] = value
    return out


# --- Members -----------------------------------------------------------------------------------------


def _member_clean(
    commune: Commune,
    data: dict[str, Any],
    *,
    creating: bool,
    current: CitizenCouncilMember | None = None,
) -> dict[str, Any]:
    cleaner = Cleaner()
    _unknown_fields(cleaner, data, MEMBER_FIELDS)
    clean: dict[str, Any] = {}
    if creating or "full_name" in data:
        clean["full_name"] = cleaner.text(
            data.get("full_name"), field="full_name", max_length=MAX_NAME_CHARS, required=True
        )
    if creating or "role" in data:
        clean["role"] = cleaner.text(
            data.get("role"), field="role", max_length=MAX_ROLE_CHARS, required=False
        )
    if creating or "organisation" in data:
        clean["organisation"] = accredited_organisation_choice(
            cleaner, commune, data.get("organisation"), field="organisation"
        )
    if creating or "arrondissement" in data:
        clean["arrondissement"] = cleaner.arrondissement(
            data.get("arrondissement"), field="arrondissement", commune=commune, required=False
        )
    if creating or "account" in data:
        clean["user"] = None
        raw = data.get("account")
        if raw is not None and raw != "":
            text = raw.strip() if isinstance(raw, str) else ""
            found = find_user_by_identifier(text) if 0 < len(text) <= MAX_IDENTIFIER_CHARS else None
            if found is None or not found.is_active or "\x00" in text:
                cleaner.fail("account", _("No account matches this e-mail address or phone number."))
            else:
                clean["user"] = found
    if creating or "joined_on" in data:
        clean["joined_on"] = cleaner.day(data.get("joined_on"), field="joined_on")
    if creating or "left_on" in data:
        clean["left_on"] = _optional_day(cleaner, data.get("left_on"), field="left_on")
    joined = clean.get("joined_on", current.joined_on if current else None)
    left = clean.get("left_on", current.left_on if current else None)
    if joined and left and left < joined and "left_on" not in cleaner.errors:
        cleaner.fail("left_on", _("A member cannot leave before joining."))
    cleaner.done()
    return clean


def member_add(*, actor: Any, commune: Commune, data: dict[str, Any]) -> CitizenCouncilMember:
    """Add a member to the citizen council: a citizen, or the delegate of an accredited organisation."""
    user = require_manager(actor, commune)
    clean = _member_clean(commune, data, creating=True)
    with transaction.atomic():
        member = CitizenCouncilMember.objects.create(commune=commune, **clean)
        audit_record(
            actor=user,
            action="consultations.council_member_add",
            obj=member,
            commune=commune,
            data=_as_json(clean),
        )
    return member


def member_update(*, actor: Any, member: CitizenCouncilMember, data: dict[str, Any]) -> CitizenCouncilMember:
    """Change a member (the fields given only); ``account`` empty unlinks their account."""
    commune = member.commune
    user = require_manager(actor, commune)
    clean = _member_clean(commune, data, creating=False, current=member)
    return fields_change(
        member,
        clean,
        actor=user,
        action="consultations.council_member_update",
        commune=commune,
        audit_values=_as_json,
    )


def member_leave(*, actor: Any, member: CitizenCouncilMember, left_on: Any = None) -> CitizenCouncilMember:
    """A member leaves the council (today unless a date is given); they stay in its history."""
    commune = member.commune
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    day = _optional_day(cleaner, left_on, field="left_on") or timezone.localdate()
    if "left_on" not in cleaner.errors and day < member.joined_on:
        cleaner.fail("left_on", _("A member cannot leave before joining."))
    cleaner.done()
    with transaction.atomic():
        locked = CitizenCouncilMember.objects.select_for_update().get(pk=member.pk)
        if locked.left_on != day:
            before = locked.left_on
            locked.left_on = day
            locked.save(update_fields=["left_on"])
            audit_record(
                actor=user,
                action="consultations.council_member_leave",
                obj=locked,
                commune=commune,
                data={"left_on": day.isoformat(), "before": before.isoformat() if before else None},
            )
    return locked


# --- Meetings ----------------------------------------------------------------------------------------


def _minutes(cleaner: Cleaner, commune: Commune, value: Any) -> Document | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Document) else as_id(value)
    found = Document.objects.filter(pk=pk, commune=commune).first() if pk else None
    if found is None:
        cleaner.fail("minutes", _("Choose a document of this commune."))
        return None
    if found.state != PublicationState.PUBLISHED:
        cleaner.fail("minutes", _("Publish the minutes first: only a published document can be linked."))
        return None
    return found


def _meeting_clean(commune: Commune, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    cleaner = Cleaner()
    _unknown_fields(cleaner, data, MEETING_FIELDS)
    clean: dict[str, Any] = {}
    if creating or "held_on" in data:
        clean["held_on"] = cleaner.day(data.get("held_on"), field="held_on")
    if creating or "place" in data:
        clean["place"] = cleaner.text(
            data.get("place"), field="place", max_length=MAX_PLACE_CHARS, required=False
        )
    if creating or "agenda" in data:
        clean["agenda"] = cleaner.text(
            data.get("agenda"), field="agenda", max_length=MAX_AGENDA_CHARS, required=False
        )
    if creating or "minutes" in data:
        clean["minutes"] = _minutes(cleaner, commune, data.get("minutes"))
    cleaner.done()
    return clean


def meeting_record(*, actor: Any, commune: Commune, data: dict[str, Any]) -> CitizenCouncilMeeting:
    """Record a meeting of the citizen council, with its minutes (a published document) if ready."""
    user = require_manager(actor, commune)
    clean = _meeting_clean(commune, data, creating=True)
    with transaction.atomic():
        meeting = CitizenCouncilMeeting.objects.create(commune=commune, **clean)
        audit_record(
            actor=user,
            action="consultations.council_meeting_record",
            obj=meeting,
            commune=commune,
            data=_as_json(clean),
        )
    return meeting


def meeting_update(
    *, actor: Any, meeting: CitizenCouncilMeeting, data: dict[str, Any]
) -> CitizenCouncilMeeting:
    """Change a meeting (the fields given only): most often, link its minutes once published."""
    commune = meeting.commune
    user = require_manager(actor, commune)
    clean = _meeting_clean(commune, data, creating=False)
    return fields_change(
        meeting,
        clean,
        actor=user,
        action="consultations.council_meeting_update",
        commune=commune,
        audit_values=_as_json,
    )


# --- Opinions ----------------------------------------------------------------------------------------


def opinion_record(
    *, actor: Any, consultation: Consultation, text: Any, meeting: Any = None
) -> CouncilOpinion:
    """Record the citizen council's opinion on a consultation (one per consultation: recording again
    replaces it), adopted at one of its meetings if given."""
    commune = consultation.commune
    user = require_manager(actor, commune)
    cleaner = Cleaner()
    body = cleaner.text(text, field="text", max_length=MAX_OPINION_CHARS, required=True)
    chosen: CitizenCouncilMeeting | None = None
    if meeting is not None and meeting != "":
        pk = meeting.pk if isinstance(meeting, CitizenCouncilMeeting) else as_id(meeting)
        chosen = CitizenCouncilMeeting.objects.filter(pk=pk, commune=commune).first() if pk else None
        if chosen is None:
            cleaner.fail("meeting", _("Choose a meeting of this commune's citizen council."))
    cleaner.done()
    with transaction.atomic():
        # The consultation's row lock makes two recordings at once update one opinion.
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        opinion = CouncilOpinion.objects.filter(consultation=consultation).first()
        before = None
        if opinion is None:
            opinion = CouncilOpinion.objects.create(
                consultation=consultation, text=body, meeting=chosen, recorded_by=user
            )
        else:
            before = {"text": opinion.text, "meeting_id": opinion.meeting_id}
            opinion.text, opinion.meeting, opinion.recorded_by = body, chosen, user
            opinion.recorded_at = timezone.now()
            opinion.save(update_fields=["text", "meeting", "recorded_by", "recorded_at"])
        audit_record(
            actor=user,
            action="consultations.council_opinion_record",
            obj=opinion,
            commune=commune,
            data={"meeting_id": chosen.pk if chosen else None, "before": before},
        )
    return opinion
