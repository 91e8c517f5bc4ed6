"""What every commitment write shares: the permission check, the input cleaners (all the fields in
error are reported at once, so a page shows each message next to its field) and the rules that tie
status, progress and ``done_at`` together."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.errors import Forbidden, Invalid
from commitments.models import (
    MAX_OFFICE_CHARS,
    MAX_TEXT_CHARS,
    Commitment,
    CommitmentStatus,
    today,
)
from commitments.permissions import can_manage
from hub.cleaning import FieldCleaner
from hub.errors import NotAuthenticated
from hub.models import Commune, Role, User

# How far ahead a due date may be.
MAX_YEARS_AHEAD = 20


def require_manager(actor: Any, commune: Commune) -> User:
    """The acting staff member: 401 signed out, 403 (``forbidden``) without the right in *this*
    commune. Checked before anything else is read or written."""
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated(_("Sign in to take part."))
    if not can_manage(actor, commune):
        raise Forbidden(code="forbidden")
    return actor


class Cleaner(FieldCleaner):
    """``hub.cleaning.FieldCleaner`` with the commitments' fields."""

    invalid = Invalid

    def due_on(
        self, value: Any, *, field: str = "due_on", current: datetime.date | None = None
    ) -> datetime.date | None:
        """A date from today on, at most ``MAX_YEARS_AHEAD`` years ahead (or none); the ``current``
        due date is kept as it is, even once passed (an edit of the text sends it back)."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.fail(field, _("Give a date."))
            return None
        if current is not None and value == current:
            return value
        now = today()
        if value < now:
            self.fail(field, _("The due date cannot be in the past."))
        elif value.year > now.year + MAX_YEARS_AHEAD:
            self.fail(field, _("The due date is at most %(years)d years ahead.") % {"years": MAX_YEARS_AHEAD})
        return value

    def status(self, value: Any, *, field: str = "status") -> str:
        if value not in CommitmentStatus.values:
            self.fail(field, _("planned, in_progress, done or dropped."))
            return ""
        return str(value)

    def progress(self, value: Any, *, field: str = "progress") -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            self.fail(field, _("A whole number from 0 to 100."))
            return 0
        return value

    def owner(self, role: Any, office: Any) -> tuple[str, str]:
        """``(owner_role, owner_office)``: a role of the commune, or the name of an office, not both."""
        role = "" if role is None else role
        if role != "" and role not in Role.values:
            self.fail("owner_role", _("Choose a role of the commune."))
            role = ""
        office = self.text(office, field="owner_office", max_length=MAX_OFFICE_CHARS, required=False)
        if role and office:
            self.fail("owner_office", _("Give a role or an office, not both."))
        return str(role), office

    def commitment_text(self, value: Any) -> str:
        return self.text(value, field="text", max_length=MAX_TEXT_CHARS, required=True)


def fields_clean(
    cleaner: Cleaner, changes: dict[str, Any], *, creating: bool, current: Commitment | None = None
) -> dict[str, Any]:
    """The commitment's own fields found in ``changes`` (all of them when ``creating``)."""
    clean: dict[str, Any] = {}
    if creating or "text" in changes:
        clean["text"] = cleaner.commitment_text(changes.get("text"))
    if creating or "owner_role" in changes or "owner_office" in changes:
        clean["owner_role"], clean["owner_office"] = cleaner.owner(
            changes.get("owner_role"), changes.get("owner_office")
        )
    if creating or "due_on" in changes:
        clean["due_on"] = cleaner.due_on(
            changes.get("due_on"), current=current.due_on if current is not None else None
        )
    if changes.get("status") not in (None, ""):
        clean["status"] = cleaner.status(changes["status"])
    if changes.get("progress") not in (None, ""):
        clean["progress"] = cleaner.progress(changes["progress"])
    return clean


def status_apply(commitment: Commitment, status: str, progress: int | None) -> None:
    """Set a new status and progress: done means 100 % unless a progress is given, and stamps
    ``done_at`` (the day it counts for "kept on time"); leaving done clears it."""
    now = timezone.now()
    if status and status != commitment.status:
        if status == CommitmentStatus.DONE:
            commitment.done_at = now
            if progress is None:
                progress = 100
        elif commitment.status == CommitmentStatus.DONE:
            commitment.done_at = None
        commitment.status = status
    if progress is not None:
        commitment.progress = progress
    commitment.updated_at = now
