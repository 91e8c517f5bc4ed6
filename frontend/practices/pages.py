"""The pages everyone reads: the library (every commune's published sheets, with filters and pages),
a theme's page (follow it), a sheet's page (its documents, its contact, the questions asked and the
form to ask one), and the two small forms signed-in visitors send (follow a theme, ask a question).
Everything is server-rendered and works without JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.practices.common import handles_domain_errors
from frontend.practices.forms import QuestionForm, WithdrawForm
from frontend.refusals import sign_in_first
from practices import selectors, services
from practices.errors import SheetNotFound
from practices.models import PracticeSheet
from practices.permissions import can_manage

PAGE_SIZE = 20
MAX_QUERY_CHARS = 100
# A refusal of the forum that names no field, shown next to the question.
QUESTION_REFUSALS = {"muted": "body", "new_account_limited": "body", "forum_closed": "body"}


def _slug(value: str) -> str:
    return (
        value if value and len(value) <= 80 and value.isascii() and value.replace("-", "").isalnum() else ""
    )


def _filters(request: HttpRequest) -> dict[str, str]:
    """The library's filters from the query string; a value that cannot be a slug is ignored."""
    return {
        "theme": _slug(request.GET.get("theme", "")),
        "commune": _slug(request.GET.get("commune", "")),
        "q": request.GET.get("q", "").strip()[:MAX_QUERY_CHARS],
    }


def _query(filters: dict[str, str]) -> str:
    return urlencode({key: value for key, value in filters.items() if value})


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(selectors.sheet_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "querystring": _query(filters),
        "themes": list(selectors.theme_list(user=request.user)),
        "communes": selectors.communes_with_sheets(),
        "filtered": any(filters.values()),
    }
    return render(request, "frontend/practices/list.html", context)


@require_GET
@handles_domain_errors
def theme(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = selectors.theme_get(slug, user=request.user)
    page = Paginator(selectors.sheet_list(theme=chosen.slug), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/practices/theme.html", {"theme": chosen, "page": page})


@require_POST
@handles_domain_errors
def theme_follow(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Follow or stop following (``action=unfollow``) a theme, then back to its page."""
    chosen = selectors.theme_get(slug)
    back = chosen.get_absolute_url()
    if not request.user.is_authenticated:
        return sign_in_first(request, back)
    if request.POST.get("action") == "unfollow":
        services.theme_unfollow(actor=request.user, theme=chosen)
        messages.success(request, _("You no longer follow the theme %(theme)s.") % {"theme": chosen.name})
    else:
        services.theme_follow(actor=request.user, theme=chosen)
        messages.success(
            request,
            _("You follow the theme %(theme)s: you will be told when a commune publishes a sheet in it.")
            % {"theme": chosen.name},
        )
    return redirect(back)


def detail_render(
    request: HttpRequest,
    sheet: PracticeSheet,
    *,
    question_form: QuestionForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A sheet's page; for its commune's staff, with the publish or withdraw form (a bound one comes
    back with what was typed and the reasons next to the fields)."""
    manage = can_manage(request.user, sheet.commune)
    context: dict[str, Any] = {
        "sheet": sheet,
        "commune": sheet.commune,
        "themes": list(sheet.themes.all()),
        "documents": selectors.sheet_documents(sheet),
        "questions": selectors.sheet_questions(sheet),
        "can_manage": manage,
        # Only its staff see a withdrawn sheet, and the reason they gave (kept in the journal).
        "withdrawal_reason": selectors.withdrawal_reason(sheet) if manage and sheet.is_withdrawn else "",
        "question_form": question_form or QuestionForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
    }
    return render(request, "frontend/practices/detail.html", context, status=status)


@require_GET
@handles_domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet. A withdrawn one, to anyone but its staff, is gone (410): its commune and that it
    is no longer online, nothing of its content; a draft does not exist for them (404)."""
    try:
        sheet = selectors.access_sheet(request.user, pk)
    except SheetNotFound:
        commune = selectors.withdrawn_sheet_commune(pk)
        if commune is None:
            raise
        return render(request, "frontend/practices/gone.html", {"commune": commune}, status=410)
    return detail_render(request, sheet)


@require_POST
@handles_domain_errors
def ask(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Ask the sheet's commune a question: a discussion of its forum, where the asker is taken."""
    sheet = selectors.access_sheet(request.user, pk)
    if not request.user.is_authenticated:
        return sign_in_first(request, sheet.get_absolute_url() + "#ask")
    form = QuestionForm(request.POST)
    question = form.submit(
        lambda data: services.question_ask(actor=request.user, sheet=sheet, **data),
        on_field=QUESTION_REFUSALS,
    )
    if question is None:
        return detail_render(request, sheet, question_form=form, status=form.http_status)
    messages.success(
        request,
        _("Your question is in the forum of %(commune)s; you will be told when it is answered.")
        % {"commune": sheet.commune.name},
    )
    return redirect(reverse("frontend:forum-thread", kwargs={"pk": question.thread_id}))
