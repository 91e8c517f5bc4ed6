"""The input cleaner services share: it collects every field's errors, so that a page shows each
message next to its field and an API answers them all at once (``fields``), and checks text.

An app subclasses ``FieldCleaner`` with its own ``Invalid`` error (its code and default message)
and adds the checks of its own fields. ``as_id`` reads an id sent by a path, a form or JSON, the one
way every app does."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _

from hub.errors import InvalidInput
from hub.limits import ID_MAX

FieldErrors = dict[str, list[str]]


def as_id(value: Any) -> int | None:
    """An id from a path, a form or JSON: a positive int, or a string of ASCII digits (surrounding
    spaces ignored), at most ``ID_MAX``; anything else is None (a bool, "12a", "²", a 20-digit number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses. The length bound
        # keeps int() cheap on a long string; ID_MAX has 19 digits.
        if not (text.isascii() and text.isdigit() and len(text) <= 19):
            return None
        value = int(text)
    if isinstance(value, int) and 0 < value <= ID_MAX:
        return value
    return None


class FieldCleaner:
    """Collects the cleaned values and every field's errors; ``done()`` raises them all at once."""

    invalid: ClassVar[type[InvalidInput]] = InvalidInput
    # Refuse text holding a NUL character (PostgreSQL cannot store it in a text column).
    refuse_nul: ClassVar[bool] = False

    def __init__(self) -> None:
        self.errors: FieldErrors = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def done(self) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))[0]
            raise self.invalid(first, fields=self.errors)

    def text(self, value: Any, *, field: str, max_length: int, required: bool) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(field, _("Send text."))
            return ""
        text = value.strip()
        if self.refuse_nul and "\x00" in text:
            self.fail(field, _("This text contains a forbidden character."))
            return ""
        if required and not text:
            self.fail(field, _("This field is required."))
        elif len(text) > max_length:
            self.fail(field, _("At most %(max)d characters.") % {"max": max_length})
        return text

    def choice(self, value: Any, *, field: str, choices: list[str], required: bool = True) -> str:
        """One of ``choices`` (codes); empty is "required" when it is, else ""."""
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return ""
        if not isinstance(value, str) or value not in choices:
            self.fail(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
            return ""
        return value

    def flag(self, value: Any, *, field: str) -> bool:
        """A yes or no from JSON (a boolean) or a form ("on", "true", "1", "yes"; empty is no)."""
        if isinstance(value, bool):
            return value
        if value in ("on", "true", "1", "yes"):
            return True
        if value in (None, "", "false", "0", "no", "off"):
            return False
        self.fail(field, _("Yes or no."))
        return False
