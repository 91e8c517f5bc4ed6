"""Commitments over REST: thin views that parse input, call one selector or service, serialize.

Reading is open to everyone (commitments are public); writing is for the staff of the commitment's
commune, through the same services as the pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import selectors, services
from commitments.api import serializers as s
from commitments.api.output import (
    CommitmentDetailOut,
    CommitmentOut,
    CommitmentPageOut,
    CommitmentsKeptOnTimeOut,
    CommitmentUpdateOut,
)
from commitments.api.pagination import keyset_page
from commitments.models import Commitment, OriginKind, today
from hub.api.exports import CSVExportView, ExportView, csv_export_response, json_export_response
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.parsers import JSONParser
from hub.api.schema import IMAGE_CONTENT_TYPES, file_responses
from hub.api.validation import validated, validated_query
from hub.errors import NotFound
from hub.models import Commune
from hub.uploads import limit_upload_size
from sessions_live import selectors as session_selectors

ERRORS = {
    400: OpenApiResponse(description="Invalid input (``{error: {code, message, fields}}``)."),
    401: OpenApiResponse(description="Sign in first."),
    403: OpenApiResponse(description="Not staff of this commune (``forbidden``)."),
    404: OpenApiResponse(description="No such commitment, commune, session, question or proposal."),
    409: OpenApiResponse(description="The question is not answered, or the proposal not accepted."),
}


def _commune(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def detail_response(commitment: Commitment, code: int = status.HTTP_200_OK) -> Response:
    context = {"timeline": selectors.timeline(commitment)}
    return Response(CommitmentDetailOut(commitment, context=context).data, status=code)


class CommitmentListView(APIView):
    @extend_schema(
        operation_id="commitments_list",
        parameters=[s.CommitmentPageQueryIn],
        responses={200: CommitmentPageOut, 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        """Commitments, newest first; filters ``commune`` (slug), ``status``, ``overdue``, ``session``,
        ``origin``; keyset pagination (``cursor``, ``page_size`` 1–100)."""
        query = validated_query(s.CommitmentPageQueryIn, request)
        query.pop("cursor", None)
        query.pop("page_size", None)
        page, next_url = keyset_page(request, selectors.commitment_list(**query))
        return Response({"next": next_url, "results": CommitmentOut(page, many=True).data})

    @extend_schema(request=s.CommitmentIn, responses={201: CommitmentDetailOut, **ERRORS})
    def post(self, request: Request) -> Response:
        """Make a commitment (staff of the commune): ``origin`` direct, ``question`` (an answered
        session question: ``question`` is its id) or ``proposal`` (an accepted forum proposal)."""
        data = validated(s.CommitmentIn, request.data)
        commune = _commune(data.pop("commune"))
        origin = data.pop("origin")
        question, proposal = data.pop("question", None), data.pop("proposal", None)
        if origin == OriginKind.QUESTION:
            commitment = services.commitment_create_from_question(
                actor=request.user, commune=commune, question_id=question, **data
            )
        elif origin == OriginKind.PROPOSAL:
            commitment = services.commitment_create_from_proposal(
                actor=request.user, commune=commune, proposal_id=proposal, **data
            )
        else:
            commitment = services.commitment_create(actor=request.user, commune=commune, **data)
        return detail_response(commitment, status.HTTP_201_CREATED)


class CommitmentDetailView(APIView):
    @extend_schema(responses={200: CommitmentDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, commitment_id: int) -> Response:
        """A commitment with its origin and its timeline."""
        return detail_response(selectors.access_commitment(request.user, commitment_id))

    @extend_schema(request=s.CommitmentPatchIn, responses={200: CommitmentDetailOut, **ERRORS})
    def patch(self, request: Request, commitment_id: int) -> Response:
        """Edit the text, owner or due date (staff); a new status, progress or due date also goes on
        the timeline and is announced."""
        commitment = selectors.access_commitment(request.user, commitment_id, manage=True)
        changes = validated(s.CommitmentPatchIn, request.data)
        updated = services.commitment_update(actor=request.user, commitment=commitment, changes=changes)
        return detail_response(updated)


class CommitmentUpdateCreateView(APIView):
    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The size is checked from Content-Length before the body is parsed (DRF's CSRF check for
        # session users reads request.POST), and a streaming guard stops a body that lies about it.
        if request.method == "POST":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": s.UpdateIn, "application/json": s.UpdateIn},
        responses={
            201: CommitmentUpdateOut,
            **ERRORS,
            413: OpenApiResponse(description="A file is too large."),
        },
    )
    def post(self, request: Request, commitment_id: int) -> Response:
        """Add an entry to the timeline (staff): text, a new status or progress, up to 4 photos, a
        published document of the commune. Watchers and followers are notified."""
        commitment = selectors.access_commitment(request.user, commitment_id, manage=True)
        data = validated(s.UpdateIn, request.data)
        update = services.commitment_post_update(
            actor=request.user,
            commitment=commitment,
            text=data.get("text", ""),
            status=data.get("status") or None,
            progress=data.get("progress"),
            document=data.get("document"),
            photos=data.get("photos") or [],
        )
        return Response(
            CommitmentUpdateOut(selectors.timeline_entry(update.pk)).data, status=status.HTTP_201_CREATED
        )


class PhotoView(APIView):
    renderer_classes = [JSONRenderer, PassThroughRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(responses={**file_responses(IMAGE_CONTENT_TYPES), 404: ERRORS[404]})
    def get(self, request: Request, photo_id: int) -> Any:
        """A photo of a commitment's update."""
        photo = selectors.access_photo(photo_id)
        try:
            handle = photo.file.open("rb")
        except OSError as exc:
            raise NotFound(_("This file is no longer available."), code="file_missing") from exc
        response = FileResponse(handle, content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "public, max-age=3600"
        return response


class ScorecardView(APIView):
    @extend_schema(parameters=[s.ScorecardQueryIn], responses={200: CommitmentsKeptOnTimeOut(many=True)})
    def get(self, request: Request) -> Response:
        """Commitments kept on time, per enabled commune, over the commitments due in ``year``
        (this year by default)."""
        year = validated_query(s.ScorecardQueryIn, request)["year"] or today().year
        return Response(CommitmentsKeptOnTimeOut(selectors.scorecard(year=year), many=True).data)


# --- A session's commitments (the paths the sessions app had) -------------------------------------


class SessionCommitmentListView(APIView):
    @extend_schema(responses={200: CommitmentOut(many=True), 404: ERRORS[404]})
    def get(self, request: Request, session_id: int) -> Response:
        """The commitments made during the session, in order (not paginated)."""
        session = session_selectors.session_get(session_id)
        return Response(CommitmentOut(selectors.session_commitments(session.pk), many=True).data)

    @extend_schema(request=s.SessionCommitmentIn, responses={201: CommitmentOut, **ERRORS})
    def post(self, request: Request, session_id: int) -> Response:
        """Record a commitment (staff): with ``question``, from that answered question of the session."""
        session = session_selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.SessionCommitmentIn, request.data)
        question = data.pop("question", None)
        if question is not None:
            commitment = services.commitment_create_from_question(
                actor=request.user, commune=session.commune, question_id=question, session=session, **data
            )
        else:
            commitment = services.commitment_create(
                actor=request.user, commune=session.commune, session=session, **data
            )
        return Response(CommitmentOut(commitment).data, status=status.HTTP_201_CREATED)


# --- Open data ------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "id",
    "commune",
    "text",
    "status",
    "status_label",
    "overdue",
    "progress",
    "due_on",
    "done_at",
    "kept_on_time",
    "owner",
    "origin",
    "origin_text",
    "origin_author",
    "origin_support_count",
    "session",
    "question",
    "proposal",
    "created_at",
    "updated_at",
    "url",
]


def export_rows(request: Request, commitments: Iterable[Commitment]) -> Iterator[dict[str, Any]]:
    for data in CommitmentOut(list(commitments), many=True).data:
        yield {**data, "url": request.build_absolute_uri(data["path"])}


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    origin = row["origin"]
    return {
        **row,
        "commune": row["commune"]["name"],
        "owner": row["owner_label"],
        "origin": origin["kind"],
        "origin_text": origin["text"],
        "origin_author": origin["author"] or "",
        "origin_support_count": origin["support_count"],
    }


class CommitmentExportCSVView(CSVExportView):
    @extend_schema(
        operation_id="commitments_export_csv",
        parameters=[s.CommitmentQueryIn],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:
        """Commitments as CSV (UTF-8, ``;``-separated, formula cells neutralised); filters as the list."""
        query = validated_query(s.CommitmentQueryIn, request)
        rows = (csv_row(row) for row in export_rows(request, selectors.commitment_list(**query)))
        return csv_export_response(EXPORT_COLUMNS, rows, "engagements.csv")  # type: ignore[return-value]


class CommitmentExportJSONView(ExportView):
    @extend_schema(
        operation_id="commitments_export_json",
        parameters=[s.CommitmentQueryIn],
        responses={200: CommitmentOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        """Commitments as JSON (every matching commitment, not paginated)."""
        query = validated_query(s.CommitmentQueryIn, request)
        return json_export_response(
            export_rows(request, selectors.commitment_list(**query)), "engagements.json"
        )
