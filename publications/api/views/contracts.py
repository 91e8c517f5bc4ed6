"""Awarded contracts over the API: filterable list, staff writes, publication, CSV/JSON exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.exports import CSVExportView, ExportView, csv_export_response, json_export_response
from hub.api.validation import validated, validated_query
from hub.selectors import access_commune_for, signed_in
from publications.api import serializers as s
from publications.api.views.common import DRAFTS_NEED_RIGHTS
from publications.selectors.contracts import access_contract, contract_list
from publications.services import contracts as services


def _detail(request: Request, contract_id: int) -> Response:
    return Response(s.ContractOut(access_contract(request.user, contract_id)).data)


@extend_schema(parameters=[s.ContractQueryIn])
class ContractListView(ListAPIView):
    """Published awarded contracts, most recent award first. Filters: commune, fiscal_year, procedure,
    status, q (reference, object, awardee), min_amount/max_amount (XOF)."""

    also_answers = DRAFTS_NEED_RIGHTS
    serializer_class = s.ContractOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return contract_list(user=self.request.user, **validated_query(s.ContractQueryIn, self.request))


class CommuneContractCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.ContractIn, responses={201: s.ContractOut})
    def post(self, request: Request, slug: str) -> Response:
        """Record an awarded contract (a draft unless ``publish=true``)."""
        commune = access_commune_for(request.user, slug, "hub.publish_in_commune")
        data = validated(s.ContractIn, request.data)
        contract = services.contract_create(actor=signed_in(request.user), commune=commune, **data)
        return Response(
            s.ContractOut(access_contract(request.user, contract.pk)).data, status=status.HTTP_201_CREATED
        )


class ContractDetailView(APIView):
    @extend_schema(responses=s.ContractOut)
    def get(self, request: Request, contract_id: int) -> Response:
        return _detail(request, contract_id)

    @extend_schema(request=s.ContractPatchIn, responses=s.ContractOut)
    def patch(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(request.user, contract_id, manage=True)
        changes = validated(s.ContractPatchIn, request.data)
        services.contract_update(actor=signed_in(request.user), contract=contract, changes=changes)
        return _detail(request, contract_id)


class ContractPublishView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=s.ContractOut)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(request.user, contract_id, manage=True)
        services.contract_publish(actor=signed_in(request.user), contract=contract)
        return _detail(request, contract_id)


class ContractWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.WithdrawIn, responses=s.ContractOut)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(request.user, contract_id, manage=True)
        data = validated(s.WithdrawIn, request.data)
        services.contract_withdraw(actor=signed_in(request.user), contract=contract, reason=data["reason"])
        return _detail(request, contract_id)


CONTRACT_EXPORT_COLUMNS = [
    "id",
    "commune",
    "commune_name",
    "reference",
    "title",
    "awardee",
    "amount_xof",
    "procedure",
    "procedure_label",
    "award_date",
    "status",
    "status_label",
    "fiscal_year",
    "published_at",
    "url",
]


def contract_export_rows(request: Request, contracts: Any) -> Any:
    # One serializer for all rows, as for documents: one per row costs several times more.
    for data in s.ContractOut(list(contracts), many=True).data:
        yield {**data, "url": request.build_absolute_uri(data["path"])}


@extend_schema(parameters=[s.ContractQueryIn])
class ContractExportCSVView(CSVExportView):
    also_answers = DRAFTS_NEED_RIGHTS

    @extend_schema(operation_id="contracts_export_csv", responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        """Awarded contracts as CSV (UTF-8, ``;``-separated, formulas neutralised); filters as the list."""
        query = validated_query(s.ContractQueryIn, request)
        rows = contract_export_rows(request, contract_list(user=request.user, **query))
        return csv_export_response(CONTRACT_EXPORT_COLUMNS, rows, "marches-passes.csv")  # type: ignore[return-value]


@extend_schema(parameters=[s.ContractQueryIn])
class ContractExportJSONView(ExportView):
    also_answers = DRAFTS_NEED_RIGHTS

    @extend_schema(operation_id="contracts_export_json", responses=s.ContractOut(many=True))
    def get(self, request: Request) -> Response:
        """Awarded contracts as JSON (every matching contract, not paginated)."""
        query = validated_query(s.ContractQueryIn, request)
        rows = contract_export_rows(request, contract_list(user=request.user, **query))
        return json_export_response(rows, "marches-passes.json")
