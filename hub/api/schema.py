"""The OpenAPI schema says what the API does, derived from the views rather than written per view.

``ApiAutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) completes what drf-spectacular infers
from each operation:

- **Security**: anonymous access (``{}``) is declared exactly when the view's permission classes let
  an anonymous request through (they are asked, with an anonymous request of the operation's
  method), so a public read says so and a write that needs an account does not.
- **Errors**, each answered with the one error shape (component ``Error``, ``hub.api.errors``):
  400 for operations that take a body or query parameters, and for every write (a service's rule);
  401 everywhere (credentials that are invalid or expired are refused even on a public read); 403
  where an account is needed or the method writes (CSRF for browser sessions); 404 with path
  parameters; 409 for writes (a state the service refuses); 413 and 415 with a request body
  (411 with a multipart one); 429 wherever a throttle applies; 503 everywhere (a database or
  Redis that cannot serve: ``Retry-After``); 404 too for a page number past the end. What the
  rules cannot see, a view says: ``also_answers = {403: "why"}`` adds, ``never_answers = {409}``
  removes; a view's own description of an error (``OpenApiResponse(description=...)``) is kept,
  given the shape.
- **Files**: ``file_responses`` lists the content types a download can have (``hub.uploads``), so a
  client knows a PDF from a spreadsheet; DRF's ``?format=`` switch is not part of the contract.
- **Query parameters**: a default that its own schema refuses (``default: ""`` beside an enum,
  a pattern or ``default: null`` on a non-nullable field) is dropped: absence is the default, and
  the views refuse an empty value where the schema does (``hub.api.validation.validated_query``).
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from rest_framework.settings import api_settings

from hub.uploads import CONTENT_TYPES, IMAGE_EXTENSIONS

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every 4xx and 5xx answer of the API (docs/api.md, Errors).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Machine-readable: `invalid`, `throttled`…"},
                "message": {"type": "string", "description": "Human-readable, in the request's language."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {},
                    "description": "With `invalid`: the messages per input field.",
                },
                "retry_after": {"type": "integer", "description": "With `throttled`: seconds to wait."},
            },
            "required": ["code", "message"],
            # A rule's own details travel beside code and message (a mute's `until`…).
            "additionalProperties": {},
        }
    },
    "required": ["error"],
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}
ERROR_DESCRIPTIONS = {
    400: "Invalid input: `invalid` (with `fields`), `malformed_body`, or a rule of the service (`code`).",
    401: "Sign-in needed (`not_authenticated`), or the credentials sent are invalid or expired "
    "(`authentication_failed`).",
    403: "Not allowed (`permission_denied`, or `csrf_failed` for a browser session without its token).",
    404: "Not found, or not visible to you.",
    409: "Refused in the current state of the resource (`code` says which rule).",
    411: "A multipart upload sent without a `Content-Length` (`length_required`): send its length.",
    413: "The request body is too large (`payload_too_large`, `file_too_large`), refused while it "
    "streams in, before the operation runs.",
    415: "The body's Content-Type is not one the operation accepts.",
    429: "Too many requests (`throttled`): wait `Retry-After` seconds.",
    503: "Temporarily unavailable (`unavailable`): try again after `Retry-After` seconds.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What a stored file is served as (the checked upload's kind), without parameters.
FILE_CONTENT_TYPES = sorted({value.split(";")[0] for value in CONTENT_TYPES.values()})
IMAGE_CONTENT_TYPES = sorted(IMAGE_EXTENSIONS)


def file_responses(content_types: list[str]) -> dict[tuple[int, str], Any]:
    """``@extend_schema(responses=...)`` of an operation answering a file of one of these types."""
    return {(200, content_type): OpenApiTypes.BINARY for content_type in content_types}


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "`Authorization: Bearer <key>` (or `Token <key>`), key from POST /api/v1/auth/token/."
            ),
        }


def anonymous_allowed(view: Any, method: str) -> bool:
    """Whether the view's permission classes let an anonymous ``method`` request through."""
    request = SimpleNamespace(method=method, user=AnonymousUser(), auth=None)
    for permission in view.get_permissions():
        try:
            if not permission.has_permission(request, view):
                return False
        except Exception:  # a permission that needs more of the request: assume an account
            return False
    return True


def default_is_valid(schema: dict[str, Any]) -> bool:
    """Whether a parameter's ``default`` satisfies the parameter's own schema."""
    default = schema["default"]
    if default is None:
        return bool(schema.get("nullable"))
    if "enum" in schema and default not in schema["enum"]:
        return False
    if isinstance(default, str):
        if len(default) < schema.get("minLength", 0):
            return False
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, default):
            return False
    return True


class ApiAutoSchema(AutoSchema):
    def get_operation(  # type: ignore[no-untyped-def]
        self, path, path_regex, path_prefix, method, registry
    ):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        anonymous = anonymous_allowed(self.view, self.method)
        operation["security"] = self._security(operation.get("security", []), anonymous)
        parameters = [
            parameter
            for parameter in operation.get("parameters", [])
            if (parameter["in"], parameter["name"]) != ("query", api_settings.URL_FORMAT_OVERRIDE)
        ]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and "default" in schema and not default_is_valid(schema):
                del schema["default"]
        if parameters:
            operation["parameters"] = parameters
        else:
            operation.pop("parameters", None)
        self._add_errors(operation, anonymous)
        return operation

    @staticmethod
    def _security(declared: list[dict[str, Any]], anonymous: bool) -> list[dict[str, Any]]:
        schemes = [requirement for requirement in declared if requirement]
        return ([{}] if anonymous else []) + schemes

    def _add_errors(self, operation: dict[str, Any], anonymous: bool) -> None:
        writes = self.method in WRITE_METHODS
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = {401, 503}
        if has_body or writes or any(p["in"] == "query" for p in parameters):
            codes.add(400)
        if not anonymous or writes:
            codes.add(403)
        if any(p["in"] == "path" or (p["in"], p["name"]) == ("query", "page") for p in parameters):
            codes.add(404)
        if writes:
            codes.add(409)
        if has_body:
            codes |= {413, 415}
            if "multipart/form-data" in operation["requestBody"].get("content", {}):
                codes.add(411)  # hub.uploads_asgi: a chunked upload is not read at all
        if self.view.get_throttles():
            codes.add(429)
        codes -= set(getattr(self.view, "never_answers", ()))
        responses = operation["responses"]
        for code, description in getattr(self.view, "also_answers", {}).items():
            responses.setdefault(str(code), {"description": description})
        for code in sorted(codes):
            responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
        error_ref = self._error_component()
        for code, response in responses.items():
            if not code.isdigit() or int(code) < 400:
                continue
            if response.get("description", "No response body") == "No response body":
                response["description"] = ERROR_DESCRIPTIONS.get(int(code), "")
            response["content"] = {"application/json": {"schema": error_ref}}
            if int(code) in (429, 503):
                response.setdefault("headers", {}).update(RETRY_AFTER)
        operation["responses"] = dict(sorted(responses.items()))

    def _error_component(self) -> dict[str, str]:
        component = ResolvedComponent(
            name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component.ref
