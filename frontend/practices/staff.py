"""A commune's practice sheets and the staff forms: its sheets (drafts and withdrawn ones too, for its
staff; the published ones for everyone else), a new sheet, an edit, publishing and withdrawing. Each
form calls the same service as the API; a refused form comes back with what was typed and the reason
next to its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.practices.common import handles_domain_errors
from frontend.practices.forms import SheetForm, WithdrawForm, sheet_initial
from frontend.practices.pages import detail_render
from frontend.refusals import sign_in_first
from frontend.staff.nav import staff_links
from hub.errors import DomainError, PermissionDenied
from hub.models import Commune
from hub.selectors import commune_get
from practices import selectors, services
from practices.models import PracticeSheet
from practices.permissions import can_manage


@require_GET
@handles_domain_errors
def commune_sheets(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    manage = can_manage(request.user, commune)
    context = {
        "commune": commune,
        "sheets": list(selectors.commune_sheets(commune, user=request.user)),
        "can_manage": manage,
        "staff_links": staff_links(request, commune) if manage else [],
    }
    return render(request, "frontend/practices/commune.html", context)


def _form(
    commune: Commune,
    data: Any = None,
    *,
    sheet: PracticeSheet | None = None,
    initial: dict[str, Any] | None = None,
) -> SheetForm:
    """The sheet's form; its documents are offered even when older than the newest ones listed."""
    documents = selectors.evidence_documents(commune)
    if sheet is not None:
        offered = {document.pk for document in documents}
        documents += [d for d in selectors.sheet_documents(sheet) if d.pk not in offered]
    return SheetForm(data, initial=initial, themes=list(selectors.theme_list()), documents=documents)


def _form_page(
    request: HttpRequest, commune: Commune, form: SheetForm, sheet: PracticeSheet | None, status: int = 200
) -> HttpResponse:
    context = {"commune": commune, "form": form, "sheet": sheet}
    return render(request, "frontend/practices/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def new(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not can_manage(request.user, commune):
        raise PermissionDenied()
    form = _form(commune, request.POST or None)
    if request.method == "POST":
        created = form.submit(
            lambda data: services.sheet_create(actor=request.user, commune=commune, data=data)
        )
        if created is not None:
            messages.success(
                request, _("The draft is saved: only the commune's staff see it until you publish it.")
            )
            return redirect(created.get_absolute_url())
        return _form_page(request, commune, form, None, status=form.http_status)
    return _form_page(request, commune, form, None)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    sheet = selectors.access_sheet(request.user, pk, manage=True)
    if request.method == "POST":
        form = _form(sheet.commune, request.POST, sheet=sheet)
        updated = form.submit(
            lambda data: services.sheet_update(actor=request.user, sheet=sheet, changes=data)
        )
        if updated is not None:
            messages.success(request, _("The sheet is saved."))
            return redirect(updated.get_absolute_url())
        return _form_page(request, sheet.commune, form, sheet, status=form.http_status)
    form = _form(sheet.commune, sheet=sheet, initial=sheet_initial(sheet))
    return _form_page(request, sheet.commune, form, sheet)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def publish(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: what publishing does (who is told, and that it is only once), and the button; POST
    (``confirmed``): publish. A POST without it (an old page's button) shows the question first."""
    sheet = selectors.access_sheet(request.user, pk, manage=True)
    first = sheet.first_published_at is None
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            services.sheet_publish(actor=request.user, sheet=sheet)
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            messages.error(request, exc.message)
        else:
            if first:
                messages.success(request, _("The sheet is published; the followers of its themes are told."))
            else:
                messages.success(request, _("The sheet is published again."))
        return redirect(sheet.get_absolute_url())
    themes = list(sheet.themes.all())
    context = {
        "sheet": sheet,
        "commune": sheet.commune,
        "themes": themes,
        "first": first,
        # The same rule as the announcement itself (practices.services.notify): each follower of any
        # of its themes, once, not the publisher.
        "follower_count": selectors.theme_follower_count(sheet, excluding=request.user.pk) if first else 0,
    }
    return render(request, "frontend/practices/publish.html", context)


@require_POST
@handles_domain_errors
def withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    sheet = selectors.access_sheet(request.user, pk, manage=True)
    form = WithdrawForm(request.POST)
    done = form.submit(
        lambda data: services.sheet_withdraw(actor=request.user, sheet=sheet, reason=data["reason"]),
        on_field={"wrong_status": "reason"},
    )
    if done is None:
        return detail_render(request, sheet, withdraw_form=form, status=form.http_status)
    messages.success(request, _("The sheet is withdrawn: the public no longer sees it."))
    return redirect(sheet.get_absolute_url())
