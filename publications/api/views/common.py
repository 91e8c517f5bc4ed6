"""Helpers shared by the publications API views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.parsers import JSONParser
from hub.uploads import limit_upload_size
from publications.exports import csv_lines

# Read by the schema (hub/api/schema.py): the lists and exports that take ``state``.
DRAFTS_NEED_RIGHTS = {403: "`state=draft` or `all`: only for the commune's publishers (`permission_denied`)."}


class CSVRenderer(PassThroughRenderer):
    media_type = "text/csv"
    format = "csv"


class ICalendarRenderer(PassThroughRenderer):
    media_type = "text/calendar"
    format = "ics"


class UploadView(APIView):
    """Views receiving files: the size is checked from ``Content-Length`` before the body is parsed
    (DRF's CSRF check for session users reads ``request.POST``, so this runs before authentication),
    and a streaming guard stops a body that lies about its length."""

    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method in ("POST", "PUT", "PATCH"):
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)


class ExportView(APIView):
    """Base of the open-data exports: whole-table answers, so a throttle budget of their own."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "export"


class CSVExportView(ExportView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = AnyAcceptNegotiation


def csv_export_response(columns: Any, rows: Iterable[dict[str, Any]], filename: str) -> StreamingHttpResponse:
    """UTF-8, ``;``-separated, formula cells neutralised, streamed row by row."""
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_export_response(rows: Iterable[dict[str, Any]], filename: str) -> Response:
    response = Response(list(rows))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
