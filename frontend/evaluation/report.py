"""The yearly evaluation report's pages: the report (printable), its PDF, the staff editor, the
confirmation steps of publishing and withdrawing, and the commune's list of reports.

- ``/communes/<slug>/evaluation/<year>/``: the published report, for everyone, from its frozen
  figures. The commune's staff also see the draft (a banner says it is not published; its figures
  are live), anyone else gets 404. The page prints on A4 (``evaluation-report.css``).
- ``/communes/<slug>/evaluation/<year>.pdf``: the same content as a PDF (WeasyPrint, offline:
  ``report_pdf``); a published report's PDF is cached, a draft's is rendered for staff each time.
- ``.../<year>/rediger/``: the commentary (staff who speak for the commune:
  ``evaluation.manage_report``), links to the preview and the PDF, and the way to publish.
- ``.../<year>/publier/`` and ``.../<year>/retirer/``: a confirmation page (GET) and the write
  (POST), so that neither needs JavaScript.
- ``/communes/<slug>/evaluation/rapports/``: the published reports for everyone; for the commune's
  staff, every year a report can cover, with its state.

Anonymous reads of the report and the list are answered by the public read cache
(``commune_read`` in the URLs), under the commune's content version, which publishing and
withdrawing bump (``EvaluationReport`` is tracked). Pages for staff are never cached.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from evaluation import labels
from evaluation.models import MAX_COMMENTARY_CHARS, EvaluationReport, ReportStatus
from evaluation.selectors import report_years
from evaluation.services import reports as services
from frontend.evaluation import report_pdf
from frontend.forms import apply_field_errors
from frontend.refusals import domain_error_pages, sign_in_first
from frontend.staff.nav import staff_links
from hub.errors import DomainError, PermissionDenied
from hub.models import Commune, Membership
from hub.selectors import commune_get

TEMPLATE = "frontend/evaluation/report.html"


def refusal_context(request: HttpRequest) -> dict[str, Any]:
    """What a refusal page says to whom: the commune whose page it is, and the communes where the
    signed-in person does have a role (a mayor of one commune opening another's pages is told so,
    not asked to sign in)."""
    match = request.resolver_match
    slug = match.kwargs.get("slug") if match is not None else None
    commune = Commune.objects.filter(slug=slug).first() if slug else None
    own: list[str] = []
    if request.user.is_authenticated:
        own = sorted(
            set(Membership.objects.filter(user=request.user).values_list("commune__name", flat=True))
        )
    return {"page_commune": commune, "own_communes": own}


def forbidden(request: HttpRequest) -> HttpResponseBase:
    return render(request, "frontend/evaluation/report_forbidden.html", refusal_context(request), status=403)


handles_domain_errors = domain_error_pages(forbidden)


# --- The key figures, compared with the year before ---------------------------------------------

# (path in the figures, label, unit): "" a count, "%" a percentage, "h" hours.
KEY_FIGURES: tuple[tuple[tuple[str, str], Any, str], ...] = (
    (("usage", "views"), gettext_lazy("Page views"), ""),
    (("usage", "downloads"), gettext_lazy("Document downloads"), ""),
    (("audience", "followers"), gettext_lazy("Followers at the end of the period"), ""),
    (("live", "sessions"), gettext_lazy("Live sessions held"), ""),
    (("live", "total_viewers"), gettext_lazy("Viewers of live sessions"), ""),
    (("participation", "participants"), gettext_lazy("Participants online and by SMS"), ""),
    (("participation", "workshop_attendance"), gettext_lazy("Workshop attendance"), ""),
    (("questions", "asked"), gettext_lazy("Questions asked in sessions"), ""),
    (("questions", "answered"), gettext_lazy("Questions answered"), ""),
    (("questions", "answered_percent"), gettext_lazy("Share of questions answered"), "%"),
    (("questions", "median_hours"), gettext_lazy("Median time to answer a question"), "h"),
    (("forums", "posts"), gettext_lazy("Forum messages"), ""),
    (("consultations", "responses"), gettext_lazy("Answers to consultations"), ""),
    (("polls", "ballots"), gettext_lazy("Votes in polls"), ""),
    (("commitments", "due"), gettext_lazy("Commitments due in the year"), ""),
    (("commitments", "kept_on_time"), gettext_lazy("Commitments kept on time"), ""),
    (("commitments", "percent"), gettext_lazy("Share of commitments kept on time"), "%"),
    (("transparency", "score"), gettext_lazy("Transparency score (publications due that exist)"), "%"),
)
SMS_FIGURES: tuple[tuple[tuple[str, str], Any, str], ...] = (
    (("sms", "subscribers"), gettext_lazy("SMS subscribers"), ""),
    (("sms", "sent"), gettext_lazy("SMS sent"), ""),
)
DASH = "—"


def number(value: Any, unit: str = "") -> str:
    """A figure as the dashboard prints it ("12 345", "87 %", "4,5 h"); a dash for none."""
    if value is None:
        return DASH
    if unit == "%":
        return labels.percent(value)
    if unit == "h":
        return labels.duration(value)
    return labels.number(value)


def change(current: Any, previous: Any, unit: str) -> str:
    """The change from the year before: "+738 (+147 %)", "−3", "0"; a percentage's in points, a
    time's in hours."""
    if current is None or previous is None:
        return DASH
    diff = round(current - previous, 1)
    if diff == 0:
        return "0"
    sign = "+" if diff > 0 else "−"
    if unit == "%":
        return _("%(sign)s%(value)s points") % {"sign": sign, "value": labels.number(abs(diff))}
    if unit == "h":
        shown = formats.number_format(abs(diff), decimal_pos=1, use_l10n=True)
        return _("%(sign)s%(value)s h") % {"sign": sign, "value": shown}
    text = f"{sign}{labels.number(abs(diff))}"
    relative = labels.change(current, previous)
    return f"{text} ({relative})" if relative else text


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    current: str
    previous: str
    change: str


def _value(figures: dict[str, Any] | None, path: tuple[str, str]) -> Any:
    if not figures:
        return None
    section = figures.get(path[0]) or {}
    return section.get(path[1])


def key_figures(current: dict[str, Any], previous: dict[str, Any] | None) -> list[KeyFigure]:
    rows = list(KEY_FIGURES)
    if (current.get("sms") or {}).get("enabled") or ((previous or {}).get("sms") or {}).get("enabled"):
        rows += SMS_FIGURES
    figures = []
    for path, label, unit in rows:
        now, before = _value(current, path), _value(previous, path)
        figures.append(
            KeyFigure(
                key=".".join(path),
                label=str(label),
                current=number(now, unit),
                previous=number(before, unit) if previous else DASH,
                change=change(now, before, unit) if previous else DASH,
            )
        )
    return figures


# --- Reading the report -------------------------------------------------------------------------


def _report_context(request: HttpRequest, commune: Commune, report: EvaluationReport) -> dict[str, Any]:
    figures = services.report_figures(report)
    current, previous = figures["current"], figures["previous"]
    draft = report.status != ReportStatus.PUBLISHED
    return {
        "commune": commune,
        "report": report,
        "year": report.year,
        "draft": draft,
        "figures": current,
        "previous": previous,
        "previous_year": report.year - 1,
        "period_start": datetime.date.fromisoformat(current["start"]),
        "period_end": datetime.date.fromisoformat(current["end"]),
        "key_figures": key_figures(current, previous),
        "min_cell": settings.EVALUATION_MIN_CELL,
        "generated_at": timezone.now(),
        "can_manage": services.can_manage(request.user, commune),
    }


def _reader(request: HttpRequest, slug: str, year: int) -> tuple[Commune, EvaluationReport]:
    commune = commune_get(slug=slug, user=request.user)
    return commune, services.access_report(request.user, commune, year)


@require_GET
@handles_domain_errors
def report(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    try:
        commune, found = _reader(request, slug, year)
    except services.ReportNotFound:
        # Not published (or a year no report covers): a page that says so and leads to the figures,
        # the same whether a draft exists or not.
        commune = commune_get(slug=slug, user=request.user)
        context = {"commune": commune, "year": year, "figures_year": year in report_years()}
        return render(request, "frontend/evaluation/report_missing.html", context, status=404)
    context = _report_context(request, commune, found)
    response = render(request, TEMPLATE, context)
    if context["draft"]:
        add_never_cache_headers(response)
    return response


def pdf_html(request: HttpRequest, commune: Commune, found: EvaluationReport) -> str:
    return render_to_string(
        "frontend/evaluation/report_pdf.html", _report_context(request, commune, found), request=request
    )


@require_GET
@handles_domain_errors
def report_pdf_view(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    commune, found = _reader(request, slug, year)
    if found.status == ReportStatus.PUBLISHED:
        pdf = report_pdf.cached_pdf(found, lambda: report_pdf.render_pdf(pdf_html(request, commune, found)))
    else:
        pdf = report_pdf.render_pdf(pdf_html(request, commune, found))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{commune.slug}-{found.year}.pdf"'
    if found.status == ReportStatus.PUBLISHED:
        response["Cache-Control"] = "public, max-age=300"
    else:
        add_never_cache_headers(response)
        response["Cache-Control"] += ", private"
    return response


@dataclass(frozen=True)
class YearRow:
    year: int
    report: EvaluationReport | None
    complete: bool


@require_GET
@handles_domain_errors
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    reports = services.report_list(request.user, commune)
    preview = services.can_preview(request.user, commune)
    rows: list[YearRow] = []
    if preview:
        by_year = {r.year: r for r in reports}
        this_year = timezone.localdate().year
        rows = [YearRow(y, by_year.get(y), y < this_year) for y in report_years()]
    context = {
        "commune": commune,
        "reports": reports,
        "rows": rows,
        "staff": preview,
        "can_manage": services.can_manage(request.user, commune),
        "staff_links": staff_links(request, commune) if preview else [],
    }
    response = render(request, "frontend/evaluation/report_list.html", context)
    if preview:
        add_never_cache_headers(response)
    return response


# --- Staff: the commentary, publishing, withdrawing ---------------------------------------------


class CommentaryForm(forms.Form):
    """The commentary box. The service cleans and decides (length counted with single line breaks,
    as the browser's counter shows it); the form only renders and carries what was typed."""

    commentary = forms.CharField(
        label=gettext_lazy("The commune's commentary"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "maxlength": MAX_COMMENTARY_CHARS}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commentary"].help_text = _(
            "What the figures mean for the commune, what it did and what it will do. Plain text, "
            "at most %(max)d characters."
        ) % {"max": MAX_COMMENTARY_CHARS}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the report withdrawn?"),
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.MAX_REASON_CHARS}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Written in the commune's journal. At most %(max)d characters."
        ) % {"max": services.MAX_REASON_CHARS}


def _manager_commune(request: HttpRequest, slug: str) -> Commune | HttpResponseBase:
    commune = commune_get(slug=slug, user=request.user)
    if not request.user.is_authenticated:
        return sign_in_first(request)
    if not services.can_manage(request.user, commune):
        raise PermissionDenied()
    return commune


def _year_or_404(year: int) -> int:
    if year not in report_years():
        raise services.ReportNotFound()
    return year


def _staff_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    commune = context["commune"]
    year = context["year"]
    context = {
        "staff_links": staff_links(request, commune),
        "year_over": year < timezone.localdate().year,
        "max_chars": MAX_COMMENTARY_CHARS,
        **context,
    }
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


def _report_url(name: str, commune: Commune, year: int) -> str:
    return reverse(f"frontend:{name}", args=[commune.slug, year])


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def report_edit(request: HttpRequest, slug: str, year: int) -> HttpResponseBase:
    """GET: the commentary form (the saved text); POST: save it, then back here."""
    commune = _manager_commune(request, slug)
    if not isinstance(commune, Commune):
        return commune
    year = _year_or_404(year)
    found = services.report_find(commune, year)
    context: dict[str, Any] = {"commune": commune, "year": year, "report": found}
    if request.method == "POST":
        form = CommentaryForm(request.POST)
        if form.is_valid():
            try:
                draft = services.report_for(commune, year, by=request.user)
                services.save_commentary(draft, form.cleaned_data["commentary"], request.user)
            except DomainError as exc:
                if exc.status in (401, 403, 404):
                    raise
                apply_field_errors(form, exc.details.get("fields"), exc.message)
                return _staff_page(
                    request, "frontend/evaluation/report_edit.html", {**context, "form": form}, exc.status
                )
            if request.POST.get("then") == "publish" and year < timezone.localdate().year:
                # "Save and publish": the text being written is saved first, then publishing is
                # confirmed on its own page (nothing written is lost on the way).
                messages.success(request, _("The commentary is saved."))
                return redirect(_report_url("evaluation-report-publish", commune, year))
            messages.success(
                request, _("The commentary is saved. The report stays a draft until you publish it.")
            )
            return redirect(_report_url("evaluation-report-edit", commune, year))
        return _staff_page(request, "frontend/evaluation/report_edit.html", {**context, "form": form}, 400)
    form = CommentaryForm(initial={"commentary": found.commentary if found else ""})
    return _staff_page(request, "frontend/evaluation/report_edit.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def report_publish(request: HttpRequest, slug: str, year: int) -> HttpResponseBase:
    """GET: what publishing does, and the button; POST (``confirmed``): publish."""
    commune = _manager_commune(request, slug)
    if not isinstance(commune, Commune):
        return commune
    year = _year_or_404(year)
    found = services.report_find(commune, year)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            draft = found or services.report_for(commune, year, by=request.user)
            services.publish(draft, request.user)
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            messages.error(request, exc.message)
            return redirect(_report_url("evaluation-report-edit", commune, year))
        messages.success(request, _("The report is published: everyone can read it and download its PDF."))
        return redirect(_report_url("evaluation-report", commune, year))
    context = {"commune": commune, "year": year, "report": found}
    return _staff_page(request, "frontend/evaluation/report_publish.html", context)


@require_http_methods(["GET", "POST"])
@handles_domain_errors
def report_unpublish(request: HttpRequest, slug: str, year: int) -> HttpResponseBase:
    """GET: the reason asked; POST: withdraw the report back to a draft."""
    commune = _manager_commune(request, slug)
    if not isinstance(commune, Commune):
        return commune
    year = _year_or_404(year)
    found = services.report_find(commune, year)
    if found is None or found.status != ReportStatus.PUBLISHED:
        messages.info(request, _("This report is not published."))
        return redirect(_report_url("evaluation-report-edit", commune, year))
    form = ReasonForm(request.POST or None)
    context: dict[str, Any] = {"commune": commune, "year": year, "report": found, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            services.unpublish(found, request.user, form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            apply_field_errors(form, exc.details.get("fields"), exc.message)
            return _staff_page(request, "frontend/evaluation/report_unpublish.html", context, exc.status)
        messages.success(request, _("The report is withdrawn: it is a draft again, seen by the staff only."))
        return redirect(_report_url("evaluation-report-edit", commune, year))
    return _staff_page(request, "frontend/evaluation/report_unpublish.html", context)
