"""Input validation shared by every API view: run an input serializer, raise the one error shape.

The API takes what its schema says (hub/api/schema.py), no more. DRF reads JSON leniently, the way
it reads form data, where every value is text: ``"12"`` is taken for an integer, ``12`` for a string,
``"yes"`` for a boolean. In a JSON body such a value is refused here (400 ``invalid``, with the
field), as a client generated from the schema would never send it; form data (multipart) is still
read as text. A query parameter that is present is a value, even when empty (``validated_query``).
A cursor that does not decode is bad input (400 ``invalid_cursor``) on every list, and a date and time
must lie in the years the hub's time zone writes as ISO 8601 (``DateTimeInRange``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

from hub.errors import InvalidInput
from hub.limits import ID_MAX

__all__ = [
    "ID_MAX",
    "DateTimeInRange",
    "StrictCursorPagination",
    "StrictPageNumberPagination",
    "validated",
    "validated_query",
]


def validated(serializer_class: type, data: Any) -> dict[str, Any]:
    """The validated data of ``serializer_class(data=data)``; a DRF ``ValidationError`` otherwise,
    which the project's exception handler turns into ``{"error": {"code": "invalid", "fields"}}``."""
    serializer = serializer_class(data=data)
    if isinstance(data, Mapping) and not isinstance(data, QueryDict):  # a JSON body
        errors = _json_type_errors(serializer, data)
        if errors:
            raise ValidationError(errors)
    return _run(serializer)


def validated_query(serializer_class: type, request: Request) -> dict[str, Any]:
    """The validated query parameters of ``request``.

    A parameter that is present is a value, even when empty: ``?status=`` is checked like any other
    status (and refused when the schema says enum), where DRF's reading of form data would take an
    empty value for an absent one. Absent parameters get their serializer defaults. A parameter
    given twice counts once (the last), as everywhere else in Django."""
    return _run(serializer_class(data=request.query_params.dict()))


def _run(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _message(field: serializers.Field, key: str, **kwargs: Any) -> str:
    return str(field.error_messages[key]).format(**kwargs)


def _json_type_error(field: serializers.Field, value: Any) -> Any:
    """What is wrong with the JSON type of ``value`` for ``field`` (``None``: nothing)."""
    if value is None:  # the field's own allow_null decides
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else [_message(field, "invalid")]
    if isinstance(field, serializers.IntegerField):
        is_integer = isinstance(value, int) and not isinstance(value, bool)
        return None if is_integer else [_message(field, "invalid")]
    if isinstance(field, serializers.FloatField):
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if is_number else [_message(field, "invalid")]
    if isinstance(field, serializers.CharField):  # slugs, e-mails and URLs included
        return None if isinstance(value, str) else [_message(field, "invalid")]
    if isinstance(field, serializers.ChoiceField) and not isinstance(field, serializers.MultipleChoiceField):
        text_choices = all(isinstance(key, str) for key in field.choices)
        if text_choices and not isinstance(value, str):
            return [_message(field, "invalid_choice", input=value)]
        return None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None  # DRF says "not a list" itself
        items = {index: _json_type_error(field.child, item) for index, item in enumerate(value)}
        return {index: error for index, error in items.items() if error} or None
    if isinstance(field, serializers.Serializer):
        return _json_type_errors(field, value) or None if isinstance(value, Mapping) else None
    return None


def _json_type_errors(serializer: serializers.Serializer, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for name, field in serializer.fields.items():
        if field.read_only or name not in data:
            continue
        error = _json_type_error(field, data[name])
        if error:
            errors[name] = error
    return errors


class DateTimeInRange(serializers.DateTimeField):
    """A date and time from 2000 to 2199. Before 1912 the hub's time zone had a local mean time
    offset (``+00:10:28``) that ISO 8601 cannot write, and far years overflow on conversion; no
    meeting, event or deadline of a commune lies outside these years."""

    FIRST_YEAR, LAST_YEAR = 2000, 2199

    def to_internal_value(self, value: Any) -> datetime.datetime:
        parsed = super().to_internal_value(value)
        if not self.FIRST_YEAR <= parsed.year <= self.LAST_YEAR:
            raise ValidationError(
                _("A date between the years %(first)s and %(last)s.")
                % {"first": self.FIRST_YEAR, "last": self.LAST_YEAR}
            )
        return parsed


class StrictCursorPagination(CursorPagination):
    """DRF answers a tampered cursor with 404, or quietly with the first page; here it is bad input
    (400 ``invalid_cursor``), as on every other list: strict base64, and a position that is a date
    (the lists using it are ordered by a date first). ``page_size`` outside 1..``max_page_size``
    is refused too, where DRF would fall back to its default."""

    max_page_size = 100

    def decode_cursor(self, request: Any) -> Any:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        invalid = InvalidInput(_("This page cursor is not valid."), code="invalid_cursor")
        try:
            base64.b64decode(raw.encode("ascii"), validate=True)
            cursor = super().decode_cursor(request)
        except (NotFound, ValueError, binascii.Error, UnicodeError):
            raise invalid from None
        position = None if cursor is None else cursor.position
        try:  # a well-formed but impossible date (month 13) raises instead of answering None
            if position is not None and parse_datetime(str(position)) is None:
                raise invalid
        except ValueError:
            raise invalid from None
        return cursor

    def get_page_size(self, request: Any) -> int:
        if not self.page_size_query_param or self.page_size_query_param not in request.query_params:
            return int(self.page_size or 0)
        size = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return int(size.run_validation(request.query_params[self.page_size_query_param]))
        except ValidationError as exc:
            raise ValidationError({self.page_size_query_param: exc.detail}) from None


class StrictPageNumberPagination(PageNumberPagination):
    """``?page=`` is a whole number from 1 (400 otherwise, where DRF reads an empty or unknown value
    as the first page or a 404); a page past the last one is still 404. The default pagination
    (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``)."""

    def get_page_number(self, request: Any, paginator: Any) -> int:
        if self.page_query_param not in request.query_params:
            return 1
        number = serializers.IntegerField(min_value=1)
        try:
            return int(number.run_validation(request.query_params[self.page_query_param]))
        except ValidationError as exc:
            raise ValidationError({self.page_query_param: exc.detail}) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
