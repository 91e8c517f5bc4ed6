"""One JSON error shape for every 4xx/5xx: ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from hub import overload
from hub.errors import DomainError

logger = logging.getLogger(__name__)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        headers = {}
        if "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        return Response(exc.as_dict(), status=exc.status, headers=headers)
    if isinstance(exc, RequestDataTooBig):
        message = _("The request body is too large.")
        return Response({"error": {"code": "payload_too_large", "message": message}}, status=413)
    if isinstance(exc, SuspiciousOperation):  # too many fields, bad host...: the client's fault
        message = _("The request is malformed.")
        return Response({"error": {"code": "bad_request", "message": message}}, status=400)
    if isinstance(exc, (OverflowError, DataError)):
        # A value the database cannot hold (a number past bigint, a string past a column): the
        # client's input, refused; the request's transaction was rolled back, nothing was saved.
        logger.warning("input out of the database's range: %s", exc)
        message = _("A value is out of the accepted range.")
        return Response({"error": {"code": "out_of_range", "message": message}}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    why = overload.cause(exc) if response is None else None
    if why is not None:
        if why == "busy":  # a lost service is logged once per outage by its breaker
            logger.warning("database busy: %s", exc)
        return Response(
            {"error": {"code": "unavailable", "message": overload.message(why)}},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(overload.retry_after())},
        )
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {"error": {"code": "server_error", "message": _("Something went wrong on our side.")}},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("Some fields are missing or invalid."),
            "fields": _flatten(exc.detail),
        }
    elif isinstance(exc, exceptions.ParseError):
        body = {"code": "malformed_body", "message": str(exc.detail), "fields": {"body": [str(exc.detail)]}}
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        body = {"code": "csrf_failed", "message": _("CSRF check failed. Reload the page and try again.")}
    elif isinstance(exc, exceptions.NotAuthenticated):
        body = {"code": "not_authenticated", "message": _("Please sign in (again) to do this.")}
    elif isinstance(exc, exceptions.AuthenticationFailed):
        body = {
            "code": "authentication_failed",
            "message": _("Your sign-in has expired. Please sign in again."),
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        body = {"code": str(code), "message": message}
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            body["retry_after"] = int(wait)
    else:  # pragma: no cover - DRF only returns responses for APIException subclasses
        body = {"code": "error", "message": str(exc)}
    response.data = {"error": body}
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status_code)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/healthz")) or "application/json" in request.headers.get(
        "Accept", ""
    )


def json_page_not_found(request: HttpRequest) -> JsonResponse:
    return _json_error(404, "not_found", _("Not found."))


def json_bad_request(request: HttpRequest) -> JsonResponse:
    return _json_error(400, "bad_request", _("The request is malformed."))


def json_forbidden(request: HttpRequest) -> JsonResponse:
    return _json_error(403, "permission_denied", _("You are not allowed to do this."))


def json_server_error(request: HttpRequest) -> JsonResponse:
    why = overload.cause()
    if why is not None:
        response = _json_error(503, "unavailable", overload.message(why))
        response["Retry-After"] = str(overload.retry_after())
        return response
    return _json_error(500, "server_error", _("Something went wrong on our side."))


def json_csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return _json_error(403, "csrf_failed", _("CSRF check failed. Reload the page and try again."))
