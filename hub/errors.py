"""The project's one family of domain errors.

Services raise a subclass of ``DomainError``; the DRF exception handler (``hub.api.errors``) and the
websocket consumer helper (``hub.realtime.consumers``) turn it into the same JSON shape::

    {"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("The request could not be processed.")

    def __init__(self, message: str | None = None, *, code: str | None = None, **details: Any) -> None:
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update(self.details)
        return {"error": body}


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message: Any = _("Invalid input.")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    default_message: Any = _("Authentication is required.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message: Any = _("You are not allowed to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message: Any = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message: Any = _("This conflicts with the current state.")


class Throttled(DomainError):
    code = "throttled"
    status = 429
    default_message: Any = _("Too many attempts. Try again later.")
