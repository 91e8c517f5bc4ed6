"""The evaluation's pages: a commune's public "open evaluation" and its staff dashboard.

- ``/communes/<slug>/evaluation/`` (``evaluation-public``): for everyone, the year's figures (the
  current year by default, ``?annee=YYYY`` for another) in every section, with an introduction in
  plain words on what is counted and what is not, the way to give one's participation profile, and
  the commune's published yearly reports.
- ``/communes/<slug>/evaluation/tableau-de-bord/`` (``evaluation-dashboard``): for the commune's
  staff and platform administrators (``evaluation.view_dashboard``): the same sections compared
  with the year before, and the table of the live sessions. Signed out → the sign-in page; anyone
  else (another commune's staff, a citizen) → 403. Never cached.

Both read ``evaluation.selectors.commune_figures``: one source for these pages, the report and the
API. The sections are the shared templates (``frontend/evaluation/sections.py``).

**Read cache.** The public page is decorated with ``commune_read`` (``frontend/urls_evaluation.py``):
anonymous reads are answered from the read cache under the commune's content version. Some of the
figures change without bumping it (the page views, written in batches each minute; a vote in a
poll, which bumps its session's stream only), but no entry is ever served for more than
``READ_CACHE_TTL`` (60 s), which is how often the view counts are written anyway: the page is at
most a minute behind, as the dashboard says of its own figures. It is worth caching: the figures take
a few dozen queries, and the page is the one a commune shares in public.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from evaluation import labels
from evaluation.models import EvaluationReport, ReportStatus
from evaluation.selectors import commune_figures, report_years
from frontend.evaluation.report import refusal_context
from frontend.refusals import domain_error_pages
from frontend.staff.nav import staff_links
from hub.errors import NotFound
from hub.models import Commune
from hub.selectors import access_commune_for

YEAR_PARAMETER = "annee"


def forbidden(request: HttpRequest) -> HttpResponseBase:
    return render(
        request, "frontend/evaluation/dashboard_forbidden.html", refusal_context(request), status=403
    )


handles_domain_errors = domain_error_pages(forbidden)


def _commune(slug: str) -> Commune:
    commune = Commune.objects.select_related("department").filter(slug=slug).first()
    if commune is None:
        raise NotFound(code="commune_not_found")
    return commune


def chosen_year(request: HttpRequest, years: list[int]) -> tuple[int, bool]:
    """The year asked for in ``?annee=``, else the current one; True when one was asked for that
    has no figures (the page says so and shows the current year)."""
    asked = request.GET.get(YEAR_PARAMETER, "").strip()
    if asked.isascii() and asked.isdigit() and len(asked) == 4 and int(asked) in years:
        return int(asked), False
    return years[0], bool(asked)


def published_reports(commune: Commune) -> list[EvaluationReport]:
    return list(
        EvaluationReport.objects.filter(commune=commune, status=ReportStatus.PUBLISHED)
        .only("id", "year", "published_at", "commune_id")
        .order_by("-year")
    )


def _context(request: HttpRequest, commune: Commune, years: list[int]) -> dict[str, Any]:
    year, unknown_year = chosen_year(request, years)
    figures = commune_figures(commune, year)
    return {
        "commune": commune,
        "year": year,
        "years": years,
        "unknown_year": unknown_year,
        "figures": figures,
        "period_start": datetime.date.fromisoformat(figures["start"]),
        "period_end": datetime.date.fromisoformat(figures["end"]),
        "threshold": labels.threshold(figures),
    }


@require_GET
@handles_domain_errors
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    context = _context(request, commune, report_years())
    context["reports"] = published_reports(commune)
    context["can_view_dashboard"] = request.user.has_perm("evaluation.view_dashboard", commune)
    return render(request, "frontend/evaluation/public.html", context)


def same_day_of(year: int, day: datetime.date) -> datetime.date:
    """``day``'s date in ``year`` (29 February: the 28th)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def previous_figures(commune: Commune, year: int, years: list[int]) -> dict[str, Any] | None:
    """What the year is compared with: the year before, over the same days while the year runs
    (1 January to today's date), so that eleven months are not set against twelve and documents not
    yet due count as not due then either; the whole year before once the year is over."""
    if year - 1 not in years:
        return None
    today = timezone.localdate()
    if year == today.year:
        return commune_figures(commune, year - 1, today=same_day_of(year - 1, today))
    return commune_figures(commune, year - 1)


@require_GET
@handles_domain_errors
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    commune = access_commune_for(request.user, slug, "evaluation.view_dashboard")
    years = report_years()
    context = _context(request, commune, years)
    year = context["year"]
    previous = context["previous"] = previous_figures(commune, year, years)
    if previous is not None:
        context["previous_end"] = datetime.date.fromisoformat(previous["end"])
    context["staff_links"] = staff_links(request, commune)
    response = render(request, "frontend/evaluation/dashboard.html", context)
    add_never_cache_headers(response)
    return response
