"""The publication register and the transparency scorecard over the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import validated_query
from hub.selectors import commune_get
from publications.api import serializers as s
from publications.selectors.register import commune_register, default_fiscal_year, scorecard


class CommuneRegisterView(APIView):
    @extend_schema(parameters=[s.RegisterQueryIn], responses=s.RegisterOut)
    def get(self, request: Request, slug: str) -> Response:
        """For one fiscal year (default: the last closed one), each legally expected publication:
        ``on_time``, ``late``, ``missing`` or ``not_due``, with the documents that fulfil it."""
        year = validated_query(s.RegisterQueryIn, request)["fiscal_year"] or default_fiscal_year()
        return Response(
            s.RegisterOut(commune_register(commune=commune_get(slug=slug), fiscal_year=year)).data
        )


class ScorecardView(APIView):
    @extend_schema(parameters=[s.RegisterQueryIn], responses=s.RegisterSummaryOut(many=True))
    def get(self, request: Request) -> Response:
        """The transparency scorecard: every pilot commune's register summary for a fiscal year."""
        year = validated_query(s.RegisterQueryIn, request)["fiscal_year"] or default_fiscal_year()
        return Response(s.RegisterSummaryOut(scorecard(fiscal_year=year), many=True).data)
