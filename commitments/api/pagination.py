"""Keyset (cursor) pagination of commitment lists, newest first: the cursor is the last row's id,
so page N costs what page 1 costs (no OFFSET, no COUNT). A cursor that does not decode is a 400
``invalid_cursor``; ``page_size`` is 1–100 (default 25), as on the forum lists."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from hub.api.validation import ID_MAX
from hub.errors import InvalidInput

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"i{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    invalid = InvalidInput(_("This page cursor is not valid."), code="invalid_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raise invalid from None
    if not raw.startswith("i") or not raw[1:].isdigit() or len(raw) > 20:
        raise invalid
    pk = int(raw[1:])
    if not 0 < pk <= ID_MAX:
        raise invalid
    return pk


def page_size(request: Request) -> int:
    raw = request.query_params.get("page_size") or ""
    if not raw:
        return DEFAULT_PAGE_SIZE
    message = _("A whole number from 1 to 100.")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidInput(fields={"page_size": [message]})
    return int(raw)


def keyset_page(request: Request, rows: QuerySet[Any]) -> tuple[list[Any], str | None]:
    """One page of ``rows`` (ordered by ``-id``) after ``?cursor=``; returns (rows, next URL)."""
    size = page_size(request)
    cursor = request.query_params.get("cursor")
    if cursor:
        rows = rows.filter(pk__lt=decode_cursor(cursor))
    page = list(rows.order_by("-id")[: size + 1])
    next_url = None
    if len(page) > size:
        page = page[:size]
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", encode_cursor(page[-1].pk))
    return page, next_url
