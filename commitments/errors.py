"""Errors of the commitments app: ``hub.errors.DomainError`` subclasses (one JSON error shape).

Codes as in the live sessions, whose commitments moved here: ``validation_error`` for what the
services check (with ``fields``), ``wrong_status`` for an origin not ready to become a commitment,
``forbidden`` for staff of another commune, ``not_found``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = _("Some fields are missing or invalid.")


class CommitmentNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("This commitment does not exist.")


class OriginNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("There is no such question or proposal in this commune.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_message: Any = _("This is not possible in the current state.")


class Forbidden(PermissionDenied):
    code = "forbidden"


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})
