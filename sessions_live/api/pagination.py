"""Cursor pagination of the session list (stable under inserts, index-backed)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from hub.errors import InvalidInput


class SessionCursorPagination(CursorPagination):
    ordering = ("-starts_at", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Any) -> Any:
        """DRF answers a tampered cursor with 404, or quietly with the first page; here it is bad
        input (400), as on every other list: strict base64, and a position that is a date."""
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
        if position is not None and parse_datetime(str(position)) is None:
            raise invalid
        return cursor
