"""Errors of the consultations app: ``hub.errors.DomainError`` subclasses (one JSON error shape).

``validation_error`` for what the services check (with ``fields``: every field in error at once),
``wrong_phase`` for an action the consultation's phase does not allow (answering before it opens or
after it closes, editing questions once it is open...), ``forbidden`` for staff or facilitators of
another commune, ``not_found``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = _("Some fields are missing or invalid.")


class ConsultationNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("This consultation does not exist.")


class WrongPhase(Conflict):
    code = "wrong_phase"
    default_message: Any = _("This is not possible in the consultation's current phase.")


class Forbidden(PermissionDenied):
    code = "forbidden"


class Muted(DomainError):
    """A citizen the commune's moderators muted (on its forum) does not comment on its drafts either
    meanwhile. Not a ``PermissionDenied``: the page shows it next to the comment, not a 403 page."""

    code = "muted"
    status = 403


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})
