"""Publication pages citizens read: documents by type and year, a document and its files,
contracts, agenda and its iCalendar feed, the transparency register and scorecard, search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commitments.selectors import scorecard as commitments_kept
from frontend.publications.agenda_staff import EVENT
from frontend.publications.common import (
    choice_or_blank,
    commune_for,
    document_in,
    handles_domain_errors,
    paginate,
    querystring,
    to_int,
)
from frontend.publications.contracts_staff import CONTRACT
from frontend.publications.forms import FileForm, WithdrawForm, max_upload_mb, year_choices
from hub.errors import NotFound
from hub.models import Commune
from hub.uploads import upload_max_bytes
from publications.api.views.agenda import agenda_ics_response
from publications.downloads import file_response
from publications.models import ContractProcedure, ContractStatus, DocumentType
from publications.register import first_fiscal_year
from publications.selectors.agenda import agenda_event_list
from publications.selectors.contracts import contract_list, contract_total
from publications.selectors.documents import (
    access_document_file,
    document_list,
    document_years,
)
from publications.selectors.register import (
    commune_register,
    default_fiscal_year,
    register_years,
)
from publications.selectors.register import (
    scorecard as scorecard_list,
)

# --- Documents -----------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    type_ = choice_or_blank(request.GET.get("type"), DocumentType)
    year = to_int(request.GET.get("annee"))
    can_publish = request.user.has_perm("hub.publish_in_commune", commune)
    # ``?etat=brouillons``: the commune's drafts, for its publishers (the workspace links here).
    drafts = can_publish and request.GET.get("etat") == "brouillons"
    state = "draft" if drafts else ""
    listed = document_list(user=request.user, commune=slug, type=type_, fiscal_year=year, state=state)
    context = {
        "commune": commune,
        "page": paginate(request, listed),
        "types": DocumentType.choices,
        "years": document_years(commune_slug=slug),
        "query": {"type": type_, "annee": year},
        "querystring": querystring(type=type_, annee=year, etat="brouillons" if drafts else ""),
        "withdrawn": [] if drafts else document_list(user=request.user, commune=slug, state="withdrawn")[:20],
        "can_publish": can_publish,
        "drafts": drafts,
    }
    return render(request, "frontend/publications/documents.html", context)


@require_GET
@handles_domain_errors
def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = document_in(request, slug, pk)
    can_manage = request.user.has_perm("publications.manage_item", item)
    history = [row for row in item.all_files if not row.is_current]  # type: ignore[attr-defined]
    context = {
        "commune": item.commune,
        "document": item,
        "history": history,
        "can_manage": can_manage,
        "can_download": request.user.has_perm("publications.download_file", item),
        "withdraw_form": WithdrawForm() if can_manage else None,
        "file_form": FileForm() if can_manage else None,
        "max_bytes": upload_max_bytes(),
        "too_large_message": _("This file is too large: at most %(limit)s MB.") % {"limit": max_upload_mb()},
    }
    return render(request, "frontend/publications/document.html", context)


@require_GET
@handles_domain_errors
def document_file_download(request: HttpRequest, slug: str, pk: int, file_id: int) -> HttpResponseBase:
    row = access_document_file(request.user, pk, file_id)
    if row.document.commune.slug != slug:
        raise NotFound()
    return file_response(row, request)


# --- Contracts -----------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def contracts(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    query: dict[str, Any] = {
        "fiscal_year": to_int(request.GET.get("annee")),
        "procedure": choice_or_blank(request.GET.get("procedure"), ContractProcedure),
        "status": choice_or_blank(request.GET.get("statut"), ContractStatus),
        "q": request.GET.get("q", "").strip()[:100],
    }
    listed = contract_list(
        user=request.user,
        commune=slug,
        fiscal_year=query["fiscal_year"],
        procedure=query["procedure"],
        status=query["status"],
        q=query["q"],
    )
    export_query = querystring(commune=slug, **query)
    context = {
        "commune": commune,
        "page": paginate(request, listed),
        "total": contract_total(listed),
        "query": query,
        "querystring": querystring(
            annee=query["fiscal_year"], procedure=query["procedure"], statut=query["status"], q=query["q"]
        ),
        "years": year_choices(_("All years"))[1:],
        "procedures": ContractProcedure.choices,
        "statuses": ContractStatus.choices,
        "csv_url": f"{reverse('publications-api:contract-export-csv')}?{export_query}",
        "json_url": f"{reverse('publications-api:contract-export-json')}?{export_query}",
        "can_publish": request.user.has_perm("hub.publish_in_commune", commune),
    }
    return render(request, "frontend/publications/contracts.html", context)


@require_GET
@handles_domain_errors
def contract(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = CONTRACT.item_in(request, slug, pk, manage=False)
    can_manage = request.user.has_perm("publications.manage_item", item)
    context = {
        "commune": item.commune,
        "contract": item,
        "can_manage": can_manage,
        "withdraw_form": CONTRACT.withdraw_form() if can_manage else None,
    }
    return render(request, "frontend/publications/contract.html", context)


# --- Agenda --------------------------------------------------------------------------------------------


@require_GET
@handles_domain_errors
def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    past = request.GET.get("passes") == "1"
    now = timezone.now()
    if past:
        events = agenda_event_list(user=request.user, commune=slug, end=now).order_by("-starts_at", "-id")
    else:
        events = agenda_event_list(user=request.user, commune=slug, start=now)
    ics_path = reverse("frontend:pub-agenda-ics", args=[slug])
    context = {
        "commune": commune,
        "page": paginate(request, events),
        "past": past,
        "ics_url": request.build_absolute_uri(ics_path),
        "webcal_url": "webcal://" + request.get_host() + ics_path,
        "can_publish": request.user.has_perm("hub.publish_in_commune", commune),
    }
    return render(request, "frontend/publications/agenda.html", context)


@require_GET
@handles_domain_errors
def agenda_event(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = EVENT.item_in(request, slug, pk, manage=False)
    can_manage = request.user.has_perm("publications.manage_item", item)
    context = {
        "commune": item.commune,
        "event": item,
        "can_manage": can_manage,
        "withdraw_form": EVENT.withdraw_form() if can_manage else None,
    }
    return render(request, "frontend/publications/agenda_event.html", context)


@require_GET
@handles_domain_errors
def agenda_ics(request: HttpRequest, slug: str) -> HttpResponse:
    return agenda_ics_response(request, slug)


# --- Register and scorecard ----------------------------------------------------------------------------


def _fiscal_year(request: HttpRequest) -> int:
    year = to_int(request.GET.get("annee"))
    years = register_years()
    return year if year in years else default_fiscal_year()


@require_GET
@handles_domain_errors
def register(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_for(request, slug)
    year = _fiscal_year(request)
    context = {
        "commune": commune,
        "register": commune_register(commune=commune, fiscal_year=year),
        "years": register_years(),
        "year": year,
    }
    return render(request, "frontend/publications/register.html", context)


@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    year = _fiscal_year(request)
    registers = scorecard_list(fiscal_year=year)
    # With each register, the commune's commitments kept on time that year (the commitments app's).
    kept = {row.commune.pk: row for row in commitments_kept(year=year)}
    rows = [(register, kept.get(register.commune.pk)) for register in registers]
    context = {"registers": registers, "rows": rows, "years": register_years(), "year": year}
    return render(request, "frontend/publications/scorecard.html", context)


# --- Search --------------------------------------------------------------------------------------------


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    commune_slug = request.GET.get("commune", "")[:80]
    type_ = choice_or_blank(request.GET.get("type"), DocumentType)
    year = to_int(request.GET.get("annee"))
    searched = bool(q or type_ or year or commune_slug)
    results = None
    if searched:
        results = paginate(
            request,
            document_list(user=request.user, commune=commune_slug, type=type_, fiscal_year=year, q=q),
            20,
        )
    context = {
        "query": {"q": q, "commune": commune_slug, "type": type_, "annee": year},
        "querystring": querystring(q=q, commune=commune_slug, type=type_, annee=year),
        "results": results,
        "communes": Commune.objects.enabled().order_by("search_name"),
        "types": DocumentType.choices,
        "years": list(range(timezone.localdate().year + 1, first_fiscal_year() - 6, -1)),
    }
    return render(request, "frontend/publications/search.html", context)
