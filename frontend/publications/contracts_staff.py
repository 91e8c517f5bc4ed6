"""Staff pages of awarded contracts: record one (a draft, or published at once), edit it, publish it,
withdraw it with a public reason. The forms are checked as the API checks them, then the contract
services decide (``publications/services/contracts.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from frontend.publications import lifecycle
from frontend.publications.common import commune_for, handles_domain_errors
from frontend.publications.forms import ContractForm
from frontend.staff.nav import staff_links
from hub.models import Commune
from hub.selectors import signed_in
from publications.models import Contract, ContractStatus
from publications.selectors.contracts import access_contract, contract_list
from publications.services import contracts as services

CONTRACT = lifecycle.Kind(
    access=access_contract,
    publish=lambda actor, item: services.contract_publish(actor=actor, contract=item),
    withdraw=lambda actor, item, reason: services.contract_withdraw(
        actor=actor, contract=item, reason=reason
    ),
    page="frontend:pub-contract",
    published=gettext_lazy("The contract is published."),
    withdrawn=gettext_lazy("The contract is withdrawn. A notice stays public."),
    withdraw_title=gettext_lazy("Withdraw the contract “%(title)s”"),
    withdraw_button=gettext_lazy("Withdraw"),
    reason_label=gettext_lazy("Reason for withdrawal (shown publicly)"),
)


def _render_form(
    request: HttpRequest, commune: Commune, form: ContractForm, contract: Contract | None = None
) -> HttpResponse:
    context = {
        "commune": commune,
        "form": form,
        "contract": contract,
        "drafts": contract_list(user=request.user, commune=commune.slug, state="draft")[:50],
        "staff_links": staff_links(request, commune),
    }
    status = form.http_status if form.is_bound else 200
    return render(request, "frontend/publications/contract_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def contract_new(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    lifecycle.require_publisher(request, commune)
    data = request.POST if request.method == "POST" else None
    form = ContractForm(data, initial={"status": ContractStatus.AWARDED})
    if form.is_bound:
        created = form.submit(
            lambda fields: services.contract_create(actor=signed_in(request.user), commune=commune, **fields)
        )
        if created is not None:
            if created.is_published:
                messages.success(request, _("The contract is published."))
            else:
                messages.success(
                    request, _("The draft is saved. Only staff can see it until you publish it.")
                )
            return redirect(CONTRACT.page, slug=slug, pk=created.pk)
    return _render_form(request, commune, form)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def contract_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    contract: Contract = CONTRACT.item_in(request, slug, pk)
    current = {name: getattr(contract, name) for name in services.EDITABLE_FIELDS}
    data = request.POST if request.method == "POST" else None
    form = ContractForm(data, initial=current, editing=True)

    def update(fields: dict[str, Any]) -> Contract:
        fields.pop("publish", None)  # the API's create field; publishing is a button here
        if fields.get("fiscal_year") is None:  # left blank: keep the contract's fiscal year
            fields.pop("fiscal_year", None)
        changes = {name: value for name, value in fields.items() if current.get(name) != value}
        if not changes:
            return contract
        return services.contract_update(actor=signed_in(request.user), contract=contract, changes=changes)

    if form.is_bound and form.submit(update) is not None:
        messages.success(request, _("The changes are saved."))
        return redirect(CONTRACT.page, slug=slug, pk=pk)
    return _render_form(request, contract.commune, form, contract)


@require_POST
@handles_domain_errors
def contract_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.publish(request, CONTRACT, slug, pk)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def contract_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return lifecycle.withdraw(request, CONTRACT, slug, pk)
