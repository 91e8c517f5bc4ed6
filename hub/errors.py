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


class ServiceUnavailable(Exception):
    """A service this write needs is away for now (Redis, for the content versions that keep every
    process's public reads current): nothing was saved. Not a ``DomainError``: nothing the client
    did is wrong, and pages must not show it as a form's error. Every 500 handler answers it 503
    with ``Retry-After`` (``hub.overload.cause``), websockets with an ``unavailable`` error frame."""

    def __init__(self, service: str) -> None:
        self.service = service
        super().__init__(f"{service} is unavailable")
