"""Errors of the practices app: ``hub.errors.DomainError`` subclasses (one JSON error shape).

``validation_error`` for what the services check (with ``fields``), ``wrong_status`` for a sheet not
in the state an action needs (publishing a published sheet), ``forbidden`` for staff of another
commune, ``not_found`` for a sheet nobody may see and ``theme_not_found``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = _("Some fields are missing or invalid.")


class SheetNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("This practice sheet does not exist.")


class ThemeNotFound(NotFound):
    code = "theme_not_found"
    default_message: Any = _("There is no such theme.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_message: Any = _("This is not possible in the current state.")


class Forbidden(PermissionDenied):
    code = "forbidden"
