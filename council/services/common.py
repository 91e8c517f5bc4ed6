"""What every council write shares: the permission check, the input cleaner (every field in error
reported at once) and the session checks."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from council.errors import Forbidden, Invalid, WrongStatus
from council.permissions import can_manage
from council.selectors import is_council_session
from hub.cleaning import FieldCleaner, as_id
from hub.errors import NotAuthenticated
from hub.models import Commune, User
from sessions_live.models import LiveSession


def require_manager(actor: Any, commune: Commune) -> User:
    """The acting staff member: 401 signed out, 403 (``forbidden``) without the right in *this*
    commune (its secretary-general or mayor). Checked before anything else is read or written."""
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated(_("Sign in to take part."))
    if not can_manage(actor, commune):
        raise Forbidden(_("Only the commune's secretary-general or mayor keeps the council's record."))
    return actor


def require_council_session(session: LiveSession) -> None:
    if not is_council_session(session):
        raise WrongStatus(
            _("Only council sessions (ordinary or extraordinary) have a roll call and motions.")
        )


class Cleaner(FieldCleaner):
    """``hub.cleaning.FieldCleaner`` with the council's fields."""

    invalid = Invalid
    refuse_nul = True

    def identifier(self, value: Any, *, field: str, required: bool = True) -> int | None:
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return None
        found = as_id(value)
        if found is None:
            self.fail(field, _("Give an identifier (a whole number)."))
        return found

    def count(self, value: Any, *, field: str, maximum: int = 10_000) -> int:
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
            self.fail(field, _("A whole number from 0 to %(max)d.") % {"max": maximum})
            return 0
        return value

    def date(self, value: Any, *, field: str, required: bool) -> datetime.date | None:
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return None
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value.strip())
            except ValueError:
                self.fail(field, _("Give a date (YYYY-MM-DD)."))
                return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.fail(field, _("Give a date (YYYY-MM-DD)."))
            return None
        if not 1990 <= value.year <= 2200:
            self.fail(field, _("Give a date between 1990 and 2200."))
            return None
        return value
