"""The pages everyone reads: a commune's commitments tracker (filters, pages, open-data links) and a
commitment's page (its origin, its timeline with photos and documents; for staff, the update and
edit forms). Everything is server-rendered and works without JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from commitments import selectors
from commitments.events import origin_data
from commitments.models import Commitment, CommitmentStatus, OriginKind, today
from commitments.permissions import can_manage
from frontend.commitments.common import handles_domain_errors
from frontend.commitments.forms import CommitmentEditForm, UpdateForm
from hub.selectors import commune_get

PAGE_SIZE = 20
# The tracker's query string (French first): statut, en_retard (oui/non), origine, seance, page.
OVERDUE_VALUES = {"oui": True, "non": False}


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The tracker's filters from the query string; an unknown value is ignored (no filter)."""
    status = request.GET.get("statut", "")
    origin = request.GET.get("origine", "")
    session = request.GET.get("seance", "")
    return {
        "status": status if status in CommitmentStatus.values else "",
        "overdue": OVERDUE_VALUES.get(request.GET.get("en_retard", "")),
        "origin": origin if origin in OriginKind.values else "",
        "session": int(session) if session.isascii() and session.isdigit() and len(session) < 10 else None,
    }


def _api_query(slug: str, filters: dict[str, Any]) -> str:
    params: dict[str, Any] = {"commune": slug}
    if filters["status"]:
        params["status"] = filters["status"]
    if filters["overdue"] is not None:
        params["overdue"] = "true" if filters["overdue"] else "false"
    if filters["origin"]:
        params["origin"] = filters["origin"]
    if filters["session"] is not None:
        params["session"] = filters["session"]
    return urlencode(params)


def _page_query(filters: dict[str, Any]) -> str:
    params = {
        "statut": filters["status"],
        "en_retard": {True: "oui", False: "non"}.get(filters["overdue"], ""),
        "origine": filters["origin"],
        "seance": filters["session"] or "",
    }
    return urlencode({key: value for key, value in params.items() if value})


@require_GET
@handles_domain_errors
def tracker(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    filters = _filters(request)
    rows = selectors.commitment_list(commune=slug, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    api_query = _api_query(slug, filters)
    context = {
        "commune": commune,
        "page": page,
        "filters": filters,
        "overdue_value": {True: "oui", False: "non"}.get(filters["overdue"], ""),
        "querystring": _page_query(filters),
        "counts": selectors.commune_counts(commune),
        "statuses": CommitmentStatus.choices,
        "origins": OriginKind.choices,
        "csv_url": f"{reverse('commitments-api:export-csv')}?{api_query}",
        "json_url": f"{reverse('commitments-api:export-json')}?{api_query}",
        "can_manage": can_manage(request.user, commune),
        "today": today(),
    }
    return render(request, "frontend/commitments/tracker.html", context)


def detail_render(
    request: HttpRequest,
    commitment: Commitment,
    *,
    update_form: UpdateForm | None = None,
    edit_form: CommitmentEditForm | None = None,
    status: int = 200,
    upload_error: str = "",
) -> HttpResponse:
    """A commitment's page; for its staff, with the update and edit forms (bound ones come back with
    what was typed and the reasons next to the fields)."""
    manage = can_manage(request.user, commitment.commune)
    context: dict[str, Any] = {
        "commitment": commitment,
        "commune": commitment.commune,
        "origin": origin_data(commitment),
        "timeline": selectors.timeline(commitment),
        "can_manage": manage,
        "upload_error": upload_error,
    }
    if manage:
        context["update_form"] = update_form or UpdateForm(
            current_status=commitment.status, documents=selectors.evidence_documents(commitment.commune)
        )
        context["edit_form"] = edit_form or CommitmentEditForm(
            initial={
                "text": commitment.text,
                "owner_role": commitment.owner_role,
                "owner_office": commitment.owner_office,
                "due_on": commitment.due_on,
            }
        )
    return render(request, "frontend/commitments/detail.html", context, status=status)


@require_GET
@handles_domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_render(request, selectors.access_commitment(request.user, pk))
