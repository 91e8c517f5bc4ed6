"""Consultations over REST (the API the mobile apps use): a commune's consultations, one with its
questionnaire, the staff's writes (create, change, move its phase, publish the response), a person's
own response, the comments on the draft's sections, and the results with their open-data exports.

Thin views: the services check who may write and what is valid (one error shape: 400
``validation_error`` with ``fields``, 409 ``wrong_phase``, 403 ``forbidden``), the selectors who sees
what. A staff write asks the service's permission question before the body is read, so that a citizen
or staff of another commune is told 403, never 400 about fields they may not send at all.

Answers are private: the only answers a person can read are their own (``my-response``); everyone
else, staff included, reads aggregates (``results``), and staff the free-text answers without names.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations import export, selectors
from consultations.api import output_consultations as out
from consultations.api import serializers_consultations as s
from consultations.errors import ConsultationNotFound, Forbidden
from consultations.models import Comment, Consultation
from consultations.permissions import can_manage
from consultations.results import text_answers
from consultations.selectors import consultation_get, response_for, section_get
from consultations.services import (
    comment_hide,
    comment_post,
    consultation_create,
    consultation_respond,
    consultation_set_phase,
    consultation_update,
    response_save,
)
from consultations.services.common import require_manager, require_user
from hub.api.exports import CSVExportView, ExportView, csv_export_response
from hub.api.validation import validated, validated_query
from hub.cleaning import as_id
from hub.errors import NotFound
from hub.models import Commune

ERRORS = {
    400: OpenApiResponse(
        description="Invalid input: `invalid` (with `fields`: the shape or a JSON type), "
        "`validation_error` (with `fields`: a rule of the service; a question's answer under "
        "`question_<id>`, a questionnaire's item under `questions.<n>.<field>`)."
    ),
    403: OpenApiResponse(
        description="Not staff managing this commune's consultations, not a moderator (`forbidden`), or CSRF."
    ),
    404: OpenApiResponse(description="No such commune, consultation, section or comment (`not_found`)."),
    409: OpenApiResponse(
        description="Not in the consultation's current phase (`wrong_phase`): answering before it "
        "opens or after it closes, changing its questions once open, a move its phase does not allow."
    ),
}
NOT_FOUND = {404: ERRORS[404]}
RESULTS_NOT_PUBLIC = OpenApiResponse(
    description="The results are not public yet (`forbidden`): they are once the consultation closes; "
    "before, for the commune's staff and facilitators only."
)


def commune_get(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def visible_consultation(request: Request, consultation_id: Any) -> Consultation:
    """A consultation this person may see (a draft is its staff's only), or 404."""
    return selectors.visible_consultation(request.user, consultation_id)


def detail_response(request: Request, consultation_id: int, code: int = status.HTTP_200_OK) -> Response:
    consultation = consultation_get(consultation_id)
    context = {"manage": can_manage(request.user, consultation.commune)}
    return Response(out.ConsultationOut(consultation, context=context).data, status=code)


# --- Consultations ------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(operation_id="communes_consultations_list", parameters=[s.ConsultationQueryIn])
)
class ConsultationListView(ListAPIView):
    """A commune's consultations, the latest opening first: the public ones (announced, open, closed,
    responded), and the drafts too for its staff."""

    serializer_class = out.ConsultationSummaryOut

    def get_queryset(self) -> QuerySet[Consultation]:
        commune = commune_get(self.kwargs["slug"])
        query = validated_query(s.ConsultationQueryIn, self.request)
        rows = selectors.visible_to(self.request.user, commune)
        if query.get("phase"):
            rows = rows.filter(phase=query["phase"])
        return rows.order_by("-opens_at", "-id")

    @extend_schema(
        operation_id="communes_consultations_create",
        request=s.ConsultationIn,
        responses={201: out.ConsultationOut, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Make a consultation, in the draft phase (only staff see it until it is announced): its
        period, the draft document consulted on (its current file is pinned), its questionnaire
        (questions with their options, in order) and the draft's sections for comments."""
        commune = commune_get(slug)
        require_manager(request.user, commune)
        data = validated(s.ConsultationIn, request.data)
        consultation = consultation_create(request.user, commune, data)
        return detail_response(request, consultation.pk, status.HTTP_201_CREATED)


class ConsultationDetailView(APIView):
    @extend_schema(operation_id="consultations_retrieve", responses={200: out.ConsultationOut, **NOT_FOUND})
    def get(self, request: Request, consultation_id: int) -> Response:
        """A consultation: its phase and dates, the draft document and the file version pinned, the
        questionnaire (questions with their options), the draft's sections and, once published, the
        commune's response and the adopted document."""
        consultation = visible_consultation(request, consultation_id)
        return detail_response(request, consultation.pk)

    @extend_schema(
        operation_id="consultations_update",
        request=s.ConsultationPatchIn,
        responses={200: out.ConsultationOut, **ERRORS},
    )
    def patch(self, request: Request, consultation_id: int) -> Response:
        """Change a consultation (staff): the fields sent only. Before it opens anything (the
        questions and sections sent replace the old ones); once open, the title, the summary and a
        later closing date; once closed, nothing (409)."""
        consultation = visible_consultation(request, consultation_id)
        require_manager(request.user, consultation.commune)
        data = validated(s.ConsultationPatchIn, request.data)
        consultation_update(request.user, consultation, data)
        return detail_response(request, consultation.pk)


class ConsultationPhaseView(APIView):
    @extend_schema(
        operation_id="consultations_phase",
        request=s.ConsultationPhaseIn,
        responses={200: out.ConsultationOut, **ERRORS},
    )
    def post(self, request: Request, consultation_id: int) -> Response:
        """Move the consultation on (staff): ``announced`` (public, not yet open), ``open`` (answers
        accepted; followers are told), ``closed`` (results public; participants are told). Forward
        only: 409 ``wrong_phase`` otherwise."""
        consultation = visible_consultation(request, consultation_id)
        require_manager(request.user, consultation.commune)
        data = validated(s.ConsultationPhaseIn, request.data)
        consultation_set_phase(request.user, consultation, data["phase"])
        return detail_response(request, consultation.pk)


class ConsultationRespondView(APIView):
    @extend_schema(
        operation_id="consultations_response",
        request=s.ConsultationResponseIn,
        responses={200: out.ConsultationOut, **ERRORS},
    )
    def put(self, request: Request, consultation_id: int) -> Response:
        """Publish the commune's response to a closed consultation (staff): what it heard, what it will
        do, and the adopted document. Participants and followers are told once; publishing again
        corrects the text."""
        consultation = visible_consultation(request, consultation_id)
        require_manager(request.user, consultation.commune)
        data = validated(s.ConsultationResponseIn, request.data)
        consultation_respond(request.user, consultation, data)
        return detail_response(request, consultation.pk)


# --- One's own response -------------------------------------------------------------------------------


class MyResponseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="consultations_my_response_retrieve",
        responses={
            200: out.ConsultationMyResponseOut,
            404: OpenApiResponse(description="No such consultation, or you have not answered it yet."),
        },
    )
    def get(self, request: Request, consultation_id: int) -> Response:
        """Your own response (a draft or submitted), in the shape it is sent. Nobody else can read it."""
        consultation = visible_consultation(request, consultation_id)
        response = response_for(request.user, consultation)
        if response is None:
            raise NotFound(_("You have not answered this consultation yet."))
        return Response(out.ConsultationMyResponseOut(response).data)

    @extend_schema(
        operation_id="consultations_my_response_update",
        request=s.ConsultationMyResponseIn,
        responses={200: out.ConsultationMyResponseOut, **ERRORS},
    )
    def put(self, request: Request, consultation_id: int) -> Response:
        """Save your answers while the consultation is open: the whole questionnaire (these answers
        replace the earlier ones), as a draft (``submit`` false) or submitted (every required question
        answered). Sending the same body again changes nothing (idempotent)."""
        consultation = visible_consultation(request, consultation_id)
        user = require_user(request.user)
        data = validated(s.ConsultationMyResponseIn, request.data)
        submit = data.pop("submit", False)
        response_save(user, consultation, data, submit=submit)
        saved = response_for(user, consultation)
        return Response(out.ConsultationMyResponseOut(saved).data)


# --- Comments on the draft's sections -----------------------------------------------------------------


class SectionCommentsView(APIView):
    @extend_schema(
        operation_id="consultations_section_comments_list",
        responses={200: out.ConsultationCommentOut(many=True), **NOT_FOUND},
    )
    def get(self, request: Request, consultation_id: int, section_id: int) -> Response:
        """The section's visible comments, oldest first, each with the staff's replies."""
        consultation = visible_consultation(request, consultation_id)
        section = section_get(section_id, consultation=consultation)
        found = next(row for row in selectors.sections_with_comments(consultation) if row.pk == section.pk)
        comments = found.visible_comments  # type: ignore[attr-defined]
        return Response(out.ConsultationCommentOut(comments, many=True).data)

    @extend_schema(
        operation_id="consultations_section_comments_create",
        request=s.ConsultationCommentIn,
        responses={201: out.ConsultationCommentOut, **ERRORS},
    )
    def post(self, request: Request, consultation_id: int, section_id: int) -> Response:
        """Comment on the section while the consultation is open (signed in); or, for the commune's
        staff, reply to a comment (``parent``) while it is open or closed. 409 when the consultation
        takes no comments or is not open."""
        consultation = visible_consultation(request, consultation_id)
        section = section_get(section_id, consultation=consultation)
        data = validated(s.ConsultationCommentIn, request.data)
        comment = comment_post(
            request.user,
            section,
            data["body"],
            parent=data.get("parent"),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return Response(out.ConsultationCommentOut(comment).data, status=status.HTTP_201_CREATED)


class CommentHideView(APIView):
    @extend_schema(
        operation_id="consultations_comment_hide",
        request=s.ConsultationCommentHideIn,
        responses={200: out.ConsultationCommentHiddenOut, **ERRORS},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        """Hide a comment or a reply (the commune's moderators and staff), with the reason (kept in
        the audit log). It disappears from the lists."""
        pk = as_id(comment_id)
        comment = (
            Comment.objects.select_related("section__consultation__commune").filter(pk=pk).first()
            if pk
            else None
        )
        if comment is None:
            raise ConsultationNotFound(_("This comment does not exist."))
        data = validated(s.ConsultationCommentHideIn, request.data)
        comment_hide(request.user, comment, data["reason"])
        return Response({"id": comment.pk, "hidden": comment.hidden, "hidden_reason": comment.hidden_reason})


# --- Results and their exports ------------------------------------------------------------------------


def results_consultation(request: Request, consultation_id: Any) -> Consultation:
    consultation = visible_consultation(request, consultation_id)
    if not selectors.can_see_results(request.user, consultation):
        raise Forbidden(_("The results are published when the consultation closes."))
    return consultation


def public_results(request: Request, consultation_id: Any) -> Consultation:
    """The exports are open data: only once the results are public, for everyone alike."""
    consultation = visible_consultation(request, consultation_id)
    if not consultation.results_public:
        raise Forbidden(_("The results are published when the consultation closes."))
    return consultation


class ResultsView(APIView):
    @extend_schema(
        operation_id="consultations_results",
        responses={200: out.ConsultationResultsOut, 403: RESULTS_NOT_PUBLIC, **NOT_FOUND},
    )
    def get(self, request: Request, consultation_id: int) -> Response:
        """The results, online and workshops apart and added up: participation (by gender, age band,
        disability, arrondissement) and, per question, each option's people (points for a ranking)
        and share. Public once the consultation closes; the commune's staff also get the free-text
        answers (``text_answers``, without names)."""
        consultation = results_consultation(request, consultation_id)
        data = export.results_data(consultation)
        if can_manage(request.user, consultation.commune):
            data["text_answers"] = out.texts_data(text_answers(consultation))
        return Response(data)


class ResultsJSONView(ExportView):
    @extend_schema(
        operation_id="consultations_results_json",
        responses={200: out.ConsultationResultsOut, 403: RESULTS_NOT_PUBLIC, **NOT_FOUND},
    )
    def get(self, request: Request, consultation_id: int) -> Response:
        """The results as an open-data JSON file (once the consultation has closed): as ``results``,
        without the free-text answers."""
        consultation = public_results(request, consultation_id)
        response = Response(export.results_data(consultation))
        response["Content-Disposition"] = (
            f'attachment; filename="{export.results_filename(consultation, "json")}"'
        )
        return response


class ResultsCSVView(CSVExportView):
    @extend_schema(
        operation_id="consultations_results_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR, 403: RESULTS_NOT_PUBLIC, **NOT_FOUND},
    )
    def get(self, request: Request, consultation_id: int) -> StreamingHttpResponse:
        """The results as CSV (once the consultation has closed): participation rows, then one row per
        question, option and channel (online, workshop, total) with its value, share and base.
        Columns: consultations/export.py."""
        consultation = public_results(request, consultation_id)
        data = export.results_data(consultation)
        return csv_export_response(
            export.RESULT_COLUMNS, export.result_rows(data), export.results_filename(consultation, "csv")
        )
