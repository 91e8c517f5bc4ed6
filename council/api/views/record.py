"""The council's record of a commune's year as open data: JSON, and the votes and the roll calls as
CSV (UTF-8 with a byte-order mark, ``;``-separated, formula cells neutralised). Whole-year answers:
the export throttle budget, as the other open data."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from council import export
from council.api.output import CouncilRecordOut
from council.api.views.common import commune_get
from hub.api.exports import CSVExportView, ExportView, csv_export_response
from hub.errors import NotFound

YEAR_404 = {404: OpenApiResponse(description="No such commune, or a year outside 1990–2200.")}


def year_record(slug: str, year: int) -> export.YearRecord:
    if not export.FIRST_YEAR <= year <= export.LAST_YEAR:
        raise NotFound(
            _("Give a year between %(first)d and %(last)d.")
            % {"first": export.FIRST_YEAR, "last": export.LAST_YEAR}
        )
    return export.year_record(commune_get(slug), year)


class RecordView(ExportView):
    @extend_schema(operation_id="communes_council_record", responses={200: CouncilRecordOut, **YEAR_404})
    def get(self, request: Request, slug: str, year: int) -> Response:
        """The council's record of the year: members, and each council session with its quorum, roll
        call and motions (tallies, results, named votes, corrections)."""
        record = year_record(slug, year)
        response = Response(export.year_json(record))
        response["Content-Disposition"] = f'attachment; filename="conseil-{slug}-{year}.json"'
        return response


class RecordVotesCSVView(CSVExportView):
    @extend_schema(
        operation_id="communes_council_record_votes_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR, **YEAR_404},
    )
    def get(self, request: Request, slug: str, year: int) -> StreamingHttpResponse:
        """The year's votes as CSV: one row per named vote, one per secret ballot with its counts
        (member columns empty). Columns: docs/api.md."""
        record = year_record(slug, year)
        return csv_export_response(export.VOTE_COLUMNS, export.vote_rows(record), f"votes-{slug}-{year}.csv")


class RecordAttendanceCSVView(CSVExportView):
    @extend_schema(
        operation_id="communes_council_record_attendance_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR, **YEAR_404},
    )
    def get(self, request: Request, slug: str, year: int) -> StreamingHttpResponse:
        """The year's roll calls as CSV: one row per line. Columns: docs/api.md."""
        record = year_record(slug, year)
        return csv_export_response(
            export.ATTENDANCE_COLUMNS, export.attendance_rows(record), f"presences-{slug}-{year}.csv"
        )
