"""Cursor pagination of the session list (stable under inserts, index-backed)."""

from __future__ import annotations

from hub.api.validation import StrictCursorPagination


class SessionCursorPagination(StrictCursorPagination):
    ordering = ("-starts_at", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
