"""Awarded contract reads: filterable public list (also the open-data export), detail."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from hub.errors import PermissionDenied
from publications.errors import PublicationNotFound
from publications.models import Contract
from publications.selectors.common import state_filter


def contract_list(
    *,
    user: Any,
    commune: str = "",
    fiscal_year: int | None = None,
    procedure: str = "",
    status: str = "",
    q: str = "",
    min_amount: int | None = None,
    max_amount: int | None = None,
    state: str = "",
) -> QuerySet[Contract]:
    contracts: QuerySet[Contract] = Contract.objects.select_related("commune")
    contracts = state_filter(contracts, user=user, commune_slug=commune, state=state, default="published")
    if commune:
        contracts = contracts.filter(commune__slug=commune)
    if fiscal_year:
        contracts = contracts.filter(fiscal_year=fiscal_year)
    if procedure:
        contracts = contracts.filter(procedure=procedure)
    if status:
        contracts = contracts.filter(status=status)
    if min_amount is not None:
        contracts = contracts.filter(amount_xof__gte=min_amount)
    if max_amount is not None:
        contracts = contracts.filter(amount_xof__lte=max_amount)
    if q.strip():
        text = q.strip()[:100]
        contracts = contracts.filter(
            Q(reference__icontains=text) | Q(title__icontains=text) | Q(awardee__icontains=text)
        )
    return contracts.order_by("-award_date", "-id")


def contract_total(contracts: QuerySet[Contract]) -> int:
    return int(contracts.aggregate(total=Sum("amount_xof"))["total"] or 0)


def access_contract(user: Any, contract_id: int, *, manage: bool = False) -> Contract:
    contract = (
        Contract.objects.select_related("commune", "commune__department").filter(pk=contract_id).first()
    )
    if contract is None or not user.has_perm("publications.view_item", contract):
        raise PublicationNotFound()
    if manage and not user.has_perm("publications.manage_item", contract):
        raise PermissionDenied()
    return contract
