"""A commune's yearly evaluation report: the draft, the commune's commentary, publication and
withdrawal; and the few reads the report pages need.

**Draft, then published.** A report starts as a draft (one per commune and year, made by the first
write: ``report_for``) whose figures are computed live (``evaluation.selectors.commune_figures``)
each time it is read. Publishing freezes them: ``figures`` becomes ``{"current": <the year>,
"previous": <the year before, or None before the platform's first year>}`` at that moment, and the
public report never moves again, whatever is counted later (a late answer, a usage batch). Only a
year that is over can be published: the figures of a year still running would be frozen half-way,
and the group tables of its open quarter are not shown at all. The current year can be drafted and
previewed by staff.

**Who.** Writing and publishing need ``evaluation.manage_report`` in the report's commune (mayor,
secretary-general, communication officer of an enabled commune; platform administrators): staff of
another commune are refused (403) whatever the report. Reading a draft needs
``evaluation.view_dashboard`` (any staff of the commune): the same figures are on their dashboard;
anyone else gets 404, as if there were no report.

**Audit.** Each write is journaled in its own transaction (``evaluation.report_commentary``,
``evaluation.report_publish``, ``evaluation.report_unpublish``); the commentary's text is not
copied into the journal (it is public once published), only its length before and after.

**Public reads.** The commentary of a draft is saved with ``update_fields`` limited to
``REPORT_DRAFT_FIELDS``, so that the read cache's tracking of reports (``hub.versions.track`` with
those fields ignored) bumps nothing for a change the public cannot see; publishing and withdrawing
save the whole row and bump the commune's public pages.

The reads live here beside the writes because they are the report's only ones (the shared
``evaluation.selectors`` computes the figures; it does not know reports).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.models import MAX_COMMENTARY_CHARS, EvaluationReport, ReportStatus
from evaluation.selectors import commune_figures, report_years
from hub.cleaning import FieldCleaner
from hub.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from hub.models import Commune, User
from hub.services.audit import audit_record

MAX_REASON_CHARS = 500
# What a draft's commentary save writes: nothing the public sees (see the module's docstring).
REPORT_DRAFT_FIELDS = ("commentary", "updated_at", "updated_by")
MANAGE = "evaluation.manage_report"
VIEW_DRAFT = "evaluation.view_dashboard"


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = gettext_lazy("Some fields are missing or invalid.")


class ReportNotFound(NotFound):
    code = "not_found"
    default_message: Any = gettext_lazy("There is no published evaluation report for this year.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_message: Any = gettext_lazy("This is not possible in the report's current state.")


class YearNotOver(Conflict):
    code = "year_not_over"
    default_message: Any = gettext_lazy(
        "A report can only be published once its year is over: its figures would still change."
    )


class Forbidden(PermissionDenied):
    code = "forbidden"


class _Cleaner(FieldCleaner):
    invalid = Invalid
    refuse_nul = True


# --- Who -----------------------------------------------------------------------------------------


def _manager(actor: Any, commune: Commune) -> User:
    """The acting user: 401 signed out, 403 without the right in *this* commune."""
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated()
    if not actor.has_perm(MANAGE, commune):
        raise Forbidden()
    return actor


def can_manage(user: Any, commune: Commune) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(MANAGE, commune))


def can_preview(user: Any, commune: Commune) -> bool:
    """Whether ``user`` may read the commune's drafts (any staff of the commune, platform admins)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_DRAFT, commune))


# --- Input ---------------------------------------------------------------------------------------


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or year not in report_years():
        years = report_years()
        message = _("Choose a year from %(first)d to %(last)d.") % {"first": years[-1], "last": years[0]}
        raise Invalid(message, fields={"year": [message]})
    return year


def commentary_clean(text: Any) -> str:
    """The commentary as it is kept: line breaks as ``\\n``, no surrounding blanks, no control
    character but line breaks and tabs, at most ``MAX_COMMENTARY_CHARS`` characters (counted after
    the line breaks are made single, as a browser's counter shows them). Raises ``Invalid``."""
    cleaner = _Cleaner()
    if isinstance(text, str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text.replace("\x00", "")):
            cleaner.fail("commentary", _("This text contains a forbidden character."))
    cleaned = cleaner.text(text, field="commentary", max_length=MAX_COMMENTARY_CHARS, required=False)
    cleaner.done()
    return cleaned


def reason_clean(reason: Any) -> str:
    cleaner = _Cleaner()
    cleaned = cleaner.text(reason, field="reason", max_length=MAX_REASON_CHARS, required=True)
    cleaner.done()
    return cleaned


# --- Reads ---------------------------------------------------------------------------------------


def report_find(commune: Commune, year: int) -> EvaluationReport | None:
    """The commune's report of ``year`` (draft or published), or None: no row is made."""
    return (
        EvaluationReport.objects.select_related("commune", "published_by", "updated_by")
        .filter(commune=commune, year=year)
        .first()
    )


def access_report(user: Any, commune: Commune, year: int) -> EvaluationReport:
    """The report a reader may see: a published one for everyone; for staff of the commune
    (``can_preview``) also the draft, or an unsaved draft when none was written yet (its figures are
    computed live). ``ReportNotFound`` for anyone else, and for a year no report can cover."""
    report = report_find(commune, year)
    if report is not None and report.status == ReportStatus.PUBLISHED:
        return report
    if not can_preview(user, commune) or year not in report_years():
        raise ReportNotFound()
    return report if report is not None else EvaluationReport(commune=commune, year=year)


def report_list(user: Any, commune: Commune) -> list[EvaluationReport]:
    """The commune's reports, newest year first: the published ones, and the drafts for its staff."""
    reports = EvaluationReport.objects.filter(commune=commune).select_related("published_by")
    if not can_preview(user, commune):
        reports = reports.filter(status=ReportStatus.PUBLISHED)
    return list(reports.order_by("-year"))


def report_figures(report: EvaluationReport) -> dict[str, Any]:
    """``{"current", "previous"}``: frozen for a published report, computed now for a draft."""
    if report.status == ReportStatus.PUBLISHED and report.figures:
        return {"current": report.figures["current"], "previous": report.figures.get("previous")}
    return live_figures(report.commune, report.year)


def live_figures(commune: Commune, year: int) -> dict[str, Any]:
    """The year's figures and the year before's (None when that year is before the platform's
    first: there is nothing to compare with, and zeros would read as a fall)."""
    previous = commune_figures(commune, year - 1) if (year - 1) in report_years() else None
    return {"current": commune_figures(commune, year), "previous": previous}


# --- Writes --------------------------------------------------------------------------------------


def _lock(report: EvaluationReport) -> EvaluationReport:
    rows = EvaluationReport.objects.select_related("commune").select_for_update(of=("self",))
    return rows.get(pk=report.pk)


def report_for(commune: Commune, year: Any, *, by: Any) -> EvaluationReport:
    """The commune's report of ``year``, made as an empty draft the first time. ``year`` must be one
    a report can cover (``report_years``): ``Invalid`` otherwise."""
    _manager(by, commune)
    year = _check_year(year)
    with transaction.atomic():
        # One row per commune and year, even when two first saves race (the unique constraint makes
        # the loser read the winner's row).
        report, _created = EvaluationReport.objects.get_or_create(
            commune=commune, year=year, defaults={"updated_by": by}
        )
    return report


def save_commentary(report: EvaluationReport, text: Any, by: Any) -> EvaluationReport:
    """Replace the draft's commentary. A published report's commentary is what was published: it
    changes only after the report is withdrawn (``WrongStatus``)."""
    user = _manager(by, report.commune)
    commentary = commentary_clean(text)
    with transaction.atomic():
        locked = _lock(report)
        if locked.status != ReportStatus.DRAFT:
            raise WrongStatus(_("The report is published: withdraw it to change its commentary."))
        if locked.commentary == commentary:
            return locked
        before = len(locked.commentary)
        locked.commentary = commentary
        locked.updated_by = user
        locked.save(update_fields=list(REPORT_DRAFT_FIELDS))
        audit_record(
            actor=user,
            action="evaluation.report_commentary",
            obj=locked,
            commune=locked.commune,
            data={"year": locked.year, "chars_before": before, "chars_after": len(commentary)},
        )
    return locked


def publish(report: EvaluationReport, by: Any) -> EvaluationReport:
    """Publish the draft of a year that is over, freezing its figures and the year before's now."""
    user = _manager(by, report.commune)
    with transaction.atomic():
        locked = _lock(report)
        if locked.status != ReportStatus.DRAFT:
            raise WrongStatus(_("This report is already published."))
        if locked.year >= timezone.localdate().year:
            raise YearNotOver()
        locked.figures = live_figures(locked.commune, locked.year)
        locked.status = ReportStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = user
        locked.updated_by = user
        locked.save()
        audit_record(
            actor=user,
            action="evaluation.report_publish",
            obj=locked,
            commune=locked.commune,
            data={"year": locked.year, "figures_version": locked.figures["current"].get("version")},
        )
    return locked


def unpublish(report: EvaluationReport, by: Any, reason: Any) -> EvaluationReport:
    """Withdraw a published report back to a draft (its figures live again), with a reason for the
    journal. Publishing it again freezes the figures of that moment."""
    user = _manager(by, report.commune)
    why = reason_clean(reason)
    with transaction.atomic():
        locked = _lock(report)
        if locked.status != ReportStatus.PUBLISHED:
            raise WrongStatus(_("Only a published report can be withdrawn."))
        published_at = locked.published_at
        locked.status = ReportStatus.DRAFT
        locked.figures = None
        locked.published_at = None
        locked.published_by = None
        locked.updated_by = user
        locked.save()
        audit_record(
            actor=user,
            action="evaluation.report_unpublish",
            obj=locked,
            commune=locked.commune,
            data={
                "year": locked.year,
                "reason": why,
                "published_at": published_at.isoformat() if published_at else None,
            },
        )
    return locked
