"""What every consultations write shares: the permission checks and the input cleaner (every field in
error reported at once)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from consultations.errors import Forbidden, Invalid
from consultations.models import Consultation
from consultations.permissions import can_facilitate, can_manage
from hub.cleaning import FieldCleaner, as_id
from hub.errors import NotAuthenticated
from hub.models import Arrondissement, Commune, User
from hub.services.audit import audit_record

Row = TypeVar("Row", bound=models.Model)


def require_user(actor: Any) -> User:
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated(_("Sign in to take part."))
    return actor


def require_manager(actor: Any, commune: Commune) -> User:
    """The acting staff member: 401 signed out, 403 (``forbidden``) without the right in *this*
    commune. Checked before anything else is read or written."""
    user = require_user(actor)
    if not can_manage(user, commune):
        raise Forbidden(_("Only the commune's staff manage its consultations."))
    return user


def require_facilitator(actor: Any, commune: Commune) -> User:
    user = require_user(actor)
    if not can_facilitate(user, commune):
        raise Forbidden(_("Only the commune's focal points and the facilitators it named record workshops."))
    return user


def lock_shared(consultation_id: int) -> Consultation:
    """The consultation, re-read with a share lock held until the transaction ends (PostgreSQL:
    ``FOR SHARE``, which writes that take it ``FOR UPDATE``, the phase changes, wait for; SQLite
    serialises writers anyway)."""
    if connection.vendor == "postgresql":
        table = Consultation._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR SHARE", [consultation_id])  # noqa: S608
    return Consultation.objects.select_related("commune").get(pk=consultation_id)


def fields_change(
    row: Row,
    clean: dict[str, Any],
    *,
    actor: User,
    action: str,
    commune: Commune,
    audit_values: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> Row:
    """Set the cleaned fields that differ on the locked row and save only those, with one audit
    entry (``before`` and ``after`` of what changed, through ``audit_values``); nothing when nothing
    differs. Inside the caller's transaction when it has one."""
    with transaction.atomic():
        locked = type(row)._default_manager.select_for_update().get(pk=row.pk)
        before = {key: getattr(locked, key) for key in clean}
        changed = {key: value for key, value in clean.items() if before[key] != value}
        if changed:
            for key, value in changed.items():
                setattr(locked, key, value)
            locked.save(update_fields=list(changed))
            audit_record(
                actor=actor,
                action=action,
                obj=locked,
                commune=commune,
                data={
                    "before": audit_values({k: before[k] for k in changed}),
                    "after": audit_values(changed),
                },
            )
    return locked


class Cleaner(FieldCleaner):
    """``hub.cleaning.FieldCleaner`` with the consultations' fields."""

    invalid = Invalid
    refuse_nul = True

    def count(
        self, value: Any, *, field: str, maximum: int, required: bool = True, minimum: int = 0
    ) -> int | None:
        """A whole number from JSON (an int, not a string) or a form (a string of digits)."""
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
            if text.isascii() and text.isdigit() and len(text) < 16:
                number = int(text)
        if number is None:
            self.fail(field, _("Enter a whole number."))
            return None
        if number < minimum:
            self.fail(field, _("At least %(min)d.") % {"min": minimum})
            return None
        if number > maximum:
            self.fail(field, _("At most %(max)d.") % {"max": maximum})
            return None
        return number

    def moment(self, value: Any, *, field: str) -> datetime.datetime | None:
        from django.utils import timezone

        if isinstance(value, datetime.datetime):
            parsed: datetime.datetime | None = value
        elif isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        else:
            self.fail(field, _("This field is required."))
            return None
        if parsed is None:
            self.fail(field, _("Enter a date and time (YYYY-MM-DD HH:MM)."))
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if not 2000 <= parsed.year <= 2199:
            self.fail(field, _("Enter a year between 2000 and 2199."))
            return None
        return parsed

    def day(self, value: Any, *, field: str) -> datetime.date | None:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        parsed = None
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_date(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail(field, _("Enter a date (YYYY-MM-DD)."))
            return None
        if not 2000 <= parsed.year <= 2199:
            self.fail(field, _("Enter a year between 2000 and 2199."))
            return None
        return parsed

    def arrondissement(
        self, value: Any, *, field: str, commune: Commune, required: bool
    ) -> Arrondissement | None:
        if value is None or value == "":
            if required:
                self.fail(field, _("Choose an arrondissement."))
            return None
        pk = as_id(value)
        found = Arrondissement.objects.filter(pk=pk, commune=commune).first() if pk else None
        if found is None:
            self.fail(field, _("Choose an arrondissement of this commune."))
        return found
