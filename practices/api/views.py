"""The good-practices library over REST: thin views that parse input, call one selector or service,
serialize.

Reading is open to everyone (published sheets, themes); a commune's staff also read its drafts and
write, publish and withdraw its sheets; anyone signed in follows themes and asks a sheet's commune
a question (a thread of its forum). The pages call the same services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import StrictPageNumberPagination, validated, validated_query
from hub.errors import NotFound
from hub.models import Commune
from practices import selectors, services
from practices.api import serializers as s
from practices.api.output import (
    PracticeFollowStateOut,
    PracticeQuestionOut,
    PracticeSheetDetailOut,
    PracticeSheetOut,
    PracticeThemeOut,
)
from practices.models import PracticeSheet

ERRORS = {
    400: OpenApiResponse(description="Invalid input (``{error: {code, message, fields}}``)."),
    401: OpenApiResponse(description="Sign in first."),
    403: OpenApiResponse(description="Not staff of this sheet's commune (``forbidden``)."),
    404: OpenApiResponse(description="No such sheet (or not published), theme or commune."),
    409: OpenApiResponse(description="The sheet is not in the state this needs (``wrong_status``)."),
}


def _commune(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def detail_response(sheet: PracticeSheet, code: int = status.HTTP_200_OK) -> Response:
    context = {
        "documents": selectors.sheet_documents(sheet),
        "questions": selectors.sheet_questions(sheet),
    }
    return Response(PracticeSheetDetailOut(sheet, context=context).data, status=code)


class SheetPagination(StrictPageNumberPagination):
    page_size = 20


class SheetListView(ListAPIView):
    serializer_class = PracticeSheetOut
    pagination_class = SheetPagination

    def get_queryset(self) -> QuerySet[PracticeSheet]:
        return selectors.sheet_list(**validated_query(s.PracticeSheetQueryIn, self.request))

    @extend_schema(operation_id="practices_list", parameters=[s.PracticeSheetQueryIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Published sheets of every commune, newest first; filters ``theme``, ``commune`` (slugs)
        and ``q`` (words); pages of 20 (``page``)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.PracticeSheetIn, responses={201: PracticeSheetDetailOut, **ERRORS})
    def post(self, request: Request) -> Response:
        """Write a new sheet of the commune (its staff who publish), as a draft."""
        data = validated(s.PracticeSheetIn, request.data)
        commune = _commune(data.pop("commune"))
        sheet = services.sheet_create(actor=request.user, commune=commune, data=data)
        return detail_response(selectors.access_sheet(request.user, sheet.pk), status.HTTP_201_CREATED)


class CommuneSheetListView(APIView):
    @extend_schema(
        operation_id="practices_commune_list", responses={200: PracticeSheetOut(many=True), 404: ERRORS[404]}
    )
    def get(self, request: Request, slug: str) -> Response:
        """The commune's sheets (not paginated): published ones for everyone, every one (drafts and
        withdrawn sheets too) for its staff."""
        commune = _commune(slug)
        sheets = selectors.commune_sheets(commune, user=request.user)
        return Response(PracticeSheetOut(sheets, many=True).data)


class SheetDetailView(APIView):
    @extend_schema(responses={200: PracticeSheetDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, sheet_id: int) -> Response:
        """A sheet with its still published documents and the questions asked (with their answer
        state); a draft or withdrawn sheet only for its commune's staff."""
        return detail_response(selectors.access_sheet(request.user, sheet_id))

    @extend_schema(request=s.PracticeSheetPatchIn, responses={200: PracticeSheetDetailOut, **ERRORS})
    def patch(self, request: Request, sheet_id: int) -> Response:
        """Edit a sheet (its commune's staff); a published sheet stays published."""
        sheet = selectors.access_sheet(request.user, sheet_id, manage=True)
        changes = validated(s.PracticeSheetPatchIn, request.data)
        services.sheet_update(actor=request.user, sheet=sheet, changes=changes)
        return detail_response(selectors.access_sheet(request.user, sheet_id))


class SheetPublishView(APIView):
    @extend_schema(request=None, responses={200: PracticeSheetDetailOut, **ERRORS})
    def post(self, request: Request, sheet_id: int) -> Response:
        """Publish a draft or a withdrawn sheet (its commune's staff). The first time, the followers
        of its themes are told."""
        sheet = selectors.access_sheet(request.user, sheet_id, manage=True)
        services.sheet_publish(actor=request.user, sheet=sheet)
        return detail_response(selectors.access_sheet(request.user, sheet_id))


class SheetWithdrawView(APIView):
    @extend_schema(request=s.PracticeWithdrawIn, responses={200: PracticeSheetDetailOut, **ERRORS})
    def post(self, request: Request, sheet_id: int) -> Response:
        """Withdraw a published sheet (its commune's staff): the public no longer sees it."""
        sheet = selectors.access_sheet(request.user, sheet_id, manage=True)
        data = validated(s.PracticeWithdrawIn, request.data)
        services.sheet_withdraw(actor=request.user, sheet=sheet, reason=data["reason"])
        return detail_response(selectors.access_sheet(request.user, sheet_id))


class QuestionCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(request=s.PracticeQuestionIn, responses={201: PracticeQuestionOut, **ERRORS})
    def post(self, request: Request, sheet_id: int) -> Response:
        """Ask the sheet's commune a question (signed in): a discussion opens in that commune's forum,
        where its staff answer; you follow it. The forum's rules apply (``muted``,
        ``new_account_limited``, ``forum_closed``: 400 or 403)."""
        sheet = selectors.access_sheet(request.user, sheet_id)
        data = validated(s.PracticeQuestionIn, request.data)
        question = services.question_ask(
            actor=request.user, sheet=sheet, title=data["title"], body=data["body"]
        )
        return Response(PracticeQuestionOut(question).data, status=status.HTTP_201_CREATED)


class ThemeListView(APIView):
    @extend_schema(operation_id="practices_themes_list", responses={200: PracticeThemeOut(many=True)})
    def get(self, request: Request) -> Response:
        """The library's themes in order, with their published sheet counts and, signed in, whether
        you follow each."""
        return Response(PracticeThemeOut(selectors.theme_list(user=request.user), many=True).data)


class ThemeFollowView(APIView):
    """Follow (201, or 200 when already followed) or stop following (200) a theme: you are told
    when a sheet in it is first published, whatever its commune."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(
        request=None,
        responses={200: PracticeFollowStateOut, 201: PracticeFollowStateOut, 404: ERRORS[404]},
    )
    def post(self, request: Request, slug: str) -> Response:
        theme = selectors.theme_get(slug)
        created = services.theme_follow(actor=request.user, theme=theme)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(PracticeFollowStateOut({"theme": theme.slug, "followed": True}).data, status=code)

    @extend_schema(request=None, responses={200: PracticeFollowStateOut, 404: ERRORS[404]})
    def delete(self, request: Request, slug: str) -> Response:
        theme = selectors.theme_get(slug)
        services.theme_unfollow(actor=request.user, theme=theme)
        return Response(PracticeFollowStateOut({"theme": theme.slug, "followed": False}).data)
