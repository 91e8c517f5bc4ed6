"""What every open-data export of the API shares: CSV text (UTF-8 with a byte-order mark,
``;``-separated for spreadsheets in French locales, formula cells neutralised: OWASP "CSV
injection"), streamed; the export views' throttle budget; the CSV renderer and the answers with their
file names. Publications, commitments and the council's record use it."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CSV_DELIMITER = ";"  # what spreadsheets in French locales split on


def csv_cell(value: Any) -> Any:
    """A value made safe for a spreadsheet: text that could start a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


def csv_lines(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text, line by line (for a streaming response), UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
        yield flush()


class CSVRenderer(PassThroughRenderer):
    media_type = "text/csv"
    format = "csv"


class ExportView(APIView):
    """Base of the open-data exports: whole-table answers, so a throttle budget of their own."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "export"


class CSVExportView(ExportView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = AnyAcceptNegotiation


def csv_export_response(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], filename: str
) -> StreamingHttpResponse:
    """UTF-8, ``;``-separated, formula cells neutralised, streamed row by row."""
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_export_response(rows: Iterable[dict[str, Any]], filename: str) -> Response:
    response = Response(list(rows))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
