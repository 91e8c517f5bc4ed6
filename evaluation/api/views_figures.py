"""A commune's evaluation figures for the mobile apps and open data:
``GET /api/v1/communes/<slug>/evaluation/?year=YYYY``.

The same figures as the public "open evaluation" page (``evaluation.selectors.commune_figures``,
its shape in that module's docstring): counts only, group tables suppressed under the threshold.
Public; ``year`` is one of the years the platform has figures for (the current one by default):
another year, or one that is not a number, is refused (400 ``invalid``); an unknown commune is 404.
Throttled like the other public reads, and answered from the public read cache for anonymous
clients (``commune_in_path`` in ``evaluation/api/urls.py``: a minute behind at most). Thin."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation.selectors import commune_figures, report_years
from hub.api.validation import validated_query
from hub.errors import InvalidInput, NotFound
from hub.models import Commune


class FiguresQueryIn(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, default=None, min_value=2000, max_value=2200, help_text="This year by default."
    )


class CommuneFiguresView(APIView):
    """A commune's evaluation figures for a year."""

    permission_classes = [permissions.AllowAny]
    never_answers = {403}  # a public read (read by the schema)

    @extend_schema(
        operation_id="evaluation_figures",
        parameters=[
            OpenApiParameter(
                "year",
                int,
                description="A year the platform has figures for (this year by default).",
                required=False,
            )
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The figures (shape: ``evaluation/selectors.py``, version 1): usage, "
                "audience, live, questions, forums, consultations, polls, participation, workshops, "
                "groups (null before the first quarter ends; suppressed cells have ``count`` null), "
                "commitments, transparency, sms.",
            ),
            400: OpenApiResponse(description="``year`` is not a year with figures (``invalid``)."),
            404: OpenApiResponse(description="No commune has this name (``commune_not_found``)."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            raise NotFound(_("No commune has this name."), code="commune_not_found")
        years = report_years()
        year = validated_query(FiguresQueryIn, request)["year"] or years[0]
        if year not in years:
            message = _("There are no figures for this year.")
            raise InvalidInput(message, fields={"year": [message]})
        return Response(commune_figures(commune, year))
