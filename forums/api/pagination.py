"""Keyset (cursor) pagination for the forum lists: the cursor is the last row's (sort value, id),
so page N costs what page 1 costs (no OFFSET, no COUNT). A cursor that does not decode is a 400."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from hub import jsonlimits
from hub.errors import InvalidInput

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def invalid_cursor() -> InvalidInput:
    return InvalidInput(_("This page cursor is not valid."), code="invalid_cursor")


def encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, field_is_datetime: bool) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = jsonlimits.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or pk < 0:
            raise ValueError
        if field_is_datetime:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        elif not isinstance(value, int) or isinstance(value, bool):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid_cursor() from None
    return value, pk


def page_size(request: Request) -> int:
    raw = request.query_params.get("page_size") or ""
    if not raw:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise InvalidInput(fields={"page_size": [_("A whole number from 1 to 100.")]}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(fields={"page_size": [_("A whole number from 1 to 100.")]})
    return size


def keyset_page(request: Request, rows: QuerySet[Any], field: str) -> tuple[list[Any], str | None]:
    """One page of ``rows`` (ordered by ``-field, -id``) after ``?cursor=``; returns (rows, next URL)."""
    size = page_size(request)
    cursor = request.query_params.get("cursor")
    is_datetime = field.endswith("_at")
    if cursor:
        value, pk = decode_cursor(cursor, is_datetime)
        rows = rows.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
    page = list(rows[: size + 1])
    next_url = None
    if len(page) > size:
        page = page[:size]
        last = page[-1]
        next_url = replace_query_param(
            request.build_absolute_uri(), "cursor", encode_cursor(getattr(last, field), last.pk)
        )
    return page, next_url
